//! The explorer: one model, one scheduler, a budget → an [`Outcome`].
//!
//! [`explore`] runs a [`Model`] under the chosen [`Strategy`] until an execution fails or the
//! budget is spent. When one fails, it keeps the failing execution's replay handle, then replays
//! that execution once more with a trace recorder on: the trace in the outcome comes from a
//! replay, so every reported trace has been reproduced at least once.
//!
//! In-process exploration under loom aborts the process on a deadlock (loom's behaviour); run
//! loom through [`crate::isolate`] wherever a model might deadlock.

mod bounded;
mod executions;
mod loom;
mod outcome;
mod quiet;
mod replaying;
mod shuttle;
mod threads;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use loom::CheckpointError;
pub(crate) use loom::Progress as LoomProgress;
pub(crate) use outcome::Run;
pub use outcome::{Counterexample, Coverage, Outcome, Shown};

use crate::handle::{Handle, Replay};
use crate::stale::Stale;
use crate::trace::Trace;
use crate::verdict::Verdict;

/// One model: the body of an execution, run once per explored schedule.
///
/// The body builds the world, spawns the actors, joins them and checks the invariants. It must
/// create all its shared state itself, through [`crate::sync`].
#[derive(Clone)]
pub struct Model {
    target: String,
    window: Option<&'static str>,
    body: Arc<dyn Fn() + Send + Sync>,
}

impl Model {
    /// A model called `target` (`<scenario>/<variant>`, used in replay handles).
    pub fn new(target: impl Into<String>, body: impl Fn() + Send + Sync + 'static) -> Self {
        Self { target: target.into(), window: None, body: Arc::new(body) }
    }

    /// Names the race window (see [`crate::reached`]): a `holds` that never reached it is
    /// reported `vacuous`.
    #[must_use]
    pub fn with_window(mut self, label: &'static str) -> Self {
        self.window = Some(label);
        self
    }

    /// The model's target name.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The race window's label, if the model names one.
    pub fn window(&self) -> Option<&'static str> {
        self.window
    }

    pub(crate) fn body(&self) -> Arc<dyn Fn() + Send + Sync> {
        Arc::clone(&self.body)
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model").field("target", &self.target).field("window", &self.window).finish()
    }
}

/// Which scheduler explores the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheduler", rename_all = "kebab-case")]
pub enum Strategy {
    /// shuttle's uniformly random scheduler, from a seed.
    Random {
        /// The seed.
        seed: u64,
    },
    /// shuttle's PCT (probabilistic concurrency testing) with bug depth `depth`, from a seed.
    Pct {
        /// The seed.
        seed: u64,
        /// The bug depth d: how many ordering constraints the bug needs.
        depth: usize,
    },
    /// shuttle's uniform random walk over executions, from a seed.
    Urw {
        /// The seed.
        seed: u64,
    },
    /// shuttle's exhaustive depth-first search, without reduction: tiny models only.
    Dfs,
    /// loom's exhaustive search with partial-order reduction.
    Loom {
        /// At most this many preemptions per execution (`None`: unbounded).
        preemption_bound: Option<usize>,
    },
    /// Real OS threads: no control, no replay; the baseline that shows how rarely a bug shows.
    Threads,
}

impl Strategy {
    /// The scheduler's name: `random`, `pct`, `urw`, `dfs`, `loom` or `threads`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Random { .. } => "random",
            Self::Pct { .. } => "pct",
            Self::Urw { .. } => "urw",
            Self::Dfs => "dfs",
            Self::Loom { .. } => "loom",
            Self::Threads => "threads",
        }
    }

    /// Whether the search is exhaustive (so "completed" means something).
    pub fn is_exhaustive(&self) -> bool {
        matches!(self, Self::Dfs | Self::Loom { .. })
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Random { seed } | Self::Urw { seed } => write!(f, "{}(seed={seed})", self.name()),
            Self::Pct { seed, depth } => write!(f, "pct(depth={depth}, seed={seed})"),
            Self::Loom { preemption_bound: Some(b) } => write!(f, "loom(preemptions<={b})"),
            Self::Loom { preemption_bound: None } => write!(f, "loom(unbounded)"),
            Self::Dfs | Self::Threads => f.write_str(self.name()),
        }
    }
}

/// The default step limit: far above what any of the models needs, far below a hang.
pub const DEFAULT_STEP_LIMIT: u64 = 20_000;

/// The default wall-clock limit of one exploration, in seconds: far above what any scenario
/// takes (the whole gate runs in about a minute), far below a run nobody waits for.
pub const DEFAULT_TIMEOUT_SECS: u64 = 600;

fn default_timeout_secs() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

/// A scheduler and how much it may explore.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exploration {
    /// The scheduler.
    pub strategy: Strategy,
    /// At most this many executions.
    pub budget: u64,
    /// At most this many facade operations per execution; beyond, the verdict is `step-limit`.
    pub step_limit: u64,
    /// At most this many seconds of wall-clock time for the whole exploration; beyond, the
    /// verdict is `timeout`. Only [`crate::isolate::run_in_child`] enforces it (it stops the
    /// child process): an exploration in this process cannot be stopped from outside. Defaults
    /// to [`DEFAULT_TIMEOUT_SECS`], also when a serialized exploration leaves it out.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// At most this many executions for the search of the fewest-preemptions counterexample
    /// after a failure (default [`MINIMIZE_BUDGET`]); when it runs out, the report says so and
    /// shows the failure as found.
    #[serde(default = "default_minimize_budget")]
    pub minimize_budget: u64,
}

fn default_minimize_budget() -> u64 {
    MINIMIZE_BUDGET
}

impl Exploration {
    /// `strategy` for at most `budget` executions, with the default step limit and timeout.
    pub fn new(strategy: Strategy, budget: u64) -> Self {
        Self {
            strategy,
            budget,
            step_limit: DEFAULT_STEP_LIMIT,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            minimize_budget: MINIMIZE_BUDGET,
        }
    }

    /// The same, with at most `seconds` of wall-clock time (see [`Exploration::timeout_secs`]).
    #[must_use]
    pub fn with_timeout_secs(mut self, seconds: u64) -> Self {
        self.timeout_secs = seconds;
        self
    }

    /// The same, with at most `step_limit` facade operations per execution.
    #[must_use]
    pub fn with_step_limit(mut self, step_limit: u64) -> Self {
        self.step_limit = step_limit;
        self
    }
}

/// At most this many executions go into the search for a minimal counterexample.
pub const MINIMIZE_BUDGET: u64 = 50_000;

/// Preemptions tried when the first failure came from a search without a bound.
const UNBOUNDED_MINIMIZE: usize = 3;

/// Searches, with iterative preemption bounding under shuttle, the failure `verdict` of `model`
/// with the fewest preemptions, up to `max_bound`, and replays it for its trace.
pub fn minimize(model: &Model, verdict: &Verdict, max_bound: u64, step_limit: u64) -> Option<Counterexample> {
    minimize_within(model, verdict, max_bound, &Exploration::new(Strategy::Dfs, 1).with_step_limit(step_limit))
}

/// [`minimize`] within the step limit and the minimiser's budget of `exploration`.
fn minimize_within(
    model: &Model,
    verdict: &Verdict,
    max_bound: u64,
    exploration: &Exploration,
) -> Option<Counterexample> {
    let max_bound = usize::try_from(max_bound).unwrap_or(usize::MAX);
    let search = Exploration::new(Strategy::Dfs, exploration.minimize_budget).with_step_limit(exploration.step_limit);
    let (schedule, preemptions) = shuttle::minimize(model, verdict, max_bound, &search)?;
    let handle = Handle { target: model.target.clone(), replay: Replay::Shuttle { schedule } };
    let (replayed, trace) = replay_traced(model, &handle, exploration.step_limit);
    (replayed.name() == verdict.name()).then_some(Counterexample { verdict: replayed, handle, preemptions, trace })
}

/// Explores `model` as `exploration` says, and replays a failure to trace it.
pub fn explore(model: &Model, exploration: &Exploration) -> Outcome {
    let run = match &exploration.strategy {
        Strategy::Threads => threads::run(model, exploration),
        Strategy::Loom { .. } => loom::run(model, exploration),
        _ => shuttle::run(model, exploration),
    };
    let mut outcome = Outcome::from_run(model, exploration, run);
    let Some(handle) = outcome.handle.clone() else {
        return outcome;
    };
    // The replay gives the trace and, under shuttle, the preemptions (exploration does not
    // count them; the replay is the same execution).
    let (replayed, trace, counted) = replay_counted(model, &handle, exploration.step_limit);
    outcome.preemptions = counted;
    if replayed != outcome.verdict {
        outcome.verdict = Verdict::ModelPanic {
            message: format!(
                "the replay of the failing execution ended `{replayed}`, not `{}`: the model is not deterministic",
                outcome.verdict
            ),
        };
    }
    outcome.trace = Some(trace);
    if outcome.verdict.is_failure() {
        let max_bound = minimize_bound(&handle.replay, outcome.preemptions);
        outcome.minimal = minimize_within(model, &outcome.verdict, max_bound, exploration);
    }
    outcome
}

/// The preemptions of every execution of `model` that fails as `verdict` does, by an exhaustive
/// search independent of [`minimize`]'s (shuttle's DFS, no reduction: tiny models only); `None`
/// when `budget` executions do not cover them all. For checking [`minimize`]'s claim.
#[doc(hidden)]
pub fn failing_preemptions(model: &Model, verdict: &Verdict, budget: u64) -> Option<Vec<u64>> {
    shuttle::failing_preemptions(model, verdict, &Exploration::new(Strategy::Dfs, budget))
}

/// Replays the execution `handle` names, with the trace recorder on.
pub fn replay_traced(model: &Model, handle: &Handle, step_limit: u64) -> (Verdict, Trace) {
    let (verdict, trace, _) = replay_counted(model, handle, step_limit);
    (verdict, trace)
}

/// Replays the execution `handle` names, with its trace and, under shuttle, its preemptions.
///
/// A handle that does not reproduce an execution of `model` (another model's, or one the model
/// has changed under) gives [`Verdict::Stale`] with the reason, never a panic.
pub fn replay_counted(model: &Model, handle: &Handle, step_limit: u64) -> (Verdict, Trace, Option<u64>) {
    if handle.target != model.target() {
        let reason = Stale::OtherTarget { handle: handle.target.clone(), model: model.target().to_owned() };
        return (Verdict::Stale { reason }, Trace::default(), None);
    }
    match &handle.replay {
        Replay::Shuttle { schedule } => {
            let (verdict, trace, preemptions) = shuttle::replay(model, schedule, step_limit);
            (verdict, trace, Some(preemptions))
        }
        Replay::Loom { preemption_bound, execution } => {
            let (verdict, trace) = loom::replay(model, *preemption_bound, *execution, step_limit);
            (verdict, trace, None)
        }
    }
}

/// The largest preemption bound worth searching below a failure found with `preemptions`
/// (counted) under `replay`.
pub fn minimize_bound(replay: &Replay, preemptions: Option<u64>) -> u64 {
    match (replay, preemptions) {
        (_, Some(p)) => p,
        (Replay::Loom { preemption_bound: Some(b), .. }, None) => *b as u64,
        _ => UNBOUNDED_MINIMIZE as u64,
    }
}

/// Where the loom search on this thread is, for the deadlock report in [`crate::isolate`].
pub(crate) fn loom_progress() -> Option<LoomProgress> {
    loom::progress()
}

/// The most threads a loom execution may have, its main thread included.
pub const LOOM_MAX_THREADS: usize = loom::MAX_THREADS;

/// Writes loom's checkpoint file for a loom handle's execution to `path`, and checks that a loom
/// search started from it fails at once with the same verdict (see [`crate::handle`]).
pub fn write_loom_checkpoint(
    model: &Model,
    handle: &Handle,
    step_limit: u64,
    path: &std::path::Path,
) -> Result<Verdict, CheckpointError> {
    match handle.replay {
        Replay::Loom { preemption_bound, execution } => {
            loom::write_checkpoint(model, preemption_bound, execution, step_limit, path)
        }
        Replay::Shuttle { .. } => Err(CheckpointError::NotLoom),
    }
}
