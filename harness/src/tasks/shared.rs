//! What the tasks of one executor share: the loop itself (a facade lock), and the bookkeeping of
//! ready tasks, timers and signals.
//!
//! On an event loop, a task *holds the loop* (the facade [`Mutex`]) for the whole of a segment
//! and lets it go only at an await: a task ready to go on blocks on the lock, so no scheduler can
//! run it inside another task's segment, and the scheduler alone chooses which ready task runs
//! next. A hand-over costs one scheduling point (the lock; loom's unlock does not branch). Each
//! sleeper and each signal has a condition of its own, so a change wakes only the task it
//! concerns: the timer due, or the signal's waiters (a broadcast would make every sleeper wake
//! and check, each a branch for loom and DFS). Nothing
//! here yields: a turn is handed over by blocking and waking, never by a `yield_now` (which
//! forces a switch under loom and demotes the caller under PCT).
//!
//! The bookkeeping ([`State`]) is plain data touched only while the loop is held — by the task
//! in its segment, or by whoever locks the loop to reach it — so every access is ordered by the
//! facade lock, which every scheduler sees.
//!
//! Virtual time advances only when no task is ready (spawned and not yet started, or woken by a
//! signal and not yet running) and the loop is free: the earliest timer fires then, its deadline
//! becomes `now`, ties in the order the sleeps began. An outside call in flight does not hold
//! time back, and a sleeper gives the loop away once before it fires: whether a call answers
//! before or after a timer is the scheduler's choice, as a slow network makes it.

use crate::sync::{Arc, Condvar, Mutex, MutexGuard};

/// The loop held: the guard of [`Shared::lock`].
pub(super) type Held<'a> = MutexGuard<'a, ()>;

/// A sleeping task's timer.
#[derive(Debug)]
struct Timer {
    /// (deadline, order the sleep began): the order timers fire in.
    at: (u64, u64),
    /// Where the sleeper waits: each sleeper has its own, so only the one due is woken.
    wake: Arc<Condvar>,
}

/// A signal: whether it is set, who waits for it, where they wait.
#[derive(Debug)]
struct Flag {
    set: bool,
    waiting: usize,
    wake: Arc<Condvar>,
}

/// The bookkeeping, touched only while the loop is held.
#[derive(Debug, Default)]
pub(super) struct State {
    /// Tasks ready to run that have not started their next segment.
    pub(super) ready: usize,
    /// Virtual time, in milliseconds.
    pub(super) now: u64,
    /// Sleeping tasks.
    timers: Vec<Timer>,
    /// Sleeps begun so far (the tie-break between equal deadlines).
    sleeps: u64,
    /// The signals, by index.
    signals: Vec<Flag>,
}

impl State {
    /// The timer that fires next, if the loop has nothing ready to run first.
    fn due(&self) -> Option<&Timer> {
        if self.ready > 0 {
            return None;
        }
        self.timers.iter().min_by_key(|t| t.at)
    }

    pub(super) fn new_signal(&mut self) -> usize {
        self.signals.push(Flag { set: false, waiting: 0, wake: Arc::new(Condvar::new()) });
        self.signals.len() - 1
    }

    pub(super) fn is_set(&self, id: usize) -> bool {
        self.signals[id].set
    }
}

/// One executor's loop and bookkeeping.
#[derive(Debug)]
pub(super) struct Shared {
    lock: Mutex<()>,
    state: std::sync::Mutex<State>,
    /// Whether a segment holds the loop (an event loop) or runs beside others (worker threads).
    pub(super) exclusive: bool,
}

impl Shared {
    pub(super) fn new(exclusive: bool) -> Self {
        Self { lock: Mutex::new(()), state: std::sync::Mutex::default(), exclusive }
    }

    /// Takes the loop: blocks while another task's segment holds it.
    pub(super) fn lock(&self) -> Held<'_> {
        self.lock.lock()
    }

    /// The bookkeeping. The caller holds the loop (the guard, or its segment does).
    pub(super) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        crate::runtime::lock(&self.state)
    }

    /// Runs `f` on the bookkeeping: directly when the caller's segment holds the loop, else with
    /// the loop taken for the call.
    pub(super) fn with<R>(&self, holding: bool, f: impl FnOnce(&mut State) -> R) -> R {
        if holding {
            f(&mut self.state())
        } else {
            let _held = self.lock();
            f(&mut self.state())
        }
    }

    /// Lets the loop go, waking the timer that is due if nothing is ready to run first.
    pub(super) fn release(&self, held: Held<'_>) {
        let due = self.state().due().map(|t| Arc::clone(&t.wake));
        if let Some(wake) = due {
            wake.notify_one();
        }
        drop(held);
    }

    /// Sets signal `id` (the loop is held): its waiters become ready, and are woken.
    pub(super) fn set(&self, id: usize) {
        let wake = {
            let mut s = self.state();
            let flag = &mut s.signals[id];
            flag.set = true;
            let woken = std::mem::take(&mut flag.waiting);
            let wake = Arc::clone(&flag.wake);
            s.ready += woken;
            (woken > 0).then_some(wake)
        };
        if let Some(wake) = wake {
            wake.notify_all();
        }
    }

    /// Sleeps `ms` of virtual time; returns with the loop held again.
    pub(super) fn sleep<'a>(&'a self, held: Held<'a>, ms: u64) -> Held<'a> {
        let (at, wake) = {
            let mut s = self.state();
            let at = (s.now.saturating_add(ms), s.sleeps);
            s.sleeps += 1;
            let wake = Arc::new(Condvar::new());
            s.timers.push(Timer { at, wake: Arc::clone(&wake) });
            (at, wake)
        };
        // Give the loop away once: a call in flight may answer before the timer fires.
        self.release(held);
        let mut held = self.lock();
        loop {
            {
                let mut s = self.state();
                if s.due().map(|t| t.at) == Some(at) {
                    s.timers.retain(|t| t.at != at);
                    s.now = s.now.max(at.0);
                    return held;
                }
            }
            held = wake.wait(held);
        }
    }

    /// Waits for signal `id`; returns with the loop held again.
    pub(super) fn wait<'a>(&'a self, held: Held<'a>, id: usize) -> Held<'a> {
        let wake = {
            let mut s = self.state();
            if s.is_set(id) {
                return held;
            }
            s.signals[id].waiting += 1;
            Arc::clone(&s.signals[id].wake)
        };
        // The segment ends here: the timer due, if any, may fire.
        let due = self.state().due().map(|t| Arc::clone(&t.wake));
        if let Some(due) = due {
            due.notify_one();
        }
        let mut held = held;
        while !self.state().is_set(id) {
            held = wake.wait(held);
        }
        self.state().ready -= 1;
        held
    }
}
