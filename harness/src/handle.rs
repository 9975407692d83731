//! Replay handles: the text that reproduces one execution, bit for bit, on any machine.
//!
//! A handle names its target (`<scenario>/<variant>`, opaque to the harness) and how to
//! re-create the execution:
//!
//! - `reentry/before/shuttle:<schedule>`: every scheduling decision of the execution, as shuttle
//!   recorded it, written as [`crate::schedule`] describes. Whatever shuttle scheduler found the failure,
//!   it replays under shuttle's `ReplayScheduler`.
//! - `reentry/before/loom:<bound>:<n>`: loom prints no schedule, but its search is deterministic:
//!   the `n`-th execution of a search with preemption bound `<bound>` (`-` for none) is always the
//!   same execution. Replay re-runs the search up to it. loom's own checkpoint file for that
//!   execution can be written from it (see `racecheck replay --loom-checkpoint`).
//!
//! `harness/DESIGN.md`, "Handles", says what makes a replay exact or `stale`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How to re-create one execution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "runtime", rename_all = "kebab-case")]
pub enum Replay {
    /// A shuttle schedule, as shuttle encodes it.
    Shuttle {
        /// The encoded schedule.
        schedule: String,
    },
    /// The `execution`-th execution of a loom search.
    Loom {
        /// The search's preemption bound.
        preemption_bound: Option<usize>,
        /// The execution, counted from 1.
        execution: u64,
    },
}

/// A replay handle: a target and the execution to re-create in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handle {
    /// What to run it on: `<scenario>/<variant>`.
    pub target: String,
    /// The execution.
    pub replay: Replay,
}

/// Why a handle could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandleError(String);

impl fmt::Display for HandleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "malformed replay handle: {}; expected `<scenario>/<variant>/shuttle:<schedule>` or `<scenario>/<variant>/loom:<bound|->:<execution>`",
            self.0
        )
    }
}

impl std::error::Error for HandleError {}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.replay {
            Replay::Shuttle { schedule } => write!(f, "{}/shuttle:{schedule}", self.target),
            Replay::Loom { preemption_bound, execution } => {
                let bound = preemption_bound.map_or_else(|| "-".to_owned(), |b| b.to_string());
                write!(f, "{}/loom:{bound}:{execution}", self.target)
            }
        }
    }
}

impl FromStr for Handle {
    type Err = HandleError;

    fn from_str(s: &str) -> Result<Self, HandleError> {
        let err = |why: &str| HandleError(format!("`{s}`: {why}"));
        let (target, replay) = s.rsplit_once('/').ok_or_else(|| err("no `/` before the runtime"))?;
        if target.split('/').count() != 2 || target.split('/').any(str::is_empty) {
            return Err(err("the target must be `<scenario>/<variant>`"));
        }
        let (runtime, payload) = replay.split_once(':').ok_or_else(|| err("no `:` after the runtime"))?;
        let replay = match runtime {
            "shuttle" => {
                crate::schedule::check(payload).map_err(|why| err(&format!("shuttle schedule: {why}")))?;
                Replay::Shuttle { schedule: payload.to_owned() }
            }
            "loom" => {
                let (bound, execution) =
                    payload.split_once(':').ok_or_else(|| err("loom needs `<bound>:<execution>`"))?;
                let preemption_bound = match bound {
                    "-" => None,
                    b => Some(b.parse().map_err(|_| err("the loom preemption bound is not a number or `-`"))?),
                };
                let execution = execution
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| err("the loom execution is not a number from 1"))?;
                Replay::Loom { preemption_bound, execution }
            }
            other => return Err(err(&format!("unknown runtime `{other}`"))),
        };
        Ok(Handle { target: target.to_owned(), replay })
    }
}
