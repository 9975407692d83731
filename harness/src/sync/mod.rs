//! The facade a model is written against: one source, every runtime.
//!
//! Each type here wraps shuttle's, loom's or `std`'s implementation, chosen at run time when the
//! object is created, from the runtime of the execution that creates it. A model creates its
//! shared state inside the execution (inside the closure the harness runs), never outside it:
//! state kept outside the facade is invisible to the schedulers, and bugs through it go unseen.
//!
//! - [`Mutex`], [`RwLock`], [`Condvar`] and the atomics in [`atomic`]: as in `std::sync`, without
//!   poisoning (a panic already fails the execution).
//! - [`thread::spawn`] with a name (the actor in traces), [`thread::yield_now`] for spin loops.
//! - [`Service`]: the state of a simulated outside system, each call a scheduling point.
//! - [`Arc`] is `std`'s: reference counts are not where these races live, and shuttle's is the
//!   same type. (loom's own `Arc` adds leak checks only.)

pub mod atomic;
mod condvar;
mod mutex;
mod rwlock;
mod service;
pub mod thread;

pub use condvar::Condvar;
pub use mutex::{Mutex, MutexGuard};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use service::Service;
pub use std::sync::Arc;

/// Takes a lock's guard whether or not the lock is poisoned: a thread that panicked while holding
/// it has already failed the execution, and its verdict is what counts.
pub(crate) fn unpoison<G>(r: Result<G, std::sync::PoisonError<G>>) -> G {
    r.unwrap_or_else(std::sync::PoisonError::into_inner)
}
