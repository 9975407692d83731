//! Runs one task's future on its facade thread, doing what each await asks of the loop.
//!
//! The futures of [`super::Cx`] do not block: an await that needs the loop — let it go for an
//! outside call, take it back, sleep, wait for a signal — writes its request into the task's
//! cell and returns `Pending` once; the driver, which holds the loop's guard in its own frame,
//! does it and polls again. So a task's future is polled only by its driver, never parks, and
//! a future that returns `Pending` without a request is waiting for something no scheduler here
//! can complete: a broken model, which panics naming the task.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::shared::{Held, Shared};

/// What an await asks the driver to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) enum Request {
    /// Nothing: the future is waiting for something that is not the executor's.
    #[default]
    None,
    /// Let the loop go (an outside call is about to be made).
    Release,
    /// Take the loop back (the outside call answered).
    Acquire,
    /// Sleep this many milliseconds of virtual time.
    Sleep(u64),
    /// Wait for this signal.
    Wait(usize),
}

/// How a task comes to its first segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Start {
    /// Spawned: counted as ready until it starts.
    Spawned,
    /// The entry point, run on the calling thread (`block_on`).
    Entry,
}

/// Runs `future` to its end as the task `name`; `done` is the signal its end sets.
pub(super) fn drive<F: Future>(
    shared: &Shared,
    cell: &Cell<Request>,
    name: &str,
    start: Start,
    done: Option<usize>,
    future: F,
) -> F::Output {
    let mut held: Option<Held<'_>> = None;
    if shared.exclusive {
        held = Some(shared.lock());
    }
    if start == Start::Spawned {
        shared.with(held.is_some(), |s| s.ready -= 1);
    }
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            if let Some(done) = done {
                let held = held.take().unwrap_or_else(|| shared.lock());
                shared.set(done);
                shared.release(held);
            } else if let Some(held) = held {
                shared.release(held);
            }
            return output;
        }
        match cell.take() {
            Request::None => panic!(
                "task `{name}` awaited a future that is not its executor's (Cx::call, sleep, wait, join): \
                 no scheduler here can complete it"
            ),
            Request::Release => {
                if let Some(held) = held.take() {
                    shared.release(held);
                }
            }
            Request::Acquire => {
                if shared.exclusive {
                    held = Some(shared.lock());
                }
            }
            Request::Sleep(ms) => held = park(shared, held.take(), |h| shared.sleep(h, ms)),
            Request::Wait(id) => held = park(shared, held.take(), |h| shared.wait(h, id)),
        }
    }
}

/// Waits with the loop held (taken for the wait on worker threads, where a segment does not hold
/// it); returns the loop held again on an event loop, and lets it go on worker threads.
fn park<'a>(shared: &'a Shared, held: Option<Held<'a>>, wait: impl FnOnce(Held<'a>) -> Held<'a>) -> Option<Held<'a>> {
    let held = wait(held.unwrap_or_else(|| shared.lock()));
    if shared.exclusive {
        Some(held)
    } else {
        shared.release(held);
        None
    }
}

/// A future that hands `request` to the driver once, then is ready.
pub(super) struct Handover<'a> {
    pub(super) cell: &'a Cell<Request>,
    pub(super) request: Option<Request>,
}

impl Future for Handover<'_> {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        match self.request.take() {
            Some(request) => {
                self.cell.set(request);
                Poll::Pending
            }
            None => Poll::Ready(()),
        }
    }
}
