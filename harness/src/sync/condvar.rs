//! A condition variable paired with the facade's [`Mutex`], for the runtime it was created in.
//!
//! There is no timed wait: the models have no wall clock, and a timeout in a write-up is modelled
//! on the simulated clock instead. Spurious wake-ups are allowed, so wait in a loop.

use super::mutex::{GuardInner, MutexGuard};
use super::unpoison;
use crate::runtime::{self, Runtime};

/// A condition variable (see the module docs).
#[derive(Debug)]
pub struct Condvar(Inner);

#[derive(Debug)]
enum Inner {
    Std(std::sync::Condvar),
    Shuttle(shuttle::sync::Condvar),
    Loom(loom::sync::Condvar),
}

impl Condvar {
    /// A new condition variable, for the runtime of the current execution.
    pub fn new() -> Self {
        Self(match runtime::current() {
            Runtime::Std => Inner::Std(std::sync::Condvar::new()),
            Runtime::Shuttle => Inner::Shuttle(shuttle::sync::Condvar::new()),
            Runtime::Loom => Inner::Loom(loom::sync::Condvar::new()),
        })
    }

    /// Releases `guard`'s lock, waits for a notification, and takes the lock again.
    ///
    /// # Panics
    /// When the guard comes from a lock of another runtime than this condition variable's: a
    /// model that mixes objects made under different runtimes is itself broken.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        runtime::step();
        MutexGuard(match (&self.0, guard.0) {
            (Inner::Std(c), GuardInner::Std(g)) => GuardInner::Std(unpoison(c.wait(g))),
            (Inner::Shuttle(c), GuardInner::Shuttle(g)) => GuardInner::Shuttle(unpoison(c.wait(g))),
            (Inner::Loom(c), GuardInner::Loom(g)) => GuardInner::Loom(unpoison(c.wait(g))),
            _ => panic!("Condvar::wait: the guard and the condition variable belong to different runtimes"),
        })
    }

    /// Wakes one waiting thread, if any.
    pub fn notify_one(&self) {
        runtime::step();
        match &self.0 {
            Inner::Std(c) => c.notify_one(),
            Inner::Shuttle(c) => c.notify_one(),
            Inner::Loom(c) => c.notify_one(),
        }
    }

    /// Wakes every waiting thread.
    pub fn notify_all(&self) {
        runtime::step();
        match &self.0 {
            Inner::Std(c) => c.notify_all(),
            Inner::Shuttle(c) => c.notify_all(),
            Inner::Loom(c) => c.notify_all(),
        }
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Self::new()
    }
}
