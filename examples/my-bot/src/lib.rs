//! My bot's races, checked with racecheck: the models of its concurrent code against the
//! simulated broker, and the registry that gives them racecheck's command line.
//!
//! Each race is a module of [`races`], written against `harness::sync` and `models::world` as
//! racecheck's own are; [`registry`] lists them, each with its world space where it has one, for
//! `src/main.rs` to hand to `scenarios::cli::main`. The scenario files are in `scenarios/`, the
//! reports the gate keeps in `reports/`.

pub mod races;

use scenarios::{Layout, Registry};

/// The races of this crate, with their world spaces; `racecheck new` adds a race's module under
/// `src/races/` and its line to [`races::all`].
pub fn registry() -> Registry {
    Registry::new().with_layout(Layout::CRATE).with_races(races::all(), races::space)
}
