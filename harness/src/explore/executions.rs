//! The per-execution wrapper every runtime runs: a fresh [`Execution`] record, then the body.
//!
//! It keeps what the explorer needs after the runtime is done: how many executions reached the
//! model's race window, and the last execution's record (the failing one, when one failed), from
//! which the trace is taken.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::Model;
use crate::runtime::{self, Execution};
use crate::trace::Trace;

/// Shared between the explorer and the closure the runtime calls once per execution.
pub(super) struct Executions {
    body: Arc<dyn Fn() + Send + Sync>,
    window: Option<&'static str>,
    step_limit: u64,
    record_at: Option<u64>,
    count: Arc<AtomicU64>,
    reached: Arc<AtomicU64>,
    last: Arc<Mutex<Option<Arc<Execution>>>>,
}

impl Executions {
    /// Runs of `model`; the `record_at`-th execution (from 1) records its trace.
    pub(super) fn new(model: &Model, step_limit: u64, record_at: Option<u64>) -> Self {
        Self {
            body: model.body(),
            window: model.window(),
            step_limit,
            record_at,
            count: Arc::default(),
            reached: Arc::default(),
            last: Arc::default(),
        }
    }

    /// The closure to run once per execution.
    pub(super) fn each(&self) -> impl Fn() + Send + Sync + 'static {
        let (body, window, step_limit, record_at) =
            (Arc::clone(&self.body), self.window, self.step_limit, self.record_at);
        let (count, reached, last) = (Arc::clone(&self.count), Arc::clone(&self.reached), Arc::clone(&self.last));
        move || {
            let n = count.fetch_add(1, Ordering::Relaxed) + 1;
            let execution = Execution::new(step_limit, record_at == Some(n), window);
            runtime::begin(Arc::clone(&execution));
            *runtime::lock(&last) = Some(Arc::clone(&execution));
            body();
            if execution.reached_window() {
                reached.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The execution counter, for a runtime that checks a budget before each execution.
    pub(super) fn count_handle(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.count)
    }

    /// The count of executions that reached the window, as it goes.
    pub(super) fn reached_handle(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.reached)
    }

    /// How many executions have started.
    pub(super) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// How many executions reached the window, and the last execution's trace. A failed
    /// execution counts as reaching the window if the model marked it before failing.
    pub(super) fn finish(&self, last_failed: bool) -> (u64, Trace) {
        let last = runtime::lock(&self.last).take();
        let mut reached = self.reached.load(Ordering::Relaxed);
        if let (true, Some(e)) = (last_failed, &last) {
            reached += u64::from(e.reached_window());
        }
        (reached, Trace { events: last.map(|e| e.take_events()).unwrap_or_default() })
    }
}
