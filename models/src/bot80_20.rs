//! The 80/20 strategy bot of "Critical Threading Fixes for Live Trading": what its races share.
//!
//! Seven races (`reentry`, `initial-trigger`, `stale-cancel`, `trailing-stop`, `auto-exit`,
//! `emergency-stop`, `order-status`) model one bot: a `SymbolState` per symbol behind
//! `_state_lock`, read and written by the WebSocket thread and the polling thread. Each race keeps
//! the fields it touches in its own file; what they all do the same way is here: the `before`
//! variant's unlocked read of one field, and how a field's value reads in a trace.

use std::fmt::Debug;

use harness::sync::Mutex;

/// `before`: one unlocked attribute read. Python reads one attribute atomically (the GIL),
/// nothing more, so the read is one short critical section for that field alone: a thread
/// switch can fall between any two reads, as it could between bytecodes.
pub fn read<S, T: Debug>(state: &Mutex<S>, field: &str, f: impl FnOnce(&S) -> T) -> T {
    let value = f(&state.lock());
    tracing::info!("reads {field} = {value:?}");
    value
}

/// [`read`], with the value as [`Shown`] writes it.
pub fn read_shown<S, T: Shown>(state: &Mutex<S>, field: &str, f: impl FnOnce(&S) -> T) -> T {
    let value = f(&state.lock());
    tracing::info!("reads {field} = {}", value.shown());
    value
}

/// How a field's value reads in a trace: `true`, `#2`, `102.00`, `none`.
pub trait Shown {
    /// The value as a trace shows it.
    fn shown(&self) -> String;
}

impl Shown for bool {
    fn shown(&self) -> String {
        self.to_string()
    }
}

impl<T: std::fmt::Display> Shown for Option<T> {
    fn shown(&self) -> String {
        self.as_ref().map_or_else(|| "none".into(), ToString::to_string)
    }
}
