//! How a model states its invariants and the "sometimes" conditions that show a race window
//! was reached.
//!
//! An invariant violation is a verdict, not a crash: [`violated`] records the invariant and the
//! values that broke it in the trace, then stops the execution with a [`Violation`] payload that
//! the explorer turns into a `violated` verdict. [`reached`] marks that an execution got into the
//! race window (for instance, both actors were between their check and their act at once); a
//! `holds` from an exploration that never reached it is reported as `vacuous`.

use serde::{Deserialize, Serialize};

use crate::trace::EventKind;
use crate::{record, runtime};

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
    let violation = Violation { invariant: invariant.to_owned(), details: details.into() };
    let text = format!("{} ({})", violation.details, violation.invariant);
    record::push_event(runtime::current_actor(), text, EventKind::Violation);
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
    runtime::with_execution(|e| e.reach(label));
}

/// Observes how many actors are inside a stretch of code at once, and marks the race window
/// `label` reached when `need` of them are.
///
/// It is observation only: it is not a scheduling point and never changes what a model does,
/// so it adds no executions to a search and hides no dependency from loom. (It counts with a
/// plain `std` atomic for that reason; model state never belongs there.)
#[derive(Debug)]
pub struct Overlap {
    label: &'static str,
    need: usize,
    inside: std::sync::atomic::AtomicUsize,
}

/// Leaves the stretch of code an [`Overlap`] observes when dropped.
#[derive(Debug)]
pub struct Inside<'a>(&'a Overlap);

impl Overlap {
    /// Observes the window `label`, reached when `need` actors are inside at once.
    pub fn new(label: &'static str, need: usize) -> Self {
        Self { label, need, inside: std::sync::atomic::AtomicUsize::new(0) }
    }

    /// The calling actor enters; it leaves when the returned guard drops.
    pub fn enter(&self) -> Inside<'_> {
        let now = self.inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if now >= self.need {
            reached(self.label);
        }
        Inside(self)
    }
}

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        self.0.inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}
