//! Which runtime the current execution runs on, and the bookkeeping the harness keeps for it.
//!
//! The facade in [`crate::sync`] picks its implementation (shuttle, loom or `std`) when an object
//! is created, by reading the runtime selected here. shuttle and loom run every task of an
//! execution on the calling OS thread, so a selection kept in a thread-local would leak into
//! whatever runs next on that thread: [`enter`] scopes it and restores the previous one on drop.
//! Real OS threads get the selection, and the execution's bookkeeping, handed to every thread the
//! facade spawns (`harness/DESIGN.md`, "Traps measured here").
//!
//! The bookkeeping ([`Execution`]) counts facade operations (the harness's own step limit), the
//! "sometimes" conditions a model reports reaching, and, when a trace is wanted, the events of
//! the execution in the order they happened.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use shuttle_engine::runtime::execution::ExecutionState;

use crate::trace::{Event, MAIN};

/// The runtime an execution runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Runtime {
    /// Real OS threads and `std::sync`: no control over the schedule.
    Std,
    /// shuttle's controlled scheduler (random, PCT, URW, DFS, replay).
    Shuttle,
    /// loom's exhaustive explorer.
    Loom,
}

/// A panic payload: the execution ran more facade operations than its step limit.
#[derive(Debug, Clone, Copy)]
pub struct StepLimitExceeded(pub u64);

/// The state of one execution, shared by every thread of it.
#[derive(Debug, Default)]
pub(crate) struct Execution {
    /// The step limit; 0 means none.
    step_limit: u64,
    /// The model's race window (see [`crate::reached`]), if it names one.
    window: Option<&'static str>,
    /// Whether this execution reached the window. A flag, not a list of every label reached:
    /// the window is the one label anything reads, and marking it costs no allocation.
    reached: AtomicBool,
    /// Whether this execution records its events (fixed when it starts).
    record: bool,
    /// The recorded events (empty unless `record`).
    pub(crate) events: Mutex<Vec<Event>>,
    /// The service calls under way, by actor (kept only while recording; see [`crate::record`]).
    /// Every task of a shuttle or loom execution runs on one OS thread, and a call may itself
    /// contain a scheduling point (a service reading the simulated clock), so a call belongs to
    /// an actor, not to an OS thread.
    pub(crate) calls: Mutex<Vec<(String, &'static str)>>,
}

impl Execution {
    pub(crate) fn new(step_limit: u64, record: bool, window: Option<&'static str>) -> Arc<Self> {
        Arc::new(Self { step_limit, record, window, ..Self::default() })
    }

    pub(crate) fn take_events(&self) -> Vec<Event> {
        std::mem::take(&mut *lock(&self.events))
    }

    /// A copy of the events recorded so far.
    pub(crate) fn events(&self) -> Vec<Event> {
        lock(&self.events).clone()
    }

    /// Marks `label` reached; only the window's label is kept.
    pub(crate) fn reach(&self, label: &str) {
        if self.window == Some(label) {
            self.reached.store(true, Ordering::Relaxed);
        }
    }

    /// Whether this execution reached the model's window.
    pub(crate) fn reached_window(&self) -> bool {
        self.reached.load(Ordering::Relaxed)
    }
}

thread_local! {
    static RUNTIME: Cell<Runtime> = const { Cell::new(Runtime::Std) };
    static EXECUTION: RefCell<Option<Arc<Execution>>> = const { RefCell::new(None) };
    /// Facade operations the current execution may still run on this OS thread before it passes
    /// its step limit (`u64::MAX` when it has none): the whole execution under shuttle and loom,
    /// which run every task on one OS thread; one thread under `std`. One counter down to zero,
    /// so that the hot path reads and writes one `Cell`.
    static LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    /// Operations run past the limit so far (each one stops the execution; see [`step`]).
    static OVER: Cell<u64> = const { Cell::new(0) };
    /// Whether the current execution records: a copy kept here so that the hot path reads a
    /// `Cell`, not the shared record.
    static RECORDING: Cell<bool> = const { Cell::new(false) };
}

#[inline]
pub(crate) fn current() -> Runtime {
    RUNTIME.with(Cell::get)
}

/// Restores the previous runtime when dropped.
#[must_use]
pub(crate) struct Scope {
    previous: Runtime,
}

/// Selects `runtime` for objects created on this OS thread until the returned scope drops.
pub(crate) fn enter(runtime: Runtime) -> Scope {
    let previous = RUNTIME.with(|r| r.replace(runtime));
    Scope { previous }
}

impl Drop for Scope {
    fn drop(&mut self) {
        RUNTIME.with(|r| r.set(self.previous));
        EXECUTION.with(|e| e.borrow_mut().take());
        LEFT.with(|l| l.set(u64::MAX));
        RECORDING.with(|r| r.set(false));
    }
}

/// Makes `execution` the current one on this OS thread.
pub(crate) fn begin(execution: Arc<Execution>) {
    let limit = execution.step_limit;
    LEFT.with(|l| l.set(if limit == 0 { u64::MAX } else { limit }));
    OVER.with(|o| o.set(0));
    RECORDING.with(|r| r.set(execution.record));
    EXECUTION.with(|e| *e.borrow_mut() = Some(execution));
}

/// Whether the current execution records its events.
#[inline]
pub(crate) fn recording() -> bool {
    RECORDING.with(Cell::get)
}

/// The current execution, if one is running on this thread.
pub(crate) fn execution() -> Option<Arc<Execution>> {
    EXECUTION.with(|e| e.borrow().clone())
}

pub(crate) fn with_execution<R>(f: impl FnOnce(&Execution) -> R) -> Option<R> {
    EXECUTION.with(|e| e.borrow().as_deref().map(f))
}

/// Counts one facade operation, and stops the execution once it passes its step limit.
///
/// A spin loop that never lets the condition it waits for become true is a livelock: it has to
/// end as a `step-limit` verdict, not as a hung process.
#[inline]
pub(crate) fn step() {
    let left = LEFT.with(Cell::get);
    if left == 0 {
        past_the_limit();
    }
    LEFT.with(|l| l.set(left - 1));
}

/// Stops the execution with the number of the operation that passed its step limit.
#[cold]
#[inline(never)]
fn past_the_limit() -> ! {
    let over = OVER.with(|o| {
        o.set(o.get() + 1);
        o.get()
    });
    let limit = with_execution(|e| e.step_limit).unwrap_or(0);
    std::panic::panic_any(StepLimitExceeded(limit + over))
}

/// The name of the calling thread as an actor: [`MAIN`] for an execution's main thread.
pub(crate) fn current_actor() -> String {
    match current() {
        Runtime::Std => actor_name(std::thread::current().name()),
        // The task's own name, cloned once (`shuttle::thread::current()` clones it into a
        // `Thread` first, and the actor name would be a second copy).
        Runtime::Shuttle => match ExecutionState::with(|s| s.current().name()) {
            Some(name) if is_actor(&name) => name,
            _ => MAIN.to_owned(),
        },
        Runtime::Loom => actor_name(loom::thread::current().name()),
    }
}

/// The actor name for a thread name: [`MAIN`] for an execution's main thread.
pub(crate) fn actor_name(name: Option<&str>) -> String {
    match name {
        Some(n) if is_actor(n) => n.to_owned(),
        _ => MAIN.to_owned(),
    }
}

/// Whether a thread called `name` is one of the model's actors, not an execution's main thread.
fn is_actor(name: &str) -> bool {
    name != "main-thread" && !name.starts_with("racecheck-")
}

/// Hands the calling thread's runtime and execution to a new OS thread (the `std` runtime only).
pub(crate) fn inherit() -> impl FnOnce() {
    let runtime = current();
    let execution = execution();
    move || {
        RUNTIME.with(|r| r.set(runtime));
        if let Some(e) = execution {
            begin(e);
        }
    }
}

/// Locks a bookkeeping mutex, ignoring poison: a model's panic must not hide its verdict.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
