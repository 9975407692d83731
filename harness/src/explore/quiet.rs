//! Running executions that end by panicking, without a word on stderr for the harness's own ends.
//!
//! An execution stops by panicking with one of the harness's payloads: a violation, the step
//! limit, a stale replay, loom's spent budget. They are how a search learns what happened, and the
//! verdict and its trace say it; they are not news for a terminal. The default panic hook would
//! print each one — and, under `RUST_BACKTRACE`, symbolize a backtrace for each, which cost more
//! than the searches themselves (`racecheck run` over every scenario: 55 s with
//! `RUST_BACKTRACE=1`, 19 s without, nearly all of the difference in the hook). [`catch`] puts a
//! hook in front of the process's own, once, that drops those payloads and passes every other
//! panic on (a model's own bug, a deadlock) as it was.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::check::Violation;
use crate::record::Recorder;
use crate::runtime::StepLimitExceeded;
use crate::stale::Stale;

/// Runs `go`, catching its panic; with `record`, under the trace recorder.
pub(super) fn catch<T>(record: bool, go: impl FnOnce() -> T) -> Result<T, Box<dyn Any + Send>> {
    install();
    if record {
        tracing::subscriber::with_default(Recorder, || panic::catch_unwind(AssertUnwindSafe(go)))
    } else {
        panic::catch_unwind(AssertUnwindSafe(go))
    }
}

/// Installs, once per process, the hook that keeps the harness's own payloads quiet.
pub(super) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let next = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !is_harness_payload(info.payload()) {
                next(info);
            }
        }));
    });
}

/// Whether `payload` is one of the ways the harness ends an execution on purpose.
fn is_harness_payload(payload: &(dyn Any + Send)) -> bool {
    payload.is::<Violation>()
        || payload.is::<StepLimitExceeded>()
        || payload.is::<Stale>()
        || super::loom::is_budget_spent(payload)
}
