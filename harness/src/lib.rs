//! The engine of racecheck: one model source, every scheduler, replayable verdicts.
//!
//! A race condition shows up in one interleaving out of thousands, so a test that runs the code
//! once, or a thousand times on real threads, mostly passes. This crate runs a *model* of the
//! code under a controlled scheduler instead: it chooses every interleaving, explores many of
//! them (or all of them), and when one breaks an invariant it hands back a [`Verdict`], a replay
//! [`Handle`] that reproduces that execution bit for bit, and the [`Trace`] of who did what.
//!
//! # A model, checked from a plain test
//!
//! A model is written against [`sync`], the facade over shuttle, loom and `std`: every piece of
//! shared state goes through it, and the model creates that state inside its body. Invariants
//! are stated with [`ensure!`]; what the threads do is told with `tracing::info!`, which
//! becomes the trace. Two threads increment a counter with a read and a separate write, so one
//! update can be lost:
//!
//! ```should_panic
//! use harness::sync::atomic::{AtomicU64, Ordering::SeqCst};
//! use harness::sync::{thread, Arc};
//! use harness::{ensure, Model};
//!
//! fn lost_update() -> Model {
//!     Model::new("counter/lost-update", || {
//!         let counter = Arc::new(AtomicU64::new(0));
//!         let add = |c: Arc<AtomicU64>| {
//!             move || {
//!                 let seen = c.load(SeqCst);
//!                 tracing::info!("reads {seen}");
//!                 c.store(seen + 1, SeqCst);
//!             }
//!         };
//!         let (a, b) = (thread::spawn("a", add(counter.clone())), thread::spawn("b", add(counter.clone())));
//!         (a.join(), b.join());
//!         let total = counter.load(SeqCst);
//!         ensure!(total == 2, "no update is lost", "counter is {total} after 2 increments");
//!     })
//! }
//!
//! #[test]
//! fn no_update_is_lost() {
//!     harness::check(&lost_update());
//! }
//! # harness::check(&lost_update());
//! ```
//!
//! [`check()`] explores the model under a default portfolio of schedulers (see [`Checker`]) and,
//! as shuttle's `check_random` and loom's `model` do, panics when an execution fails — with the
//! verdict and the values that broke the invariant, the scheduler that found it, the replay
//! handles, and the trace, one column per thread:
//!
//! ```text
//! racecheck: `counter/lost-update`: violated: counter is 1 after 2 increments (no update is lost)
//! found by pct(depth=2, seed=1) at execution 6
//! as found (2 preemptions): counter/lost-update/shuttle:b4611dc481aa3fad.a2b2ac3ba3
//! fewest preemptions (1): counter/lost-update/shuttle:0.a3b2c3ba3
//! replay it: harness::replay(&model, "counter/lost-update/shuttle:0.a3b2c3ba3")
//! trace (fewest preemptions):
//! step  a                                             b
//!    1  reads 0
//!    2  -- preempted: b runs --
//!    3                                                reads 0
//!    4  VIOLATION (main): counter is 1 after 2 increments (no update is lost)
//! ```
//!
//! The handle is text: `harness::replay(&model, "counter/lost-update/shuttle:0.a3b2c3ba3")` runs
//! that one execution again, on any machine, and fails the same way (see "Replaying a finding").
//!
//! With the increment under a [`sync::Mutex`] the same test passes: no scheduler of the
//! portfolio finds a failing execution, and loom's unbounded search covers every one.
//!
//! A call to an outside system (a service, a store, a database) goes through
//! [`sync::Service`]: a scheduling point that allows a switch and never forces one. Never model
//! it with [`sync::thread::yield_now`]; `harness/DESIGN.md`, "Traps measured here", says why. A
//! race window, marked with [`reached`] or [`Overlap`] and named with [`Model::with_window`],
//! shows that the race was really exercised: a model that holds without ever reaching it is
//! `vacuous`, and [`check()`] fails it too.
//!
//! A bot written with `async`/`await` on an event loop (asyncio, Node.js, tokio current-thread)
//! interleaves only at its awaits: write its actors as [`tasks`] on an [`tasks::Executor`], whose
//! module page has the same check-and-set holding on one event loop and failing on worker threads.
//!
//! # Choosing the schedulers
//!
//! The same compiled model runs under every [`Strategy`]: shuttle's `Random`, `Pct` (bug depth
//! d: PCT finds a depth-d bug with probability at least 1/(n·k^(d−1)) per execution, n threads,
//! k steps) and `Urw` from a seed, shuttle's exhaustive `Dfs` (no reduction: tiny models only),
//! `Loom` (exhaustive with partial-order reduction, optionally preemption-bounded), and
//! `Threads`, the real-threads baseline that is never deterministic. No one scheduler finds
//! everything: [`Checker`] runs the portfolio you choose, with the budget you choose, and
//! [`Checker::run`] hands back every outcome instead of panicking.
//!
//! ```
//! use harness::{selftest, Checker, Coverage, Strategy};
//!
//! let model = selftest::lost_update("demo/lost-update");
//! for strategy in [
//!     Strategy::Random { seed: 1 },
//!     Strategy::Pct { seed: 1, depth: 2 },
//!     Strategy::Urw { seed: 1 },
//!     Strategy::Dfs,
//!     Strategy::Loom { preemption_bound: Some(2) },
//! ] {
//!     let checked = Checker::with_schedulers([strategy.clone()]).budget(1_000).run(&model);
//!     assert_eq!(checked.verdict().name(), "violated", "{strategy}");
//! }
//!
//! // An exhaustive search that covers everything says so: this is a proof, not a sample.
//! let fixed = selftest::locked_update("demo/locked-update");
//! let checked = Checker::with_schedulers([Strategy::Loom { preemption_bound: None }]).run(&fixed);
//! assert_eq!((checked.verdict().name(), checked.outcomes[0].coverage), ("holds", Coverage::Complete));
//! ```
//!
//! One exploration is [`explore()`] with an [`Exploration`] (a strategy and a budget), into an
//! [`Outcome`]. All of this runs in the calling process, where a loom search aborts the process
//! on a deadlock (loom's own behaviour) and nothing stops a model that spins without a facade
//! operation: the `racecheck` command line runs every exploration through
//! [`isolate::run_in_child`], which contains both (`timeout` after
//! [`Exploration::timeout_secs`]). A crate of models describes its races to it with [`Race`].
//!
//! # Replaying a finding
//!
//! The handle is text: it goes into a test failure or a report, and back into [`replay`] on any
//! machine, which panics with the trace if the execution fails again. [`replay_traced`] gives the
//! verdict and the trace instead. A handle that no longer fits the model (the model changed, or
//! the text was edited) is [`Verdict::Stale`], with a typed reason, never a finding.
//!
//! ```
//! use harness::explore::DEFAULT_STEP_LIMIT;
//! use harness::{replay_traced, selftest, Checker, Handle};
//!
//! let model = selftest::lost_update("demo/lost-update");
//! let checked = Checker::new().run(&model);
//! let text = checked.failure().and_then(|o| o.handle.as_ref()).expect("a failure has a handle").to_string();
//!
//! let handle: Handle = text.parse().expect("a handle reads back");
//! let (verdict, trace) = replay_traced(&model, &handle, DEFAULT_STEP_LIMIT);
//! assert_eq!(verdict, checked.verdict());
//! assert!(trace.render().contains("VIOLATION (main): counter is 1 after 2 increments"));
//! // harness::replay(&model, &text) would panic with the same verdict and trace.
//!
//! // Decisions left over after the model finished: the handle is stale.
//! let edited: Handle = format!("{text}zzzz").parse().expect("still reads as a handle");
//! let (verdict, _) = replay_traced(&model, &edited, DEFAULT_STEP_LIMIT);
//! assert!(verdict.stale().is_some(), "{verdict}");
//! ```
//!
//! The design, the traps measured here and the error policy are in `harness/DESIGN.md`.

// The front page shows the front door in a plain `#[test]`, as a user writes it; its doctest runs
// the same call on a hidden line.
#![allow(clippy::test_attr_in_doctest)]

pub mod check;
pub mod explore;
pub mod handle;
pub mod isolate;
pub mod portfolio;
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
pub use portfolio::{check, replay, Checked, Checker};
pub use race::{Race, RaceError, RaceInfo};
pub use runtime::StepLimitExceeded;
pub use stale::Stale;
pub use trace::Trace;
pub use verdict::Verdict;
