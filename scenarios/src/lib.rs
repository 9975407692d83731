//! The scenario files, and the `racecheck` command line's machinery.
//!
//! A scenario (`scenarios/<id>.toml`, see [`scenario`]) names a race, its parameters, a
//! portfolio of schedulers and the expected verdict of every variant. [`run`] explores each
//! variant under each scheduler, one child process an exploration; [`report`] renders the
//! result, the same text `racecheck run` prints and `reports/` keeps as snapshots. The races
//! come from a [`Registry`]: this repository's is [`registry()`]; another crate passes its own to
//! [`cli::main`] and gets the same command line over its races.

pub mod cli;
pub mod direct;
pub mod expect;
pub mod export;
pub mod fuzz;
pub mod merge;
pub mod overhead;
pub mod prove;
pub mod registry;
pub mod regress;
pub mod report;
pub mod run;
pub mod scaffold;
pub mod scenario;
pub mod soak;
pub mod soakreport;
pub mod summary;

pub use registry::{Layout, Registry};

/// This repository's registry: the models' races with their world spaces, the harness's own
/// `selftest`, and the simulated world's `world-faults`; new races go into `models/src/races/`.
pub fn registry() -> Registry {
    Registry::new()
        .with_layout(Layout::MODELS)
        .with_races(models::races::all(), models::worlds::space)
        .race(&harness::selftest::SelfTest)
        .race(&harness::selftest::TaskSelfTest)
        .race(models::faults::RACE)
}
