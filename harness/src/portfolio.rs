//! The front door for a plain `#[test]`: [`check`] explores a model under a default portfolio of
//! schedulers and panics with the finding, as shuttle's `check_random` and loom's `model` do.
//!
//! [`Checker`] is the same with the portfolio, the budget and the step limit chosen; [`replay`]
//! runs the one execution a finding's handle names, and panics with its trace if it fails. The
//! panic message carries what a report would: the verdict with the values that broke the
//! invariant, the scheduler that found it, the replay handles (as found, and with the fewest
//! preemptions) and the rendered trace.
//!
//! Everything runs in the calling process, as a test's body does. Two consequences: loom aborts
//! the process on a deadlock (its own behaviour), which is why the portfolio runs shuttle's PCT
//! first, whose deadlocks are verdicts; and nothing stops a model that spins without a facade
//! operation. The `racecheck` command line runs every exploration in a child process instead
//! (`crate::isolate`). Nothing here reads the environment: a test explores the same executions
//! on every machine.

use std::fmt;

use crate::explore::{explore, replay_traced, Exploration, Model, Outcome, Strategy, DEFAULT_STEP_LIMIT};
use crate::handle::Handle;
use crate::verdict::Verdict;

/// Executions of each PCT search of the default portfolio. A depth-2 bug of a model with 2
/// threads and 50 scheduling points is found by one execution with probability at least
/// 1/(n·k^(d−1)) = 1/100, so 1,000 executions miss it with probability at most
/// (1 − 1/100)^1000 ≈ 4·10⁻⁵.
pub const PCT_BUDGET: u64 = 1_000;

/// Executions of each loom search of the default portfolio: far above what a model of two or
/// three threads needs to complete within 3 preemptions.
pub const LOOM_BUDGET: u64 = 10_000;

/// The schedulers a [`Checker`] runs, in order, and how far each may go.
///
/// The default portfolio, [`Checker::new`]:
/// 1. `pct(depth=2, seed=1)` and `pct(depth=3, seed=1)`, [`PCT_BUDGET`] executions each;
/// 2. `loom(preemptions<=3)`, exhaustive within 3 preemptions (nearly every real race needs
///    fewer), [`LOOM_BUDGET`] executions;
/// 3. `loom(unbounded)`, every interleaving, [`LOOM_BUDGET`] executions: a proof when it
///    completes.
///
/// It stops at the first failure. No environment variable changes any of it.
///
/// ```
/// use harness::{selftest, Checker, Strategy};
///
/// // PCT alone, at depth 3, with a smaller budget: what it found, without a panic.
/// let checker = Checker::with_schedulers([Strategy::Pct { seed: 7, depth: 3 }]).budget(200);
/// let checked = checker.run(&selftest::lost_update("demo/lost-update"));
/// assert_eq!(checked.verdict().name(), "violated");
/// assert!(checked.to_string().contains("fewest preemptions (1): demo/lost-update/shuttle:"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checker {
    /// The explorations, in the order they run. Invariant: not empty.
    portfolio: Vec<Exploration>,
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker {
    /// The default portfolio (see [`Checker`]).
    pub fn new() -> Self {
        Self {
            portfolio: vec![
                Exploration::new(Strategy::Pct { seed: 1, depth: 2 }, PCT_BUDGET),
                Exploration::new(Strategy::Pct { seed: 1, depth: 3 }, PCT_BUDGET),
                Exploration::new(Strategy::Loom { preemption_bound: Some(3) }, LOOM_BUDGET),
                Exploration::new(Strategy::Loom { preemption_bound: None }, LOOM_BUDGET),
            ],
        }
    }

    /// Exactly these schedulers, in this order, [`PCT_BUDGET`] executions each for the
    /// randomized ones and [`LOOM_BUDGET`] for the exhaustive ones (`Strategy::Threads`, which
    /// replays nothing, is left out).
    ///
    /// # Panics
    /// When no scheduler is left: a checker must explore something.
    pub fn with_schedulers(schedulers: impl IntoIterator<Item = Strategy>) -> Self {
        let portfolio: Vec<Exploration> = schedulers
            .into_iter()
            .filter(|s| *s != Strategy::Threads)
            .map(|s| {
                let budget = if s.is_exhaustive() { LOOM_BUDGET } else { PCT_BUDGET };
                Exploration::new(s, budget)
            })
            .collect();
        assert!(!portfolio.is_empty(), "a Checker needs at least one scheduler other than threads");
        Self { portfolio }
    }

    /// The same, each scheduler exploring at most `executions` executions (and the search for
    /// the fewest preemptions after a failure at most as many).
    #[must_use]
    pub fn budget(mut self, executions: u64) -> Self {
        for e in &mut self.portfolio {
            e.budget = executions;
            e.minimize_budget = e.minimize_budget.min(executions);
        }
        self
    }

    /// The same, each execution running at most `steps` facade operations (default
    /// [`DEFAULT_STEP_LIMIT`]); beyond, the verdict is `step-limit`.
    #[must_use]
    pub fn step_limit(mut self, steps: u64) -> Self {
        for e in &mut self.portfolio {
            e.step_limit = steps;
        }
        self
    }

    /// The explorations it runs, in order.
    pub fn explorations(&self) -> &[Exploration] {
        &self.portfolio
    }

    /// Explores `model` under each scheduler in turn, until one fails.
    pub fn run(&self, model: &Model) -> Checked {
        let mut outcomes = Vec::new();
        for e in &self.portfolio {
            let outcome = explore(model, e);
            let failed = outcome.verdict.is_failure();
            outcomes.push(outcome);
            if failed {
                break;
            }
        }
        Checked { target: model.target().to_owned(), window: model.window(), outcomes }
    }

    /// Explores `model` as [`Checker::run`] does, and panics with the finding if it is not
    /// `holds`: a failure with its handles and trace, or `vacuous` (no execution reached the
    /// model's race window, so the test proved nothing).
    pub fn check(&self, model: &Model) {
        let checked = self.run(model);
        if checked.verdict() != Verdict::Holds {
            panic!("{checked}");
        }
    }

    /// Runs the one execution `handle` names (as a finding printed it), with this checker's step
    /// limit; panics with its verdict and trace if it fails, and when the handle is malformed or
    /// does not reproduce an execution of `model` (stale).
    pub fn replay(&self, model: &Model, handle: &str) {
        let parsed: Handle = handle.parse().unwrap_or_else(|e| panic!("{e}"));
        let step_limit = self.portfolio.first().map_or(DEFAULT_STEP_LIMIT, |e| e.step_limit);
        let (verdict, trace) = replay_traced(model, &parsed, step_limit);
        if verdict.stale().is_some() || verdict.is_failure() {
            panic!("racecheck: replay of {handle}: {verdict}\ntrace:\n{}", trace.render());
        }
    }
}

/// Explores `model` under the default portfolio of [`Checker`] and panics with the finding (its
/// verdict, handles and trace) if it is not `holds`.
///
/// ```
/// // Two threads increment a counter under a lock: no update is lost, in any interleaving.
/// harness::check(&harness::selftest::locked_update("demo/locked-update"));
/// ```
pub fn check(model: &Model) {
    Checker::new().check(model);
}

/// Runs the one execution `handle` names and panics with its verdict and trace if it fails (see
/// [`Checker::replay`]).
///
/// ```should_panic
/// // The lost update that `harness::check` found, with its fewest preemptions: it fails again.
/// let model = harness::selftest::lost_update("demo/lost-update");
/// harness::replay(&model, "demo/lost-update/shuttle:0.a3b2c3ba3");
/// ```
pub fn replay(model: &Model, handle: &str) {
    Checker::new().replay(model, handle);
}

/// What a [`Checker`] found: every exploration's outcome, in order, up to the first failure.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The model's target name.
    pub target: String,
    /// The model's race window, if it names one.
    pub window: Option<&'static str>,
    /// The outcomes, one per exploration run.
    pub outcomes: Vec<Outcome>,
}

impl Checked {
    /// The first failing outcome, if one failed.
    pub fn failure(&self) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.verdict.is_failure())
    }

    /// The verdict over the portfolio: the first failure; else `vacuous` when the model names a
    /// race window that no exploration reached; else `holds`.
    pub fn verdict(&self) -> Verdict {
        if let Some(o) = self.failure() {
            return o.verdict.clone();
        }
        if self.window.is_some() && self.outcomes.iter().all(|o| o.reached_window == 0) {
            return Verdict::Vacuous;
        }
        Verdict::Holds
    }
}

/// The finding as a test failure shows it: the verdict, what found it, the handles, the trace;
/// or, when nothing failed, what each scheduler covered.
impl fmt::Display for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = &self.target;
        let Some(o) = self.failure() else {
            writeln!(f, "racecheck: `{target}`: {}", self.verdict())?;
            if let (Verdict::Vacuous, Some(window)) = (self.verdict(), self.window) {
                writeln!(f, "no execution reached the race window `{window}`: the check proves nothing")?;
            }
            for o in &self.outcomes {
                let ran = o.ran.as_ref().map(|e| e.strategy.to_string()).unwrap_or_default();
                let (n, coverage, window) = (o.executions, o.coverage.name(), o.reached_window);
                writeln!(f, "{ran}: {} after {n} executions ({coverage}), window reached {window} times", o.verdict)?;
            }
            return Ok(());
        };
        writeln!(f, "racecheck: `{target}`: {}", o.verdict)?;
        let ran = o.ran.as_ref().map(|e| e.strategy.to_string()).unwrap_or_default();
        writeln!(f, "found by {ran} at execution {}", o.first_failure.unwrap_or(0))?;
        if let Some(h) = &o.handle {
            let preemptions = o.preemptions_as_found(None);
            writeln!(f, "as found ({preemptions}): {h}")?;
        }
        if let Some(m) = &o.minimal {
            writeln!(f, "fewest preemptions ({}): {}", m.preemptions, m.handle)?;
        }
        if let Some(view) = o.shown(false) {
            writeln!(f, "replay it: harness::replay(&model, \"{}\")", view.handle)?;
            if view.verdict != &o.verdict {
                writeln!(f, "which fails with: {}", view.verdict)?;
            }
            write!(f, "trace ({}):\n{}", view.label(), view.trace.render())?;
        }
        Ok(())
    }
}
