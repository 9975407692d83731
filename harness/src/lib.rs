//! The engine of racecheck: one model source, every scheduler, replayable verdicts.
//!
//! A model is written once against [`sync`] (the facade: `Mutex`, `RwLock`, `Condvar`, atomics,
//! named threads, and [`sync::Service`] for calls to an outside system) and wrapped in a
//! [`Model`]. [`explore`] runs it under one [`Strategy`] — shuttle random, PCT, URW or DFS, loom,
//! or real threads — within a budget, and returns an [`Outcome`]: a [`Verdict`], how many
//! executions ran, whether an exhaustive search completed, and for a failure its replay
//! [`Handle`] and the [`Trace`] of what each actor did. [`isolate`] runs the same in a child
//! process, so that loom's abort on a deadlock, or a hung real thread, cannot take a whole run
//! down. [`Race`] is how a crate of models describes its races to a command line.
//!
//! The harness knows schedulers, executions, traces and verdicts; it never names a trading
//! concept. Models state invariants with [`ensure!`] / [`violated`] and race windows with
//! [`reached`], and narrate with ordinary `tracing::info!` events.

pub mod check;
pub mod explore;
pub mod handle;
pub mod isolate;
pub mod race;
pub mod record;
pub(crate) mod runtime;
pub mod schedule;
pub mod selftest;
pub mod stale;
pub mod svg;
pub mod sync;
pub mod trace;
pub mod verdict;

pub use check::{reached, violated, Inside, Overlap, Violation};
pub use explore::{
    explore, minimize, replay_counted, replay_traced, write_loom_checkpoint, Counterexample, Coverage, Exploration,
    Model, Outcome, Strategy,
};
pub use handle::{Handle, Replay};
pub use race::{Race, RaceError, RaceInfo};
pub use runtime::StepLimitExceeded;
pub use stale::Stale;
pub use trace::Trace;
pub use verdict::Verdict;
