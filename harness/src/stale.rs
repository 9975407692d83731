//! Why a replay handle does not reproduce an execution of the model it is replayed on.
//!
//! A handle is a record of decisions (a shuttle schedule) or a position in a deterministic
//! search (a loom execution number). When the model changed since the handle was written, or the
//! handle was edited or belongs to another model, the replay does not match: the schedule runs
//! out before the model finishes, has decisions left over when it has finished, names a thread
//! that cannot run, or the loom search fails earlier or has fewer executions. That is not a
//! finding about the model, and not a bug in it: it is [`crate::Verdict::Stale`], with one of
//! these reasons, so a caller matches on a type, never on a panic's text (`harness/DESIGN.md`,
//! "Error policy").

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::schedule::ScheduleError;

/// Why a replay did not match the model (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Stale {
    /// The handle names another model.
    OtherTarget {
        /// The handle's target.
        handle: String,
        /// The model's.
        model: String,
    },
    /// The schedule cannot be read, or is longer than any execution within the step limit.
    Unreadable {
        /// What is wrong with it.
        error: ScheduleError,
    },
    /// The model finished with recorded decisions not taken.
    LeftOver {
        /// Decisions taken.
        taken: u64,
        /// Decisions left.
        left: u64,
    },
    /// The schedule ran out while the model still had threads to run.
    EndedEarly {
        /// Decisions taken, all there were.
        taken: u64,
    },
    /// A decision names a thread that cannot run at that point.
    NotRunnable {
        /// The decision, from 1.
        at: u64,
        /// The task it names.
        task: usize,
        /// The tasks that could run.
        runnable: Vec<usize>,
    },
    /// A decision is a switch where the model asked for random data, or the other way round.
    WrongKind {
        /// The decision, from 1.
        at: u64,
    },
    /// The loom search has fewer executions than the handle names.
    NoSuchExecution {
        /// The execution the handle names.
        execution: u64,
        /// The executions the search has.
        executions: u64,
    },
    /// An earlier execution of the loom search fails first.
    FailsEarlier {
        /// The execution the handle names.
        execution: u64,
        /// The execution that failed.
        failed: u64,
        /// How it failed.
        verdict: String,
    },
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OtherTarget { handle, model } => write!(f, "the handle is for `{handle}`, not `{model}`"),
            Self::Unreadable { error } => write!(f, "the schedule cannot be replayed: {error}"),
            Self::LeftOver { taken, left } => {
                write!(f, "the model finished after {taken} decisions with {left} left over")
            }
            Self::EndedEarly { taken } => write!(f, "the schedule ended after {taken} decisions, before the model"),
            Self::NotRunnable { at, task, runnable } => {
                write!(f, "decision {at} runs task {task}, which cannot run there (runnable: {runnable:?})")
            }
            Self::WrongKind { at } => {
                write!(f, "decision {at} is of the wrong kind (a switch for a random choice, or the other way round)")
            }
            Self::NoSuchExecution { execution, executions } => {
                write!(f, "the loom search has only {executions} executions, not {execution}")
            }
            Self::FailsEarlier { execution, failed, verdict } => {
                write!(f, "execution {failed} of the loom search fails first ({verdict}), not execution {execution}")
            }
        }
    }
}
