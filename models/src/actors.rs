//! Starting an actor: a named thread of the facade, working on the execution's shared state.
//!
//! Every race starts its actors the same way — give the thread its own handle to what the
//! actors share, then spawn it under the name the trace shows — and waits for a group of them the
//! same way, so that is written once, here.

use harness::sync::{thread, Arc};

/// Spawns the actor `name`, which runs `body` on its own handle to `shared` (dropped when `body`
/// returns).
pub fn spawn<S, T>(name: &str, shared: &Arc<S>, body: impl FnOnce(&S) -> T + Send + 'static) -> thread::JoinHandle<T>
where
    S: Send + Sync + 'static,
    T: Send + 'static,
{
    let shared = Arc::clone(shared);
    thread::spawn(name, move || body(&shared))
}

/// Waits for every actor in `actors`, in order (the order is part of the schedule: each join is a
/// scheduling point).
pub fn join_all<T>(actors: impl IntoIterator<Item = thread::JoinHandle<T>>) {
    for actor in actors {
        actor.join();
    }
}
