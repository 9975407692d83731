//! Named threads, spawned on the runtime of the current execution.
//!
//! Every thread has a name: it is the actor's name in a trace ("tick", "poll", "worker-2"). A
//! [`JoinHandle::join`] returns the thread's result or re-raises its panic with the payload
//! intact, so an invariant violation found in a spawned thread reaches the verdict unchanged
//! under every runtime (shuttle and loom fail the execution on it anyway; real threads need it).

use crate::runtime::{self, Runtime};

pub use crate::trace::MAIN;

/// Owns a spawned thread; [`JoinHandle::join`] waits for it.
#[derive(Debug)]
pub struct JoinHandle<T>(Inner<T>);

#[derive(Debug)]
enum Inner<T> {
    Std(std::thread::JoinHandle<T>),
    Shuttle(shuttle::thread::JoinHandle<T>),
    Loom(loom::thread::JoinHandle<T>),
}

/// Spawns a thread called `name` running `f`.
pub fn spawn<F, T>(name: &str, f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    runtime::step();
    let name = name.to_owned();
    let spawned = match runtime::current() {
        Runtime::Std => {
            let inherit = runtime::inherit();
            std::thread::Builder::new()
                .name(name)
                .spawn(move || {
                    inherit();
                    f()
                })
                .map(Inner::Std)
        }
        Runtime::Shuttle => shuttle::thread::Builder::new().name(name).spawn(f).map(Inner::Shuttle),
        Runtime::Loom => loom::thread::Builder::new().name(name).spawn(f).map(Inner::Loom),
    };
    JoinHandle(spawned.unwrap_or_else(|e| panic!("cannot spawn a thread: {e}")))
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish and returns its result; re-raises its panic.
    pub fn join(self) -> T {
        runtime::step();
        let joined = match self.0 {
            Inner::Std(h) => h.join(),
            Inner::Shuttle(h) => h.join(),
            Inner::Loom(h) => h.join(),
        };
        joined.unwrap_or_else(|payload| std::panic::resume_unwind(payload))
    }
}

/// Offers the scheduler a switch to another thread.
///
/// Use it in spin loops only. A yield is not a neutral scheduling point: loom will not run a
/// yielding thread while another can run, and shuttle's PCT drops a yielding task to the lowest
/// priority. For the place where a real system makes a network call, use
/// [`super::Service::call`].
pub fn yield_now() {
    runtime::step();
    match runtime::current() {
        Runtime::Std => std::thread::yield_now(),
        Runtime::Shuttle => shuttle::thread::yield_now(),
        Runtime::Loom => loom::thread::yield_now(),
    }
}

/// The name of the calling thread, [`MAIN`] for an execution's main thread.
pub fn current_name() -> String {
    runtime::current_actor()
}
