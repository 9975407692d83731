//! Atomics that are shuttle's, loom's or `std`'s, chosen when they are created.
//!
//! shuttle treats every ordering as `SeqCst`; loom models the weaker ones. Every access is a
//! scheduling point. Shared counters in a model, the simulated clock included, belong here and
//! not in a plain `std` atomic: loom cannot see a dependency through state it does not track.

pub use std::sync::atomic::Ordering;

use crate::runtime::{self, Runtime};

/// Counts the operation, then runs `$e` on whichever implementation `$self` wraps.
macro_rules! dispatch {
    ($self:ident, $a:ident => $e:expr) => {{
        runtime::step();
        match &$self.0 {
            Inner::Std($a) => $e,
            Inner::Shuttle($a) => $e,
            Inner::Loom($a) => $e,
        }
    }};
}

macro_rules! atomic {
    ($(#[$doc:meta])* $name:ident, $t:ty, { $($int:tt)* }) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(Inner);

        #[derive(Debug)]
        enum Inner {
            Std(std::sync::atomic::$name),
            Shuttle(shuttle::sync::atomic::$name),
            Loom(loom::sync::atomic::$name),
        }

        impl $name {
            /// A new atomic holding `value`, for the runtime of the current execution.
            pub fn new(value: $t) -> Self {
                Self(match runtime::current() {
                    Runtime::Std => Inner::Std(std::sync::atomic::$name::new(value)),
                    Runtime::Shuttle => Inner::Shuttle(shuttle::sync::atomic::$name::new(value)),
                    Runtime::Loom => Inner::Loom(loom::sync::atomic::$name::new(value)),
                })
            }
            /// Reads the value.
            pub fn load(&self, order: Ordering) -> $t {
                dispatch!(self, a => a.load(order))
            }
            /// Writes the value.
            pub fn store(&self, value: $t, order: Ordering) {
                dispatch!(self, a => a.store(value, order))
            }
            /// Writes the value and returns the previous one.
            pub fn swap(&self, value: $t, order: Ordering) -> $t {
                dispatch!(self, a => a.swap(value, order))
            }
            /// Writes `new` if the value is `current`; returns the previous value either way.
            pub fn compare_exchange(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                dispatch!(self, a => a.compare_exchange(current, new, success, failure))
            }
            $($int)*
        }
    };
}

macro_rules! integer_ops {
    ($t:ty) => {
        /// Adds to the value and returns the previous one.
        pub fn fetch_add(&self, value: $t, order: Ordering) -> $t {
            dispatch!(self, a => a.fetch_add(value, order))
        }
        /// Subtracts from the value and returns the previous one.
        pub fn fetch_sub(&self, value: $t, order: Ordering) -> $t {
            dispatch!(self, a => a.fetch_sub(value, order))
        }
    };
}

mod bool_ {
    use super::*;
    atomic!(
        /// A boolean shared between threads.
        AtomicBool, bool, {}
    );
}
mod usize_ {
    use super::*;
    atomic!(
        /// A `usize` shared between threads.
        AtomicUsize, usize, { integer_ops!(usize); }
    );
}
mod u64_ {
    use super::*;
    atomic!(
        /// A `u64` shared between threads.
        AtomicU64, u64, { integer_ops!(u64); }
    );
}
mod i64_ {
    use super::*;
    atomic!(
        /// An `i64` shared between threads.
        AtomicI64, i64, { integer_ops!(i64); }
    );
}

pub use bool_::AtomicBool;
pub use i64_::AtomicI64;
pub use u64_::AtomicU64;
pub use usize_::AtomicUsize;
