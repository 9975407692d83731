//! What an exploration, a replay or an aborted job found: the [`Outcome`], made in one place.
//!
//! Every outcome is built by one of three constructors: [`Outcome::from_run`] for what a run of
//! executions saw (the explorer then adds the failure's trace from a replay), [`Outcome::replayed`]
//! for the replay of one handle, and [`Outcome::aborted`] for a job that ended before it could
//! say more than its verdict (a child process that crashed or ran out of time).

use serde::{Deserialize, Serialize};

use super::{Exploration, Model, Strategy};
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
    /// The settings the explorer ran with — scheduler, seed, depth or bound, budget — as it
    /// configured the scheduler, for reports to print (never the scenario's configuration).
    /// `None` for a job that ended before it ran (see [`Outcome::aborted`]).
    #[serde(default)]
    pub ran: Option<Exploration>,
}

/// The counterexample a report, a replay or a picture shows first, in one view: the one with the
/// fewest preemptions where its search finished, else the failure as found — each with its own
/// verdict, handle, trace and preemptions, so a violation is never shown beside another
/// execution's trace.
#[derive(Clone, Copy, Debug)]
pub struct Shown<'o> {
    /// The verdict this counterexample's own execution ended with.
    pub verdict: &'o Verdict,
    /// Its replay handle.
    pub handle: &'o Handle,
    /// Its trace.
    pub trace: &'o Trace,
    /// Its preemptions (`None`: not counted, under loom).
    pub preemptions: Option<u64>,
    /// Whether it is the fewest-preemptions counterexample (else the failure as found).
    pub fewest: bool,
}

impl Shown<'_> {
    /// "fewest preemptions" or "as found".
    pub fn label(&self) -> &'static str {
        if self.fewest {
            "fewest preemptions"
        } else {
            "as found"
        }
    }
}

/// A failing execution with the fewest preemptions: what reports and replays show first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterexample {
    /// The verdict its own execution ended with: the same kind of failure as the one found,
    /// possibly with other values.
    pub verdict: Verdict,
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
    /// The scheduler as the explorer configured it.
    pub ran: Strategy,
}

impl Outcome {
    /// The outcome of `run`, a run of `model`'s executions under `strategy`: its verdict (a
    /// `holds` that never reached the model's race window is `vacuous`), its counts, its
    /// coverage, and the failing execution's handle. No trace yet: that comes from a replay.
    pub(crate) fn from_run(model: &Model, exploration: &Exploration, run: Run) -> Self {
        let coverage = match (run.ran.is_exhaustive(), run.completed) {
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
            // Counted by the failing execution's replay, under shuttle (see `explore`).
            preemptions: None,
            minimal: None,
            ran: Some(Exploration { strategy: run.ran, ..exploration.clone() }),
        }
    }

    /// The preemptions of the failure as found, in words: `2 preemptions`; under loom, which
    /// does not count them, its bound (`at most 3 preemptions`) or `preemptions not counted`.
    /// `scheduled` is the strategy to read when the outcome does not say what ran (a job that
    /// ended before it ran).
    pub fn preemptions_as_found(&self, scheduled: Option<&super::Strategy>) -> String {
        match (self.preemptions, self.ran.as_ref().map(|r| &r.strategy).or(scheduled)) {
            (Some(p), _) => format!("{p} preemptions"),
            (None, Some(super::Strategy::Loom { preemption_bound: Some(b) })) => format!("at most {b} preemptions"),
            (None, _) => "preemptions not counted".to_owned(),
        }
    }

    /// The counterexample to show: the fewest-preemptions one where its search finished (unless
    /// `as_found`), else the failure as found; `None` when nothing failed or nothing was traced.
    pub fn shown(&self, as_found: bool) -> Option<Shown<'_>> {
        if !self.verdict.is_failure() {
            return None;
        }
        match (&self.minimal, &self.handle, &self.trace) {
            (Some(m), _, _) if !as_found => Some(Shown {
                verdict: &m.verdict,
                handle: &m.handle,
                trace: &m.trace,
                preemptions: Some(m.preemptions),
                fewest: true,
            }),
            (_, Some(handle), Some(trace)) => {
                Some(Shown { verdict: &self.verdict, handle, trace, preemptions: self.preemptions, fewest: false })
            }
            _ => None,
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
            ran: None,
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
            ran: None,
        }
    }
}
