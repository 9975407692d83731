//! What an exploration concluded, and how a failed execution's panic becomes a verdict.
//!
//! The verdicts are distinct on purpose. `violated` is the model's invariant failing (the bug
//! the race is about); `deadlock` is every thread blocked; `step-limit` is an execution that ran
//! past its step limit (a livelock or spin); `model-panic` is any other panic, a bug in the model
//! itself, which must never pass for a finding. `vacuous` is a `holds` whose race window was
//! never reached: it proves nothing. `timeout` is an exploration stopped by its wall-clock limit
//! (a model that spins without a facade operation, so no step limit sees it). `stale` is not
//! about the model at all: a replay handle that does not reproduce an execution of it (see
//! [`crate::stale`]). `harness/DESIGN.md`, "Verdicts", has the table.

use std::any::Any;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::check::Violation;
use crate::runtime::StepLimitExceeded;
use crate::stale::Stale;

/// The conclusion of an exploration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// No explored execution broke an invariant, and the race window was reached.
    Holds,
    /// No explored execution broke an invariant, but none reached the race window either.
    Vacuous,
    /// An invariant did not hold.
    Violated(Violation),
    /// Every unfinished thread was blocked.
    Deadlock {
        /// What the scheduler said about the blocked threads.
        details: String,
    },
    /// An execution ran more steps than allowed.
    StepLimit {
        /// The step count at which it was stopped.
        steps: u64,
    },
    /// The model panicked on its own bug.
    ModelPanic {
        /// The panic message.
        message: String,
    },
    /// The exploration ran past its wall-clock limit and its process was stopped.
    Timeout {
        /// The limit, in seconds.
        seconds: u64,
    },
    /// A replay handle that does not reproduce an execution of the model.
    Stale {
        /// Why.
        reason: Stale,
    },
}

impl Verdict {
    /// The verdict's name, as reports and scenario files spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Holds => "holds",
            Self::Vacuous => "vacuous",
            Self::Violated(_) => "violated",
            Self::Deadlock { .. } => "deadlock",
            Self::StepLimit { .. } => "step-limit",
            Self::ModelPanic { .. } => "model-panic",
            Self::Timeout { .. } => "timeout",
            Self::Stale { .. } => "stale",
        }
    }

    /// Whether an execution failed, or the exploration could not end (anything but `holds`,
    /// `vacuous` and `stale`: a stale handle reproduced no execution at all).
    pub fn is_failure(&self) -> bool {
        !matches!(self, Self::Holds | Self::Vacuous | Self::Stale { .. })
    }

    /// Why the replay did not match the model, if it did not.
    pub fn stale(&self) -> Option<&Stale> {
        match self {
            Self::Stale { reason } => Some(reason),
            _ => None,
        }
    }

    /// Classifies the payload of a failed execution.
    ///
    /// The harness's own payloads ([`Violation`], [`StepLimitExceeded`]) are matched by type.
    /// shuttle reports a deadlock, and its own step bound (a backstop behind ours), as a string
    /// panic; loom's deadlock aborts the process and is caught by [`crate::isolate`].
    pub fn from_panic(payload: &(dyn Any + Send)) -> Self {
        if let Some(v) = payload.downcast_ref::<Violation>() {
            return Self::Violated(v.clone());
        }
        if let Some(StepLimitExceeded(steps)) = payload.downcast_ref() {
            return Self::StepLimit { steps: *steps };
        }
        if let Some(reason) = payload.downcast_ref::<Stale>() {
            return Self::Stale { reason: reason.clone() };
        }
        let message = panic_message(payload);
        if is_deadlock_message(&message) {
            Self::Deadlock { details: message }
        } else if message.starts_with("exceeded max_steps bound") {
            Self::StepLimit { steps: 0 }
        } else {
            Self::ModelPanic { message }
        }
    }
}

/// Whether a scheduler's panic message reports a deadlock (shuttle's, or loom's before it aborts).
pub(crate) fn is_deadlock_message(message: &str) -> bool {
    message.starts_with("deadlock")
}

/// The text of a panic payload, or a placeholder for a payload of another type.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<panic with a non-string payload>".to_owned()
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Holds | Self::Vacuous => f.write_str(self.name()),
            Self::Violated(v) => write!(f, "violated: {} ({})", v.details, v.invariant),
            Self::Deadlock { details } => write!(f, "deadlock: {details}"),
            Self::StepLimit { steps } => write!(f, "step-limit: stopped after {steps} steps"),
            Self::ModelPanic { message } => write!(f, "model-panic: {message}"),
            Self::Timeout { seconds } => write!(f, "timeout: stopped after {seconds} s of wall-clock time"),
            Self::Stale { reason } => write!(f, "stale: {reason}"),
        }
    }
}
