//! SimClock: virtual time in milliseconds, advanced only by the actors.
//!
//! Nothing in a model reads the wall clock. Time moves when an actor says it does: a broker
//! that takes 35 s to answer, a worker that waits 100 ms before retrying a lock. The clock is one
//! shared timeline: when two actors wait at once, both waits are added, so time runs, if
//! anything, faster than in the real system; events never change their order because of it.
//!
//! The milliseconds live in a facade atomic, so every read and every advance is a scheduling
//! point that shuttle and loom see. (`harness/DESIGN.md`, section "Traps": a clock kept in a plain
//! `std` atomic hid a lock-expiry bug from loom.)

use harness::sync::atomic::{AtomicU64, Ordering};

/// The virtual clock (see the module docs).
#[derive(Debug)]
pub struct SimClock {
    /// Milliseconds since the start of the simulated world.
    ms: AtomicU64,
}

impl SimClock {
    /// A clock that reads `start_ms`.
    pub fn new(start_ms: u64) -> Self {
        Self { ms: AtomicU64::new(start_ms) }
    }

    /// The current time in milliseconds.
    pub fn now(&self) -> u64 {
        self.ms.load(Ordering::SeqCst)
    }

    /// Lets `ms` milliseconds pass; returns the new time.
    pub fn advance(&self, ms: u64) -> u64 {
        let now = self.ms.fetch_add(ms, Ordering::SeqCst) + ms;
        tracing::info!("clock: +{} -> t={}", secs(ms), secs(now));
        now
    }
}

/// Milliseconds as seconds for traces: `930.000s`.
pub fn secs(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}
