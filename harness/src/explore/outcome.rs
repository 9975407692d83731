//! What an exploration, a replay or an aborted job found: the [`Outcome`], made in one place.
//!
//! Every outcome is built by one of three constructors: [`Outcome::from_run`] for what a run of
//! executions saw (the explorer then adds the failure's trace from a replay), [`Outcome::replayed`]
//! for the replay of one handle, and [`Outcome::aborted`] for a job that ended before it could
//! say more than its verdict (a child process that crashed or ran out of time).

use serde::{Deserialize, Serialize};

use super::{Model, Strategy};
use crate::handle::{Handle, Replay};
use crate::trace::Trace;
use crate::verdict::Verdict;

/// How far a search went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// A sample of the executions (random, PCT, URW, real threads).
    Sampled,
    /// An exhaustive search that covered every execution (within loom's preemption bound).
    Complete,
    /// An exhaustive search stopped by its budget, or by a failure, before it covered everything.
    Incomplete,
}

impl Coverage {
    /// The name reports use: `sampled`, `complete` or `incomplete`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sampled => "sampled",
            Self::Complete => "complete",
            Self::Incomplete => "incomplete",
        }
    }
}

/// What an exploration found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Executions run.
    pub executions: u64,
    /// Whether an exhaustive search covered everything.
    pub coverage: Coverage,
    /// The number (from 1) of the first failing execution.
    pub first_failure: Option<u64>,
    /// How many executions failed (only real threads go on after a failure).
    pub failures: u64,
    /// How many executions reached the model's race window.
    pub reached_window: u64,
    /// The replay handle of the failing execution.
    pub handle: Option<Handle>,
    /// The failing execution's trace, recorded from its replay.
    pub trace: Option<Trace>,
    /// Preemptions in the failing execution as found (`None` under loom, which does not say;
    /// its search bound is an upper bound).
    pub preemptions: Option<u64>,
    /// The same failure with the fewest preemptions there are, when the search for it finished.
    pub minimal: Option<Counterexample>,
}

/// A failing execution with the fewest preemptions: what reports and replays show first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterexample {
    /// Its replay handle.
    pub handle: Handle,
    /// Its preemptions (switches away from a thread that could have gone on).
    pub preemptions: u64,
    /// Its trace.
    pub trace: Trace,
}

/// What one run of executions saw, before a verdict is made of it.
pub(crate) struct Run {
    pub executions: u64,
    pub completed: bool,
    pub reached_window: u64,
    pub failure: Option<(Verdict, Option<Replay>)>,
    pub first_failure: Option<u64>,
    pub failures: u64,
    /// Preemptions in the failing execution, where the runtime lets the harness count them.
    pub preemptions: Option<u64>,
}

impl Outcome {
    /// The outcome of `run`, a run of `model`'s executions under `strategy`: its verdict (a
    /// `holds` that never reached the model's race window is `vacuous`), its counts, its
    /// coverage, and the failing execution's handle. No trace yet: that comes from a replay.
    pub(crate) fn from_run(model: &Model, strategy: &Strategy, run: Run) -> Self {
        let coverage = match (strategy.is_exhaustive(), run.completed) {
            (false, _) => Coverage::Sampled,
            (true, true) => Coverage::Complete,
            (true, false) => Coverage::Incomplete,
        };
        let (verdict, handle) = match run.failure {
            None if model.window().is_some() && run.reached_window == 0 => (Verdict::Vacuous, None),
            None => (Verdict::Holds, None),
            Some((verdict, replay)) => {
                (verdict, replay.map(|replay| Handle { target: model.target().to_owned(), replay }))
            }
        };
        Self {
            verdict,
            executions: run.executions,
            coverage,
            first_failure: run.first_failure,
            failures: run.failures,
            reached_window: run.reached_window,
            handle,
            trace: None,
            preemptions: run.preemptions,
            minimal: None,
        }
    }

    /// The replay of the one execution `handle` names, which ended `verdict`.
    pub fn replayed(handle: Handle, verdict: Verdict, trace: Option<Trace>, preemptions: Option<u64>) -> Self {
        Self {
            failures: u64::from(verdict.is_failure()),
            first_failure: verdict.is_failure().then_some(1),
            verdict,
            executions: 1,
            coverage: Coverage::Sampled,
            reached_window: 0,
            handle: Some(handle),
            trace,
            preemptions,
            minimal: None,
        }
    }

    /// A job that ended before it could say more than `verdict`: a child process that died
    /// without an outcome, or ran out of time. `handle` is the execution it was asked to
    /// replay, if it was a replay.
    pub fn aborted(verdict: Verdict, handle: Option<Handle>) -> Self {
        Self {
            verdict,
            executions: 0,
            coverage: Coverage::Incomplete,
            first_failure: None,
            failures: 0,
            reached_window: 0,
            handle,
            trace: None,
            preemptions: None,
            minimal: None,
        }
    }
}
