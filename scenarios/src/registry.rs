//! The races a `racecheck` command line knows, handed to it explicitly: [`Registry`].
//!
//! A registry lists races ([`harness::Race`]), each with its world space
//! ([`models::worlds::Space`]) where it has one: the space is what `racecheck prove` enumerates
//! and `racecheck fuzz` and `racecheck soak --worlds` draw from. It can also say where a crate
//! keeps its race modules ([`Layout`]), so that `racecheck new` writes a new race there. This
//! repository's registry is [`crate::registry()`]; another crate builds its own and passes it to
//! [`crate::cli::main`]. Nothing is global: every command reads the registry it was given.

use harness::Race;
use models::worlds::Space;

/// Where a crate of races keeps its race modules, for `racecheck new`.
///
/// The scaffold writes `<root>/<races>/<race_id>.rs`, adds its `pub mod` line to
/// `<root>/<races>/mod.rs` and its `RACE` above the line
/// `// racecheck new: registry lines go above this one.` there, and writes the scenario file into
/// the scenario folder; `<root>` is the scenario folder's parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The folder of the race modules, relative to the root: `models/src/races` here,
    /// `src/races` in a crate of its own.
    pub races: &'static str,
    /// How a race module names the crate of the simulated world: `crate` inside `models`,
    /// `models` in any other crate.
    pub world: &'static str,
}

impl Layout {
    /// This repository's layout: the races are modules of the `models` crate.
    pub const MODELS: Self = Self { races: "models/src/races", world: "crate" };

    /// A crate of its own, depending on `models`: its races are modules under `src/races/`.
    pub const CRATE: Self = Self { races: "src/races", world: "models" };
}

/// One race and its world space.
struct Entry {
    race: &'static dyn Race,
    space: Option<Space>,
}

/// The races a command line knows, in the order `racecheck list` shows them.
#[derive(Default)]
pub struct Registry {
    entries: Vec<Entry>,
    layout: Option<Layout>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.entries.iter().map(|e| e.race.id()).collect();
        f.debug_struct("Registry").field("races", &ids).field("layout", &self.layout).finish()
    }
}

impl Registry {
    /// An empty registry, without a layout (`racecheck new` then refuses, saying why).
    pub fn new() -> Self {
        Self::default()
    }

    /// The same, where `racecheck new` writes new races as `layout` says.
    #[must_use]
    pub fn with_layout(mut self, layout: Layout) -> Self {
        self.layout = Some(layout);
        self
    }

    /// The same, with `race` added, without a world space (`prove` and `fuzz` refuse it).
    ///
    /// # Panics
    /// When a race with the same id is already registered: a programming error of the
    /// registry's author, found on the first run.
    #[must_use]
    pub fn race(self, race: &'static dyn Race) -> Self {
        self.add(race, None)
    }

    /// The same, with `race` added and `space` its world space.
    ///
    /// # Panics
    /// As [`Registry::race`]; and when `space` is another race's.
    #[must_use]
    pub fn race_with_worlds(self, race: &'static dyn Race, space: Space) -> Self {
        assert_eq!(space.race, race.id(), "the world space of race `{}` names another race", race.id());
        self.add(race, Some(space))
    }

    /// The same, with every race of `races` added, in order, each with the world space `space`
    /// gives for its id (a crate of races keeps both lists: `models::races::all` and
    /// `models::worlds::space` here).
    ///
    /// # Panics
    /// As [`Registry::race_with_worlds`].
    #[must_use]
    pub fn with_races(
        self,
        races: impl IntoIterator<Item = &'static dyn Race>,
        space: impl Fn(&str) -> Option<Space>,
    ) -> Self {
        races.into_iter().fold(self, |registry, race| match space(race.id()) {
            Some(s) => registry.race_with_worlds(race, s),
            None => registry.race(race),
        })
    }

    fn add(mut self, race: &'static dyn Race, space: Option<Space>) -> Self {
        assert!(self.find(race.id()).is_none(), "race `{}` is registered twice", race.id());
        self.entries.push(Entry { race, space });
        self
    }

    /// Every race, in order.
    pub fn races(&self) -> impl Iterator<Item = &'static dyn Race> + '_ {
        self.entries.iter().map(|e| e.race)
    }

    /// The race called `id`.
    pub fn find(&self, id: &str) -> Option<&'static dyn Race> {
        self.entries.iter().find(|e| e.race.id() == id).map(|e| e.race)
    }

    /// The world space of race `id`, if it has one.
    pub fn space(&self, id: &str) -> Option<&Space> {
        self.entries.iter().find(|e| e.race.id() == id).and_then(|e| e.space.as_ref())
    }

    /// The ids of the races with a world space, in order, joined by `, ` (for error messages).
    pub fn with_worlds(&self) -> String {
        let ids: Vec<&str> = self.entries.iter().filter(|e| e.space.is_some()).map(|e| e.race.id()).collect();
        ids.join(", ")
    }

    /// Where `racecheck new` writes new races, if this registry says.
    pub fn layout(&self) -> Option<Layout> {
        self.layout
    }
}
