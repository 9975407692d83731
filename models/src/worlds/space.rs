//! A world space: one definition of the worlds a race can be checked in, read two ways.
//!
//! A [`Space`] lists a race's varied parameters ([`Dim`]s), each with its values in order of
//! simplicity: the first is the plainest world, each later one costs one more. A world's *size*
//! is the sum of its choices' costs (a sequence also costs one per element beyond its shortest).
//! [`Space::worlds`] enumerates every world up to a size, canonical (a sequence whose order does
//! not matter, like symmetric exit threads, is listed once, sorted) and without duplicates, in
//! canonical order: smallest first, then by the choices' positions. [`Space::strategy`] draws
//! from the same values for proptest, shrinking toward the first of each (size 0). Worlds the
//! race itself refuses (its `Params::check`) are left out of the enumeration, and rejected by
//! the fuzzer: a refused world is not a failure. A space is plain data: a crate of races of its
//! own builds one for each of its races the same way, and enumerates it with [`Space::worlds_of`].

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use harness::Race;
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use toml::{Table, Value};

/// The worlds a race can be checked in.
#[derive(Clone, Debug)]
pub struct Space {
    /// The race.
    pub race: &'static str,
    /// The parameters varied, each over its values.
    pub dims: Vec<Dim>,
    /// Fills in the parameters that follow from the varied ones (none for most races).
    pub derive: fn(&mut Table),
    /// The size `racecheck prove` enumerates up to by default: its proof takes about a minute or
    /// less on two cores.
    pub default_size: usize,
}

/// One varied parameter.
#[derive(Clone, Debug)]
pub struct Dim {
    /// The parameter's name in the `[params]` table.
    pub name: &'static str,
    /// Its values.
    pub shape: Shape,
}

/// The values of a parameter.
#[derive(Clone, Debug)]
pub enum Shape {
    /// One of these; the `n`th costs `n`.
    One(Vec<Value>),
    /// A sequence of these items, each costing its position, plus one per element beyond
    /// `len`'s start.
    Seq {
        /// The items, simplest first.
        items: Vec<Value>,
        /// How many.
        len: RangeInclusive<usize>,
        /// Whether the sequence's order tells worlds apart.
        order: Order,
    },
}

/// Whether a sequence's order matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Each order is its own world (ticks in time).
    Matters,
    /// Every order is the same world up to renaming (identical threads with different shares):
    /// listed once, sorted.
    Symmetric,
}

/// One world of a space.
#[derive(Clone, Debug, PartialEq)]
pub struct World {
    /// Its size (see [`Space`]).
    pub size: usize,
    /// Its `[params]` table.
    pub params: Table,
}

/// The choices of one parameter of cost at most `k`: (cost, value, positions).
type Choice = (usize, Value, Vec<usize>);

impl Dim {
    /// One of `values`.
    pub fn one(name: &'static str, values: impl IntoIterator<Item = Value>) -> Self {
        Self { name, shape: Shape::One(values.into_iter().collect()) }
    }

    /// A sequence of `items`.
    pub fn seq(
        name: &'static str,
        items: impl IntoIterator<Item = Value>,
        len: RangeInclusive<usize>,
        order: Order,
    ) -> Self {
        Self { name, shape: Shape::Seq { items: items.into_iter().collect(), len, order } }
    }

    fn choices(&self, k: usize) -> Vec<Choice> {
        match &self.shape {
            Shape::One(values) => values.iter().enumerate().take(k + 1).map(|(i, v)| (i, v.clone(), vec![i])).collect(),
            Shape::Seq { items, len, order } => {
                let mut all = Vec::new();
                for n in len.clone() {
                    let base = n - len.start();
                    if base > k {
                        break;
                    }
                    sequences(items.len(), n, k - base, *order, &mut Vec::new(), &mut |pos| {
                        let value = Value::Array(pos.iter().map(|&i| items[i].clone()).collect());
                        all.push((base + pos.iter().sum::<usize>(), value, pos.to_vec()));
                    });
                }
                all
            }
        }
    }

    fn strategy(&self) -> BoxedStrategy<Value> {
        match &self.shape {
            Shape::One(values) => {
                let values = values.clone();
                (0..values.len()).prop_map(move |i| values[i].clone()).boxed()
            }
            Shape::Seq { items, len, order } => {
                let (items, order) = (items.clone(), *order);
                prop::collection::vec(0..items.len(), len.clone())
                    .prop_map(move |mut pos| {
                        if order == Order::Symmetric {
                            pos.sort_unstable();
                        }
                        Value::Array(pos.into_iter().map(|i| items[i].clone()).collect())
                    })
                    .boxed()
            }
        }
    }
}

/// Calls `found` with every sequence of `n` positions below `items` costing at most `budget`
/// (non-decreasing when the order is symmetric), in lexicographic order.
fn sequences(
    items: usize,
    n: usize,
    budget: usize,
    order: Order,
    pos: &mut Vec<usize>,
    found: &mut dyn FnMut(&[usize]),
) {
    if pos.len() == n {
        found(pos);
        return;
    }
    let from = if order == Order::Symmetric { pos.last().copied().unwrap_or(0) } else { 0 };
    for i in from..items.min(budget + 1) {
        pos.push(i);
        sequences(items, n, budget - i, order, pos, found);
        pos.pop();
    }
}

impl Space {
    /// Every world of size at most `k` the race (one of [`crate::races::all`]) accepts,
    /// canonical and deduplicated, smallest first, then in the order of the choices' positions.
    pub fn worlds(&self, k: usize) -> Vec<World> {
        match crate::races::find(self.race) {
            Some(race) => self.worlds_of(race, k),
            None => Vec::new(),
        }
    }

    /// The same for `race`, this space's race wherever it is defined.
    pub fn worlds_of(&self, race: &dyn Race, k: usize) -> Vec<World> {
        let per_dim: Vec<Vec<Choice>> = self.dims.iter().map(|d| d.choices(k)).collect();
        let mut found: Vec<(usize, Vec<Vec<usize>>, Table)> = Vec::new();
        self.product(&per_dim, k, &mut Vec::new(), &mut found);
        found.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let mut seen = BTreeSet::new();
        found
            .into_iter()
            .filter(|(_, _, t)| Self::accepted_by(race, t) && seen.insert(t.to_string()))
            .map(|(size, _, params)| World { size, params })
            .collect()
    }

    fn product<'c>(
        &self,
        per_dim: &'c [Vec<Choice>],
        k: usize,
        picked: &mut Vec<&'c Choice>,
        found: &mut Vec<(usize, Vec<Vec<usize>>, Table)>,
    ) {
        let Some((first, rest)) = per_dim.split_first() else {
            let size = picked.iter().map(|c| c.0).sum();
            found.push((size, picked.iter().map(|c| c.2.clone()).collect(), self.table(picked.iter().map(|c| &c.1))));
            return;
        };
        let spent: usize = picked.iter().map(|c| c.0).sum();
        for c in first.iter().filter(|c| spent + c.0 <= k) {
            picked.push(c);
            self.product(rest, k, picked, found);
            picked.pop();
        }
    }

    fn table<'v>(&self, values: impl Iterator<Item = &'v Value>) -> Table {
        let mut t: Table = self.dims.iter().map(|d| d.name.to_owned()).zip(values.cloned()).collect();
        (self.derive)(&mut t);
        t
    }

    /// Whether the race (one of [`crate::races::all`]) accepts `params` (its `Params::check`).
    pub fn accepts(&self, params: &Table) -> bool {
        crate::races::find(self.race).is_some_and(|r| Self::accepted_by(r, params))
    }

    /// Whether `race` accepts `params`: it builds a model of its first variant from them.
    pub fn accepted_by(race: &dyn Race, params: &Table) -> bool {
        race.model("world", race.variants()[0], params).is_ok()
    }

    /// The proptest strategy over the same values, shrinking toward the first of each.
    pub fn strategy(&self) -> BoxedStrategy<Table> {
        let names: Vec<&'static str> = self.dims.iter().map(|d| d.name).collect();
        let derive = self.derive;
        let dims: Vec<BoxedStrategy<Value>> = self.dims.iter().map(Dim::strategy).collect();
        dims.prop_map(move |values| {
            let mut t: Table = names.iter().map(|n| (*n).to_owned()).zip(values).collect();
            derive(&mut t);
            t
        })
        .boxed()
    }
}
