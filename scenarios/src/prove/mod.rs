//! `racecheck prove`: every world of a race up to a size, every interleaving of each.
//!
//! A `holds` in a scenario's report covers every interleaving of *one* world. A proof covers
//! every world of the race's space (`models::worlds`, as the [`crate::Registry`] gives it) of
//! size at most K, enumerated, not sampled.
//! Each world × variant is explored in a child process (a loom deadlock abort or a hang cannot
//! take the run down) by the strongest method that completes: loom unbounded within a budget,
//! else loom bounded at 3 preemptions, else shuttle's DFS; the method is kept per world, and a
//! world where none completed is counted as such, never as proven. For a variant that fails, the
//! worlds are checked in canonical order (smallest first) and the first failing one is the
//! answer: every world before it was checked to the end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use harness::isolate::{self, Job};
use harness::{Coverage, Exploration, Outcome, Race, Strategy};
use models::worlds::{Space, World};

use crate::expect::Expected;
use crate::run::Runner;
use crate::Registry;

pub mod report;

/// The budget of each loom search, unbounded or bounded: far above what a small world needs.
pub const LOOM_BUDGET: u64 = 50_000;

/// The budget of the DFS search, the last resort.
pub const DFS_BUDGET: u64 = 200_000;

/// Seconds one exploration may take before its child is stopped.
pub const TIMEOUT_SECS: u64 = 120;

/// How one world × variant was checked, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// loom, unbounded, completed: every interleaving.
    LoomUnbounded,
    /// loom bounded at 3 preemptions, completed: every interleaving with at most 3.
    LoomBounded,
    /// shuttle's DFS, completed: every interleaving.
    Dfs,
    /// No search completed within its budget: sampled, not proven.
    Incomplete,
}

impl Method {
    /// The methods in the order they are tried.
    pub const ALL: [Self; 4] = [Self::LoomUnbounded, Self::LoomBounded, Self::Dfs, Self::Incomplete];

    /// How a report names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::LoomUnbounded => "loom unbounded",
            Self::LoomBounded => "loom <=3 preemptions",
            Self::Dfs => "dfs",
            Self::Incomplete => "no search completed",
        }
    }

    fn exploration(self) -> Option<Exploration> {
        let (strategy, budget) = match self {
            Self::LoomUnbounded => (Strategy::Loom { preemption_bound: None }, LOOM_BUDGET),
            Self::LoomBounded => (Strategy::Loom { preemption_bound: Some(3) }, LOOM_BUDGET),
            Self::Dfs => (Strategy::Dfs, DFS_BUDGET),
            Self::Incomplete => return None,
        };
        Some(Exploration::new(strategy, budget).with_timeout_secs(TIMEOUT_SECS))
    }
}

/// One world × variant, checked.
#[derive(Clone, Debug)]
pub struct Checked {
    /// Its position in canonical order (from 0).
    pub index: usize,
    /// The world.
    pub world: World,
    /// Its scenario id, `<race>-<hash>`: the target of its replay handles.
    pub id: String,
    /// How it was checked: the search that completed, or found a failure.
    pub method: Method,
    /// The exploration that decided it.
    pub exploration: Option<Exploration>,
    /// What that found.
    pub outcome: Outcome,
}

impl Checked {
    /// What this world concluded.
    pub fn verdict(&self) -> Expected {
        Expected::of([&self.outcome]).expect("one outcome always concludes")
    }
}

/// A variant's proof over a space.
#[derive(Clone, Debug)]
pub struct VariantProof {
    /// The variant.
    pub variant: &'static str,
    /// Whether the race's scenarios expect it to hold.
    pub expected_to_hold: bool,
    /// Every world checked, in canonical order; for a failing variant, up to the first failure.
    pub checked: Vec<Checked>,
}

impl VariantProof {
    /// The smallest failing world, if one failed.
    pub fn failure(&self) -> Option<&Checked> {
        self.checked.iter().find(|c| c.verdict().is_failure())
    }

    /// How many worlds each method decided.
    pub fn methods(&self) -> Vec<(Method, usize)> {
        Method::ALL
            .iter()
            .map(|m| (*m, self.checked.iter().filter(|c| c.method == *m).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// How many worlds never reached the race window.
    pub fn vacuous(&self) -> usize {
        self.checked.iter().filter(|c| c.verdict() == Expected::Vacuous).count()
    }
}

/// What to prove.
#[derive(Clone)]
pub struct Prove {
    /// The race.
    pub race: &'static dyn Race,
    /// The variants, each with whether it is expected to hold.
    pub variants: Vec<(&'static str, bool)>,
    /// The race's world space.
    pub space: Space,
    /// Parameters every world starts from (a scenario's), under the space's own.
    pub base: toml::Table,
    /// The largest world size.
    pub size: usize,
}

impl Prove {
    /// Every world of size at most [`Prove::size`], each over [`Prove::base`], accepted by the
    /// race, in canonical order.
    pub fn worlds(&self) -> Vec<World> {
        let mut seen = std::collections::BTreeSet::new();
        self.space
            .worlds_of(self.race, self.size)
            .into_iter()
            .map(|mut w| {
                let mut params = self.base.clone();
                params.extend(std::mem::take(&mut w.params));
                World { size: w.size, params }
            })
            .filter(|w| Space::accepted_by(self.race, &w.params) && seen.insert(w.params.to_string()))
            .collect()
    }
}

/// The arguments of a child that explores `world` of `race` as variant `variant` of scenario
/// `id` (see [`crate::cli`]'s hidden `__prove-child`).
pub fn child_args(race: &dyn Race, id: &str, variant: &str, world: &toml::Table) -> Vec<String> {
    vec!["__prove-child".into(), race.id().into(), id.into(), variant.into(), world.to_string()]
}

/// Checks one world × variant: each method in turn until one completes or finds a failure.
pub fn check(runner: &Runner, race: &dyn Race, variant: &str, index: usize, world: &World) -> Checked {
    let id = crate::fuzz::world_id(race, &world.params);
    let args = child_args(race, &id, variant, &world.params);
    let mut last = None;
    for method in Method::ALL {
        let Some(exploration) = method.exploration() else { break };
        let outcome = isolate::run_in_child(&runner.program, &args, &Job::Explore(exploration.clone()));
        let failed = Expected::of([&outcome]).is_some_and(Expected::is_failure);
        if failed || outcome.coverage == Coverage::Complete {
            return Checked { index, world: world.clone(), id, method, exploration: Some(exploration), outcome };
        }
        last = Some((exploration, outcome));
    }
    let (exploration, outcome) = last.expect("at least one method ran");
    Checked { index, world: world.clone(), id, method: Method::Incomplete, exploration: Some(exploration), outcome }
}

/// Proves every variant of `p` over its worlds, `runner.jobs` children at once. For each
/// variant, worlds after its first failure (in canonical order) are skipped.
pub fn prove(runner: &Runner, p: &Prove) -> Vec<VariantProof> {
    let worlds = p.worlds();
    p.variants
        .iter()
        .map(|&(variant, expected_to_hold)| {
            let checked = prove_variant(runner, p.race, variant, &worlds);
            VariantProof { variant, expected_to_hold, checked }
        })
        .collect()
}

fn prove_variant(runner: &Runner, race: &dyn Race, variant: &str, worlds: &[World]) -> Vec<Checked> {
    let next = AtomicUsize::new(0);
    let first_failure = AtomicUsize::new(usize::MAX);
    let done: Mutex<Vec<Checked>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..runner.jobs.max(1) {
            s.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                if index >= worlds.len() || index > first_failure.load(Ordering::SeqCst) {
                    break;
                }
                let c = check(runner, race, variant, index, &worlds[index]);
                if c.verdict().is_failure() {
                    first_failure.fetch_min(index, Ordering::SeqCst);
                }
                done.lock().expect("the results").push(c);
            });
        }
    });
    let mut checked = done.into_inner().expect("the results");
    checked.sort_by_key(|c| c.index);
    let cut = first_failure.into_inner();
    checked.retain(|c| c.index <= cut);
    checked
}

/// The variants of `race` its scenario files under `dir` (not `fuzz/`) expect to hold: those
/// every scenario that names them expects `holds`, and `correct-fix` always.
pub fn expected_to_hold(registry: &Registry, race: &dyn Race, dir: &std::path::Path) -> Vec<&'static str> {
    let files = crate::scenario::all_files(dir).unwrap_or_default();
    let scenarios: Vec<crate::scenario::Scenario> = files
        .iter()
        .filter(|f| f.parent() == Some(dir))
        .filter_map(|f| crate::scenario::load(f, |id| registry.find(id)).ok())
        .filter(|s| s.race.id() == race.id())
        .collect();
    race.variants()
        .iter()
        .copied()
        .filter(|v| {
            let said: Vec<Expected> =
                scenarios.iter().flat_map(|s| s.expect.iter().filter(|(w, _)| w == v).map(|(_, e)| *e)).collect();
            *v == "correct-fix" || (!said.is_empty() && said.iter().all(|e| *e == Expected::Holds))
        })
        .collect()
}
