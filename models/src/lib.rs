//! The trading world and the races documented in five write-ups of race-condition fixes in
//! trading bots and in two public trackers (what each `source:` refers to: `SOURCES.md`).
//!
//! [`world`] is the simulated outside world: [`world::SimBroker`] (orders, cancels, fills,
//! positions, a ledger of every request) and prices on the tick grid ([`world::Price`]). Each
//! call to it is a scheduling point. [`races`] holds one module per documented race, each
//! telling the race's story and implementing [`harness::Race`] with its variants `before`,
//! `documented-fix` (or `merged-fix`) and `correct-fix`.
//!
//! Models are written against `harness::sync` only; they never name a scheduler library.

pub mod actors;
pub mod bot80_20;
pub mod faults;
pub mod listed;
pub mod races;
pub mod variants;
pub mod world;
pub mod worlds;
