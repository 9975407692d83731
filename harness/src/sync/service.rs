//! The state of a simulated outside system, reached through calls that are scheduling points.
//!
//! In the trading systems we model, a call to the broker, the lock store or the database is a
//! network round trip: the other thread gets to run while it is in flight. A [`Service`] keeps
//! the outside system's state behind its own facade lock, so that every call is a point where
//! the scheduler *may* switch threads, and where loom sees the dependency between two calls to
//! the same service.
//!
//! It is deliberately not a `yield_now`: a yield *forces* a switch in loom and demotes the
//! caller in PCT, and models whose bug needs one thread to make several calls in a row were
//! reported "holds" by both when their calls yielded (see `harness/DESIGN.md`, "Traps measured here").

use super::Mutex;

/// An outside system's state `S`, reached only through [`Service::call`].
#[derive(Debug)]
pub struct Service<S> {
    name: &'static str,
    state: Mutex<S>,
}

impl<S> Service<S> {
    /// A service called `service` in traces, whose state starts as `state`.
    pub fn named(name: &'static str, state: S) -> Self {
        Self { name, state: Mutex::new(state) }
    }

    /// A service called `service` in traces; prefer [`Service::named`].
    pub fn new(state: S) -> Self {
        Self::named("service", state)
    }

    /// One call: a scheduling point, then `f` runs on the service's state, atomically. The
    /// events `f` emits are the service's answers to the calling actor.
    pub fn call<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        let mut state = self.state.lock();
        crate::record::in_service(self.name, || f(&mut state))
    }
}
