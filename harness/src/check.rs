//! How a model states its invariants and the "sometimes" conditions that show a race window
//! was reached.
//!
//! An invariant violation is a verdict, not a crash: [`violated`] records the invariant and the
//! values that broke it in the trace, then stops the execution with a [`Violation`] payload that
//! the explorer turns into a `violated` verdict. [`reached`] marks that an execution got into the
//! race window (for instance, both actors were between their check and their act at once); a
//! `holds` from an exploration that never reached it is reported as `vacuous`.

use serde::{Deserialize, Serialize};

use crate::{runtime, trace};

/// An invariant that did not hold, with the values that broke it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The invariant, as the race states it ("at most one live entry order per symbol").
    pub invariant: String,
    /// The values that broke it ("2 live entry orders for ABC: #1, #2").
    pub details: String,
}

/// Stops the execution: `invariant` does not hold, as `details` shows.
pub fn violated(invariant: &str, details: impl Into<String>) -> ! {
    let violation = Violation {
        invariant: invariant.to_owned(),
        details: details.into(),
    };
    trace::push(format!(
        "VIOLATION: {} ({})",
        violation.details, violation.invariant
    ));
    std::panic::panic_any(violation)
}

/// Checks an invariant: when `$cond` is false, the execution stops with a violation of
/// `$invariant` whose details are the formatted rest.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $invariant:expr, $($details:tt)+) => {
        if !$cond {
            $crate::violated($invariant, format!($($details)+));
        }
    };
}

/// Marks that this execution reached the race window called `label`.
pub fn reached(label: &'static str) {
    runtime::with_execution(|e| runtime::lock(&e.reached).insert(label));
}
