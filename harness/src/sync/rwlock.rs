//! A reader-writer lock that is shuttle's, loom's or `std`'s, chosen when it is created.
//!
//! Taking it, for reading or for writing, is a scheduling point. Poisoning is ignored, as for
//! [`super::Mutex`].

use std::ops::{Deref, DerefMut};

use super::unpoison;
use crate::runtime::{self, Runtime};

/// A reader-writer lock (see the module docs).
#[derive(Debug)]
pub struct RwLock<T>(Inner<T>);

#[derive(Debug)]
enum Inner<T> {
    Std(std::sync::RwLock<T>),
    Shuttle(shuttle::sync::RwLock<T>),
    Loom(loom::sync::RwLock<T>),
}

/// Shared access to an [`RwLock`] until dropped.
#[derive(Debug)]
pub enum RwLockReadGuard<'a, T> {
    #[doc(hidden)]
    Std(std::sync::RwLockReadGuard<'a, T>),
    #[doc(hidden)]
    Shuttle(shuttle::sync::RwLockReadGuard<'a, T>),
    #[doc(hidden)]
    Loom(loom::sync::RwLockReadGuard<'a, T>),
}

/// Exclusive access to an [`RwLock`] until dropped.
#[derive(Debug)]
pub enum RwLockWriteGuard<'a, T> {
    #[doc(hidden)]
    Std(std::sync::RwLockWriteGuard<'a, T>),
    #[doc(hidden)]
    Shuttle(shuttle::sync::RwLockWriteGuard<'a, T>),
    #[doc(hidden)]
    Loom(loom::sync::RwLockWriteGuard<'a, T>),
}

impl<T> RwLock<T> {
    /// A new lock around `value`, for the runtime of the current execution.
    pub fn new(value: T) -> Self {
        Self(match runtime::current() {
            Runtime::Std => Inner::Std(std::sync::RwLock::new(value)),
            Runtime::Shuttle => Inner::Shuttle(shuttle::sync::RwLock::new(value)),
            Runtime::Loom => Inner::Loom(loom::sync::RwLock::new(value)),
        })
    }

    /// Blocks until no writer holds the lock, then shares it.
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        runtime::step();
        match &self.0 {
            Inner::Std(l) => RwLockReadGuard::Std(unpoison(l.read())),
            Inner::Shuttle(l) => RwLockReadGuard::Shuttle(unpoison(l.read())),
            Inner::Loom(l) => RwLockReadGuard::Loom(unpoison(l.read())),
        }
    }

    /// Blocks until nobody holds the lock, then takes it alone.
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        runtime::step();
        match &self.0 {
            Inner::Std(l) => RwLockWriteGuard::Std(unpoison(l.write())),
            Inner::Shuttle(l) => RwLockWriteGuard::Shuttle(unpoison(l.write())),
            Inner::Loom(l) => RwLockWriteGuard::Loom(unpoison(l.write())),
        }
    }
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            Self::Std(g) => g,
            Self::Shuttle(g) => g,
            Self::Loom(g) => g,
        }
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            Self::Std(g) => g,
            Self::Shuttle(g) => g,
            Self::Loom(g) => g,
        }
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match self {
            Self::Std(g) => g,
            Self::Shuttle(g) => g,
            Self::Loom(g) => g,
        }
    }
}
