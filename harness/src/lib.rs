//! The engine of racecheck: one model source, every scheduler, replayable verdicts.
//!
//! A race condition shows up in one interleaving out of thousands, so a test that runs the code
//! once, or a thousand times on real threads, mostly passes. This crate runs a *model* of the
//! code under a controlled scheduler instead: it chooses every interleaving, explores many of
//! them (or all of them), and when one breaks an invariant it hands back a [`Verdict`], a replay
//! [`Handle`] that reproduces that execution bit for bit, and the [`Trace`] of who did what.
//!
//! The main types: [`Model`] (the body of one execution), [`Exploration`] (a [`Strategy`] and a
//! budget), [`explore`] (runs one into an [`Outcome`]), [`replay_traced`] (one execution again,
//! from its handle), [`isolate`] (the same in a child process), [`Race`] (how a crate of models
//! describes its races), and [`tasks`] for bots written with `async`/`await` on an event loop.
//! The design, the traps and the error policy are in `harness/DESIGN.md`.
//!
//! # Writing a model
//!
//! A model is written against [`sync`], the facade over shuttle, loom and `std`: every piece of
//! shared state goes through it, and the model creates that state inside its body. Invariants
//! are stated with [`ensure!`] (or [`violated`]); what the actors do is told with ordinary
//! `tracing::info!` events, which become the trace. Two threads increment a counter with a read
//! and a separate write, so one update can be lost:
//!
//! ```
//! use harness::sync::atomic::{AtomicUsize, Ordering};
//! use harness::sync::{thread, Arc};
//! use harness::{ensure, explore, Exploration, Model, Strategy};
//!
//! let model = Model::new("demo/lost-update", || {
//!     let counter = Arc::new(AtomicUsize::new(0));
//!     let add = |name, counter: Arc<AtomicUsize>| thread::spawn(name, move || {
//!         let seen = counter.load(Ordering::SeqCst);
//!         tracing::info!("reads {seen}");
//!         counter.store(seen + 1, Ordering::SeqCst);
//!     });
//!     let (a, b) = (add("a", Arc::clone(&counter)), add("b", Arc::clone(&counter)));
//!     a.join();
//!     b.join();
//!     let total = counter.load(Ordering::SeqCst);
//!     ensure!(total == 2, "no update is lost", "counter is {total} after 2 increments");
//! });
//!
//! let outcome = explore(&model, &Exploration::new(Strategy::Pct { seed: 1, depth: 2 }, 100));
//! assert_eq!(outcome.verdict.name(), "violated");
//! assert!(outcome.handle.is_some() && outcome.trace.is_some());
//! ```
//!
//! A call to an outside system (a broker, a lock store, a database) goes through
//! [`sync::Service`]: a scheduling point that allows a switch and never forces one. Never model
//! it with [`sync::thread::yield_now`]; `harness/DESIGN.md`, "Traps measured here", says why.
//!
//! # Choosing a scheduler
//!
//! The same compiled model runs under every [`Strategy`]: shuttle's `Random`, `Pct` (bug depth
//! d: PCT finds a depth-d bug with probability at least 1/(n·k^(d−1)) per execution, n threads,
//! k steps) and `Urw` from a seed, shuttle's exhaustive `Dfs` (no reduction: tiny models only),
//! `Loom` (exhaustive with partial-order reduction, optionally preemption-bounded), and
//! `Threads`, the real-threads baseline that is never deterministic. No one scheduler finds
//! everything, so a scenario runs a portfolio:
//!
//! ```
//! use harness::{explore, selftest, Coverage, Exploration, Strategy};
//!
//! let model = selftest::lost_update("demo/lost-update");
//! for strategy in [
//!     Strategy::Random { seed: 1 },
//!     Strategy::Pct { seed: 1, depth: 2 },
//!     Strategy::Urw { seed: 1 },
//!     Strategy::Dfs,
//!     Strategy::Loom { preemption_bound: Some(2) },
//! ] {
//!     let outcome = explore(&model, &Exploration::new(strategy.clone(), 1_000));
//!     assert_eq!(outcome.verdict.name(), "violated", "{strategy}");
//! }
//!
//! // An exhaustive search that covers everything says so: this is a proof, not a sample.
//! let fixed = selftest::locked_update("demo/locked-update");
//! let outcome = explore(&fixed, &Exploration::new(Strategy::Loom { preemption_bound: None }, 10_000));
//! assert_eq!((outcome.verdict.name(), outcome.coverage), ("holds", Coverage::Complete));
//! ```
//!
//! In this process, a loom search aborts the process on a deadlock (loom's own behaviour), and
//! nothing stops a model that spins without a facade operation: the command line runs every
//! exploration through [`isolate::run_in_child`], which contains both (`timeout` after
//! [`Exploration::timeout_secs`]).
//!
//! # Replaying a finding
//!
//! The handle is text: it goes into a report, and back into [`replay_traced`] on any machine.
//! A handle that no longer fits the model (the model changed, or the text was edited) is
//! [`Verdict::Stale`], with a typed reason, never a finding.
//!
//! ```
//! use harness::explore::DEFAULT_STEP_LIMIT;
//! use harness::{explore, replay_traced, selftest, Exploration, Handle, Strategy};
//!
//! let model = selftest::lost_update("demo/lost-update");
//! let outcome = explore(&model, &Exploration::new(Strategy::Pct { seed: 1, depth: 2 }, 100));
//! let text = outcome.handle.expect("a failure has a handle").to_string();
//!
//! let handle: Handle = text.parse().expect("a handle reads back");
//! let (verdict, trace) = replay_traced(&model, &handle, DEFAULT_STEP_LIMIT);
//! assert_eq!(verdict, outcome.verdict);
//! assert!(trace.render().contains("VIOLATION (main): counter is 1 after 2 increments"));
//!
//! // Decisions left over after the model finished: the handle is stale.
//! let edited: Handle = format!("{text}zzzz").parse().expect("still reads as a handle");
//! let (verdict, _) = replay_traced(&model, &edited, DEFAULT_STEP_LIMIT);
//! assert!(verdict.stale().is_some(), "{verdict}");
//! ```

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
pub mod tasks;
pub mod trace;
pub mod verdict;

pub use check::{reached, violated, Inside, Overlap, Violation};
pub use explore::{
    explore, minimize, replay_counted, replay_traced, write_loom_checkpoint, Counterexample, Coverage, Exploration,
    Model, Outcome, Shown, Strategy,
};
pub use handle::{Handle, Replay};
pub use race::{Race, RaceError, RaceInfo};
pub use runtime::StepLimitExceeded;
pub use stale::Stale;
pub use trace::Trace;
pub use verdict::Verdict;
