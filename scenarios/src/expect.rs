//! What a scenario expects, and what a set of explorations concluded, in one type.
//!
//! An exploration ends with a [`harness::Verdict`]; a scenario's variant is judged over several
//! (its portfolio), and an exhaustive search that completed says more than a sampled one. The
//! [`Expected`] verdict is that summary: the first failure found, else `holds` when an exhaustive
//! search covered everything, else `holds-sampled` (evidence, not proof), else `vacuous`. Scenario
//! files spell it, reports print it and the gate compares it — one type, parsed in one place.

use std::fmt;

use harness::{Coverage, Outcome, Verdict};

/// The verdict of a variant over a set of explorations, as scenario files spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Expected {
    /// Nothing failed, and an exhaustive search covered every execution.
    Holds,
    /// Nothing failed, but only sampled or incomplete searches ran: evidence, not proof.
    HoldsSampled,
    /// Nothing failed, and no execution reached the race window: it proves nothing.
    Vacuous,
    /// An invariant broke.
    Violated,
    /// Every unfinished thread was blocked.
    Deadlock,
    /// An execution ran past its step limit.
    StepLimit,
    /// An exploration ran past its wall-clock limit.
    Timeout,
    /// The model itself is broken.
    ModelPanic,
}

impl Expected {
    /// Every verdict, in the order errors list them.
    pub const ALL: [Self; 8] = [
        Self::Holds,
        Self::HoldsSampled,
        Self::Vacuous,
        Self::Violated,
        Self::Deadlock,
        Self::StepLimit,
        Self::Timeout,
        Self::ModelPanic,
    ];

    /// The name scenario files and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Holds => "holds",
            Self::HoldsSampled => "holds-sampled",
            Self::Vacuous => "vacuous",
            Self::Violated => "violated",
            Self::Deadlock => "deadlock",
            Self::StepLimit => "step-limit",
            Self::Timeout => "timeout",
            Self::ModelPanic => "model-panic",
        }
    }

    /// The verdict called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The names of every verdict, for an error's "expected one of".
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }

    /// Whether the verdict is a failure (a finding, or a broken model).
    pub fn is_failure(self) -> bool {
        !matches!(self, Self::Holds | Self::HoldsSampled | Self::Vacuous)
    }

    /// The failure an exploration's verdict names, if it is one.
    fn failure(verdict: &Verdict) -> Option<Self> {
        Some(match verdict {
            Verdict::Holds | Verdict::Vacuous => return None,
            Verdict::Violated(_) => Self::Violated,
            Verdict::Deadlock { .. } => Self::Deadlock,
            Verdict::StepLimit { .. } => Self::StepLimit,
            Verdict::Timeout { .. } => Self::Timeout,
            // An exploration never replays a handle, so a stale verdict there is a broken model
            // or harness, never a finding.
            Verdict::ModelPanic { .. } | Verdict::Stale { .. } => Self::ModelPanic,
        })
    }

    /// The verdict of a set of explorations: the first failure; else `holds` when one that held
    /// was an exhaustive search that completed; else `holds-sampled` when any held; else
    /// `vacuous`. `None` for an empty set: nothing was checked.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Option<Self> {
        let mut seen = None;
        for o in outcomes {
            if let Some(failure) = Self::failure(&o.verdict) {
                return Some(failure);
            }
            let this = match (&o.verdict, o.coverage) {
                (Verdict::Holds, Coverage::Complete) => Self::Holds,
                (Verdict::Holds, _) => Self::HoldsSampled,
                _ => Self::Vacuous,
            };
            seen = Some(seen.map_or(this, |s: Self| s.min(this)));
        }
        seen
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
