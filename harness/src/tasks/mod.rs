//! Async tasks on an event loop or a multi-threaded runtime: bots written with `async`/`await`.
//!
//! Most trading bots in public trackers run on an event loop (Python's asyncio, Node.js, a
//! current-thread tokio runtime). There the code between two awaits — a *segment* — runs to the
//! end before any other task of the loop runs; only an await on something pending lets another
//! task in. A model that writes such a bot with threads gets a switch at every facade operation,
//! and a fix that checks and sets in one segment reads `violated`: a false alarm. An
//! [`Executor`] runs tasks with the loop's rules instead:
//!
//! - [`Executor::event_loop`]: one segment at a time (asyncio, Node.js, tokio current-thread).
//! - [`Executor::multi_thread`]: segments side by side (tokio's multi-threaded runtime, a worker
//!   for every task): the thread rules apply again.
//!
//! A task is an `async` block, spawned with a name (the actor in traces), given a [`Cx`] whose
//! awaits are the only places another task of the executor may run: [`Cx::call`] (a call to an
//! outside system, in flight while others run), [`Cx::sleep`] (a timer on the executor's virtual
//! clock: `asyncio.sleep`, `setTimeout`), [`Cx::wait`] (a [`Signal`], like `asyncio.Event`) and
//! [`Cx::join`] (another task's end). A synchronous call inside a segment (a [`Service`] called
//! without [`Cx::call`]) is a blocking call on the loop: nothing else of the loop runs meanwhile.
//!
//! # How it is built, and why
//!
//! Every task is a facade thread ([`crate::sync::thread`]). On an event loop it holds the loop —
//! a facade lock — for the whole of a segment and lets it go only at an await; the futures of
//! [`Cx`] ask the task's driver to let it go and take it back (`driver.rs`, `shared.rs`). The loop
//! is facade state, so shuttle (random, PCT, URW, DFS, replay, the minimiser), loom and real
//! threads all run the same model with the same semantics, and no scheduler can run a task
//! inside another's segment. A hand-over is one scheduling point, and nothing yields. The
//! alternatives fall short: shuttle's own async tasks have no loom counterpart (loom has no
//! executor), so one model would mean two semantics; a harness-owned executor choosing which
//! task to poll would bypass the schedulers (no PCT, no loom reduction) and could not mix tasks
//! with the threads or processes of the same world.
//!
//! A task's future is polled only by its driver and never parks. A task that awaits anything
//! other than its [`Cx`] — a future of another runtime — is a broken model: it panics, naming
//! the task.
//!
//! ```
//! use harness::sync::{atomic::{AtomicUsize, Ordering}, Arc, Service};
//! use harness::tasks::Executor;
//! use harness::{ensure, explore, Exploration, Model, Strategy};
//!
//! // Two tasks place an order unless one is placed: check and set in one segment.
//! let model = Model::new("demo/check-and-set", || {
//!     let exchange = Arc::new(Service::named("exchange", 0_u32));
//!     let placing = Arc::new(AtomicUsize::new(0));
//!     let venue = Arc::clone(&exchange);
//!     Executor::event_loop().block_on(|main| async move {
//!         let tasks: Vec<_> = ["a", "b"].into_iter().map(|name| {
//!             let (exchange, placing) = (Arc::clone(&venue), Arc::clone(&placing));
//!             main.spawn(name, move |cx| async move {
//!                 if placing.load(Ordering::SeqCst) == 0 {
//!                     placing.store(1, Ordering::SeqCst);
//!                     cx.call(|| exchange.call(|orders| *orders += 1)).await;
//!                 }
//!             })
//!         }).collect();
//!         for task in tasks {
//!             main.join(task).await;
//!         }
//!     });
//!     let orders = exchange.call(|orders| *orders);
//!     ensure!(orders == 1, "one order", "{orders} orders");
//! });
//! let outcome = explore(&model, &Exploration::new(Strategy::Loom { preemption_bound: None }, 10_000));
//! assert_eq!(outcome.verdict.name(), "holds");
//! ```
//!
//! [`Service`]: crate::sync::Service

mod driver;
mod shared;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use crate::sync::{thread, Arc};
use driver::{drive, Handover, Request, Start};
use shared::Shared;

/// How many segments may run at once (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One event loop: one segment at a time.
    EventLoop,
    /// A multi-threaded runtime with a worker for every task: segments run side by side, and
    /// every facade operation in them is a possible switch, as on threads. Timers fire in
    /// deadline order, but a running segment does not hold time back (a worker may be slow).
    MultiThread,
}

/// Runs async tasks under one [`Mode`]; cheap to clone (every clone is the same executor).
///
/// Create it inside the model's body, like every piece of shared state.
#[derive(Clone, Debug)]
pub struct Executor {
    shared: Arc<Shared>,
    mode: Mode,
}

impl Executor {
    /// One event loop (asyncio, Node.js, tokio current-thread).
    pub fn event_loop() -> Self {
        Self::new(Mode::EventLoop)
    }

    /// A multi-threaded runtime (tokio multi-thread), a worker for every task.
    pub fn multi_thread() -> Self {
        Self::new(Mode::MultiThread)
    }

    /// An executor in `mode`.
    pub fn new(mode: Mode) -> Self {
        Self { shared: Arc::new(Shared::new(mode == Mode::EventLoop)), mode }
    }

    /// The executor's mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Runs `main` as a task on the calling thread and returns its output: the bot's entry point
    /// (`asyncio.run(main())`). Tasks `main` spawns start only when it awaits, as on a real loop.
    pub fn block_on<F, Fut>(&self, main: F) -> Fut::Output
    where
        F: FnOnce(Cx) -> Fut,
        Fut: Future,
    {
        let cx = Cx::new(self.clone());
        let cell = Rc::clone(&cx.cell);
        drive(&self.shared, &cell, "main", Start::Entry, None, main(cx))
    }

    /// Spawns a task called `name` from a thread outside the executor (a task uses
    /// [`Cx::spawn`]): `task` is given the task's [`Cx`] and returns its future.
    pub fn spawn<F, Fut>(&self, name: &str, task: F) -> Task<Fut::Output>
    where
        F: FnOnce(Cx) -> Fut + Send + 'static,
        Fut: Future,
        Fut::Output: Send + 'static,
    {
        self.spawn_from(false, name, task)
    }

    /// Spawns a task; `holding` says whether the caller's segment holds the loop.
    fn spawn_from<F, Fut>(&self, holding: bool, name: &str, task: F) -> Task<Fut::Output>
    where
        F: FnOnce(Cx) -> Fut + Send + 'static,
        Fut: Future,
        Fut::Output: Send + 'static,
    {
        let done = self.shared.with(holding, |s| {
            s.ready += 1;
            s.new_signal()
        });
        let executor = self.clone();
        let task_name = name.to_owned();
        let thread = thread::spawn(name, move || {
            let cx = Cx::new(executor);
            let (shared, cell) = (Arc::clone(&cx.executor.shared), Rc::clone(&cx.cell));
            drive(&shared, &cell, &task_name, Start::Spawned, Some(done), task(cx))
        });
        Task { thread, done: Signal { shared: Arc::clone(&self.shared), id: done } }
    }

    /// A new signal, not set, from a thread outside the executor (a task uses [`Cx::signal`]).
    pub fn signal(&self) -> Signal {
        Signal { shared: Arc::clone(&self.shared), id: self.shared.with(false, |s| s.new_signal()) }
    }
}

/// A spawned task; [`Task::join`] waits for it from a thread, [`Cx::join`] from another task.
#[derive(Debug)]
pub struct Task<T> {
    thread: thread::JoinHandle<T>,
    done: Signal,
}

impl<T> Task<T> {
    /// Waits (as a thread, not as a task) for the task to end; re-raises its panic.
    pub fn join(self) -> T {
        self.thread.join()
    }
}

/// What a task awaits with: its executor's calls, timers, signals and tasks. It belongs to one
/// task (it is neither `Send` nor `Clone`): a task spawned from it gets its own.
#[derive(Debug)]
pub struct Cx {
    executor: Executor,
    cell: Rc<Cell<Request>>,
}

impl Cx {
    fn new(executor: Executor) -> Self {
        Self { executor, cell: Rc::new(Cell::new(Request::None)) }
    }

    /// Whether this task's segment holds the loop (on an event loop it always does).
    fn holding(&self) -> bool {
        self.executor.shared.exclusive
    }

    fn handover(&self, request: Request) -> Handover<'_> {
        Handover { cell: &self.cell, request: Some(request) }
    }

    /// Awaits a call to an outside system: the segment ends, `call` runs (its [`Service`] calls
    /// are the request reaching the outside system while other tasks run), and the task waits
    /// for its turn to go on with the answer.
    ///
    /// [`Service`]: crate::sync::Service
    pub async fn call<R>(&self, call: impl FnOnce() -> R) -> R {
        self.handover(Request::Release).await;
        let answer = call();
        self.handover(Request::Acquire).await;
        answer
    }

    /// Awaits `ms` milliseconds of the executor's virtual time (`asyncio.sleep`, `setTimeout`).
    /// `sleep(0)` lets every task that is ready run first.
    pub async fn sleep(&self, ms: u64) {
        self.handover(Request::Sleep(ms)).await;
    }

    /// Awaits `signal`: returns at once, without ending the segment, if it is set (as
    /// `asyncio.Event.wait` does).
    pub async fn wait(&self, signal: &Signal) {
        if !self.is_set(signal) {
            self.handover(Request::Wait(signal.id)).await;
        }
    }

    /// Sets `signal`, waking every task that awaits it.
    pub fn set(&self, signal: &Signal) {
        if self.holding() {
            self.executor.shared.set(signal.id);
        } else {
            signal.set();
        }
    }

    /// Whether `signal` is set.
    pub fn is_set(&self, signal: &Signal) -> bool {
        self.executor.shared.with(self.holding(), |s| s.is_set(signal.id))
    }

    /// A new signal, not set.
    pub fn signal(&self) -> Signal {
        let id = self.executor.shared.with(self.holding(), |s| s.new_signal());
        Signal { shared: Arc::clone(&self.executor.shared), id }
    }

    /// Awaits the end of `task` and returns its output.
    pub async fn join<T>(&self, task: Task<T>) -> T {
        self.wait(&task.done).await;
        task.thread.join()
    }

    /// Spawns a task on the same executor (`asyncio.create_task`): it starts when this one
    /// awaits, on an event loop.
    pub fn spawn<F, Fut>(&self, name: &str, task: F) -> Task<Fut::Output>
    where
        F: FnOnce(Cx) -> Fut + Send + 'static,
        Fut: Future,
        Fut::Output: Send + 'static,
    {
        self.executor.spawn_from(self.holding(), name, task)
    }

    /// The executor's virtual time in milliseconds (0 when it starts).
    pub fn now(&self) -> u64 {
        self.executor.shared.with(self.holding(), |s| s.now)
    }
}

/// A flag tasks can await (`asyncio.Event`): set once.
#[derive(Clone, Debug)]
pub struct Signal {
    shared: Arc<Shared>,
    id: usize,
}

impl Signal {
    /// Sets the signal from a thread outside the executor (a task uses [`Cx::set`]).
    pub fn set(&self) {
        let held = self.shared.lock();
        self.shared.set(self.id);
        self.shared.release(held);
    }
}
