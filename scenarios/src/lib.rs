//! The scenario files, and the `racecheck` command line's machinery.
//!
//! A scenario (`scenarios/<id>.toml`, see [`scenario`]) names a race, its parameters, a
//! portfolio of schedulers and the expected verdict of every variant. [`run`] explores each
//! variant under each scheduler, one child process an exploration; [`report`] renders the
//! result, the same text `racecheck run` prints and `reports/` keeps as snapshots.

pub mod cli;
pub mod direct;
pub mod expect;
pub mod export;
pub mod fuzz;
pub mod merge;
pub mod prove;
pub mod regress;
pub mod report;
pub mod run;
pub mod scaffold;
pub mod scenario;
pub mod soak;
pub mod soakreport;
pub mod summary;

use harness::Race;

/// Every race the command line knows: the models' races, the harness's own `selftest`, and the
/// simulated world's `world-faults`.
pub fn races() -> Vec<&'static dyn Race> {
    let mut races = models::races::all();
    races.push(&harness::selftest::SelfTest);
    races.push(&harness::selftest::TaskSelfTest);
    races.push(models::faults::RACE);
    races
}

/// The race called `id`.
pub fn find_race(id: &str) -> Option<&'static dyn Race> {
    races().into_iter().find(|r| r.id() == id)
}
