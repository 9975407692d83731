//! A mutual-exclusion lock that is shuttle's, loom's or `std`'s, chosen when it is created.
//!
//! Locking is a scheduling point under shuttle and loom: the scheduler may run another thread
//! before the lock is taken. Poisoning is ignored: a thread that panicked while holding the lock
//! has already failed the execution, and its verdict is what counts.

use std::ops::{Deref, DerefMut};

use super::unpoison;
use crate::runtime::{self, Runtime};

/// A mutual-exclusion lock (see the module docs).
#[derive(Debug)]
pub struct Mutex<T>(Inner<T>);

#[derive(Debug)]
enum Inner<T> {
    Std(std::sync::Mutex<T>),
    Shuttle(shuttle::sync::Mutex<T>),
    Loom(loom::sync::Mutex<T>),
}

/// Holds a [`Mutex`] locked until dropped.
#[derive(Debug)]
pub struct MutexGuard<'a, T>(pub(crate) GuardInner<'a, T>);

#[derive(Debug)]
pub(crate) enum GuardInner<'a, T> {
    Std(std::sync::MutexGuard<'a, T>),
    Shuttle(shuttle::sync::MutexGuard<'a, T>),
    Loom(loom::sync::MutexGuard<'a, T>),
}

impl<T> Mutex<T> {
    /// A new lock around `value`, for the runtime of the current execution.
    #[inline]
    pub fn new(value: T) -> Self {
        Self(match runtime::current() {
            Runtime::Std => Inner::Std(std::sync::Mutex::new(value)),
            Runtime::Shuttle => Inner::Shuttle(shuttle::sync::Mutex::new(value)),
            Runtime::Loom => Inner::Loom(loom::sync::Mutex::new(value)),
        })
    }

    /// Blocks until the lock is free, then takes it.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        runtime::step();
        MutexGuard(match &self.0 {
            Inner::Std(m) => GuardInner::Std(unpoison(m.lock())),
            Inner::Shuttle(m) => GuardInner::Shuttle(unpoison(m.lock())),
            Inner::Loom(m) => GuardInner::Loom(unpoison(m.lock())),
        })
    }

    /// Takes the lock if it is free now.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        use std::sync::TryLockError::{Poisoned, WouldBlock};
        runtime::step();
        macro_rules! attempt {
            ($m:expr, $variant:ident) => {
                match $m.try_lock() {
                    Ok(g) => Some(GuardInner::$variant(g)),
                    Err(Poisoned(p)) => Some(GuardInner::$variant(p.into_inner())),
                    Err(WouldBlock) => None,
                }
            };
        }
        let guard = match &self.0 {
            Inner::Std(m) => attempt!(m, Std),
            Inner::Shuttle(m) => attempt!(m, Shuttle),
            Inner::Loom(m) => attempt!(m, Loom),
        };
        guard.map(MutexGuard)
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        match &self.0 {
            GuardInner::Std(g) => g,
            GuardInner::Shuttle(g) => g,
            GuardInner::Loom(g) => g,
        }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        match &mut self.0 {
            GuardInner::Std(g) => g,
            GuardInner::Shuttle(g) => g,
            GuardInner::Loom(g) => g,
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}
