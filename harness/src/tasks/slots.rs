//! The bookkeeping of one executor: who runs a segment, who waits for a turn, the timers and the
//! signals, all behind one facade lock and one condition variable.
//!
//! A task *runs a segment* while it holds one of the executor's slots: one slot for an event
//! loop, one per worker for a multi-threaded runtime. It gives its slot back only at an await,
//! and waits for a free one to go on. The slots are facade state ([`crate::sync::Mutex`] and
//! [`crate::sync::Condvar`]), so shuttle, loom and real threads all see the same blocking: a
//! task that waits for a turn is not runnable, and no scheduler can run it inside another task's
//! segment. Nothing here yields: a turn is handed over by blocking and waking, never by a
//! `yield_now` (which forces a switch under loom and demotes the caller under PCT).
//!
//! Virtual time advances only when nothing runs and nothing waits for a turn (every task is
//! inside an outside call, asleep or waiting for a signal): the earliest timer fires then, its
//! time becomes the executor's `now`, and ties fire in the order the sleeps began. An outside
//! call in flight does not hold time back: the scheduler chooses whether it answers before or
//! after a timer fires, as a slow network lets it happen.

use crate::sync::{Condvar, Mutex, MutexGuard};

/// One executor's turns, clock and signals.
#[derive(Debug)]
pub(super) struct Slots {
    state: Mutex<State>,
    changed: Condvar,
    /// How many tasks may run a segment at once: 1 for an event loop.
    capacity: usize,
}

#[derive(Debug, Default)]
struct State {
    /// Tasks inside a segment.
    running: usize,
    /// Tasks ready to run, waiting for a slot.
    waiting: usize,
    /// Virtual time, in milliseconds.
    now: u64,
    /// Sleeping tasks: (deadline, order the sleep began).
    timers: Vec<(u64, u64)>,
    /// Sleeps begun so far (the tie-break between equal deadlines).
    sleeps: u64,
    /// Whether each signal is set, by index.
    signals: Vec<bool>,
}

impl Slots {
    pub(super) fn new(capacity: usize) -> Self {
        Self { state: Mutex::new(State::default()), changed: Condvar::new(), capacity }
    }

    /// Counts a task being spawned as ready: from its spawn on, it runs before time advances
    /// (as `asyncio.create_task` puts the task in the ready queue). It starts with [`Self::start`].
    pub(super) fn admit(&self) {
        self.state.lock().waiting += 1;
    }

    /// Waits for a free slot and takes it: the first segment of a task [`Self::admit`] counted.
    pub(super) fn start(&self) {
        let s = self.state.lock();
        self.take_turn(s);
    }

    /// Waits for a free slot and takes it: the next segment, after an outside call or a join.
    pub(super) fn enter(&self) {
        let mut s = self.state.lock();
        s.waiting += 1;
        self.take_turn(s);
    }

    /// Waits, counted as ready, until a slot is free, and takes it.
    fn take_turn(&self, mut s: MutexGuard<'_, State>) {
        while s.running >= self.capacity {
            s = self.changed.wait(s);
        }
        s.waiting -= 1;
        s.running += 1;
    }

    /// Gives the slot back: the end of a segment (an await, or the end of the task).
    pub(super) fn leave(&self) {
        let mut s = self.state.lock();
        s.running -= 1;
        self.changed.notify_all();
    }

    /// Ends the segment, sleeps `ms` of virtual time, and starts the next segment.
    pub(super) fn sleep(&self, ms: u64) {
        let mut s = self.state.lock();
        let timer = (s.now.saturating_add(ms), s.sleeps);
        s.sleeps += 1;
        s.timers.push(timer);
        s.running -= 1;
        self.changed.notify_all();
        while !(s.running == 0 && s.waiting == 0 && s.timers.iter().min() == Some(&timer)) {
            s = self.changed.wait(s);
        }
        s.timers.retain(|t| *t != timer);
        s.now = s.now.max(timer.0);
        s.running += 1;
    }

    /// The executor's virtual time, in milliseconds.
    pub(super) fn now(&self) -> u64 {
        self.state.lock().now
    }

    /// A new signal, not set.
    pub(super) fn signal(&self) -> usize {
        let mut s = self.state.lock();
        s.signals.push(false);
        s.signals.len() - 1
    }

    /// Sets signal `id` and wakes every task waiting for it.
    pub(super) fn set(&self, id: usize) {
        let mut s = self.state.lock();
        s.signals[id] = true;
        self.changed.notify_all();
    }

    /// Whether signal `id` is set.
    pub(super) fn is_set(&self, id: usize) -> bool {
        self.state.lock().signals[id]
    }

    /// Ends the segment until signal `id` is set, then waits for a slot. A signal already set
    /// does not end the segment (as `asyncio.Event.wait` returns at once when the event is set).
    pub(super) fn wait(&self, id: usize) {
        let mut s = self.state.lock();
        if s.signals[id] {
            return;
        }
        s.running -= 1;
        self.changed.notify_all();
        while !s.signals[id] {
            s = self.changed.wait(s);
        }
        s.waiting += 1;
        self.take_turn(s);
    }
}
