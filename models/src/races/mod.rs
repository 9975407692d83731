//! One module per documented race; [`all`] is the registry the command line reads.
//!
//! Adding a race: write its module (the story, the variants, the invariants, see `reentry.rs`),
//! then add one line to [`all`].

pub mod reentry;

use harness::Race;

/// Every race, in the order `racecheck list` shows them.
pub fn all() -> Vec<&'static dyn Race> {
    vec![&reentry::Reentry]
}

/// The race called `id`.
pub fn find(id: &str) -> Option<&'static dyn Race> {
    all().into_iter().find(|r| r.id() == id)
}
