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
//! - [`Executor::multi_thread`]: up to `workers` segments at once (tokio's multi-threaded
//!   runtime): with two workers or more, the thread rules apply again.
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
//! Every task is a facade thread ([`crate::sync::thread`]); it holds one of the executor's
//! *slots* while it runs a segment and hands it over only at an await (see `slots.rs`). The
//! slots are facade state, so shuttle (random, PCT, URW, DFS, replay, the minimiser), loom and
//! real threads all run the same model with the same semantics, with no hidden yield. The
//! alternatives fall short: shuttle's own async tasks have no loom counterpart (loom has no
//! executor), so one model would mean two semantics; a harness-owned executor choosing which
//! task to poll would bypass the schedulers (no PCT, no loom reduction) and could not mix tasks
//! with threads or processes of the same world.
//!
//! An await completes when it is polled (the task blocks, as a thread, until its turn), so a
//! task's future never returns `Pending`. A task that awaits anything else — a future of another
//! runtime — is a broken model: it panics, naming the task.
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
//!     let ex = Executor::event_loop();
//!     let tasks: Vec<_> = ["a", "b"].into_iter().map(|name| {
//!         let (exchange, placing) = (Arc::clone(&exchange), Arc::clone(&placing));
//!         ex.spawn(name, move |cx| async move {
//!             if placing.load(Ordering::SeqCst) == 0 {
//!                 placing.store(1, Ordering::SeqCst);
//!                 cx.call(|| exchange.call(|orders| *orders += 1)).await;
//!             }
//!         })
//!     }).collect();
//!     tasks.into_iter().for_each(|t| t.join());
//!     let orders = exchange.call(|orders| *orders);
//!     ensure!(orders == 1, "one order", "{orders} orders");
//! });
//! let outcome = explore(&model, &Exploration::new(Strategy::Loom { preemption_bound: None }, 10_000));
//! assert_eq!(outcome.verdict.name(), "holds");
//! ```
//!
//! [`Service`]: crate::sync::Service

mod slots;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::sync::{thread, Arc};
use slots::Slots;

/// How many segments may run at once (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One event loop: one segment at a time.
    EventLoop,
    /// A multi-threaded runtime with this many worker threads.
    MultiThread {
        /// Worker threads: at most this many segments run at once.
        workers: usize,
    },
}

/// Runs async tasks under one [`Mode`]; cheap to clone (every clone is the same executor).
///
/// Create it inside the model's body, like every piece of shared state.
#[derive(Clone, Debug)]
pub struct Executor {
    slots: Arc<Slots>,
    mode: Mode,
}

impl Executor {
    /// One event loop (asyncio, Node.js, tokio current-thread), created inside the execution.
    pub fn event_loop() -> Self {
        Self::new(Mode::EventLoop)
    }

    /// A multi-threaded runtime with `workers` worker threads (tokio multi-thread).
    ///
    /// # Panics
    /// If `workers` is 0: a runtime needs a worker.
    pub fn multi_thread(workers: usize) -> Self {
        assert!(workers > 0, "a multi-threaded runtime needs at least one worker");
        Self::new(Mode::MultiThread { workers })
    }

    /// An executor in `mode`.
    pub fn new(mode: Mode) -> Self {
        let capacity = match mode {
            Mode::EventLoop => 1,
            Mode::MultiThread { workers } => workers,
        };
        Self { slots: Arc::new(Slots::new(capacity)), mode }
    }

    /// The executor's mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Spawns a task called `name`: `task` is given the task's [`Cx`] and returns its future.
    pub fn spawn<F, Fut>(&self, name: &str, task: F) -> Task<Fut::Output>
    where
        F: FnOnce(Cx) -> Fut + Send + 'static,
        Fut: Future,
        Fut::Output: Send + 'static,
    {
        let cx = Cx { executor: self.clone() };
        let task_name = name.to_owned();
        self.slots.admit();
        Task(thread::spawn(name, move || {
            cx.executor.slots.start();
            let output = run_to_end(&task_name, task(cx.clone()));
            cx.executor.slots.leave();
            output
        }))
    }

    /// Runs `main` as a task on the calling thread and returns its output: the bot's entry point
    /// (`asyncio.run(main())`). Tasks `main` spawns start only when it awaits, as on a real loop;
    /// tasks spawned with [`Executor::spawn`] from a thread start at once.
    pub fn block_on<F, Fut>(&self, main: F) -> Fut::Output
    where
        F: FnOnce(Cx) -> Fut,
        Fut: Future,
    {
        let cx = Cx { executor: self.clone() };
        self.slots.enter();
        let output = run_to_end("main", main(cx));
        self.slots.leave();
        output
    }

    /// A new signal, not set.
    pub fn signal(&self) -> Signal {
        Signal { slots: Arc::clone(&self.slots), id: self.slots.signal() }
    }

    /// The executor's virtual time in milliseconds (0 when it starts).
    pub fn now(&self) -> u64 {
        self.slots.now()
    }
}

/// A spawned task; [`Task::join`] waits for it from a thread, [`Cx::join`] from another task.
#[derive(Debug)]
pub struct Task<T>(thread::JoinHandle<T>);

impl<T> Task<T> {
    /// Waits (as a thread, not as a task) for the task to end; re-raises its panic.
    pub fn join(self) -> T {
        self.0.join()
    }
}

/// What a task awaits with: its executor's calls, timers, signals and tasks.
#[derive(Clone, Debug)]
pub struct Cx {
    executor: Executor,
}

impl Cx {
    /// Awaits a call to an outside system: the segment ends, `call` runs (its [`Service`] calls
    /// are the request reaching the outside system while other tasks run), and the task waits
    /// for its turn to go on with the answer.
    ///
    /// [`Service`]: crate::sync::Service
    pub async fn call<R>(&self, call: impl FnOnce() -> R) -> R {
        self.executor.slots.leave();
        let answer = call();
        self.executor.slots.enter();
        answer
    }

    /// Awaits `ms` milliseconds of the executor's virtual time (`asyncio.sleep`, `setTimeout`).
    /// `sleep(0)` lets every task that is ready run first.
    pub async fn sleep(&self, ms: u64) {
        self.executor.slots.sleep(ms);
    }

    /// Awaits `signal`: returns at once, without ending the segment, if it is set.
    pub async fn wait(&self, signal: &Signal) {
        signal.slots.wait(signal.id);
    }

    /// Awaits the end of `task` and returns its output.
    pub async fn join<T>(&self, task: Task<T>) -> T {
        self.executor.slots.leave();
        let output = task.join();
        self.executor.slots.enter();
        output
    }

    /// Spawns a task on the same executor (`asyncio.create_task`).
    pub fn spawn<F, Fut>(&self, name: &str, task: F) -> Task<Fut::Output>
    where
        F: FnOnce(Cx) -> Fut + Send + 'static,
        Fut: Future,
        Fut::Output: Send + 'static,
    {
        self.executor.spawn(name, task)
    }

    /// The executor's virtual time in milliseconds.
    pub fn now(&self) -> u64 {
        self.executor.now()
    }

    /// The executor this task runs on.
    pub fn executor(&self) -> &Executor {
        &self.executor
    }
}

/// A flag tasks can await (`asyncio.Event`): set once, from a task or a thread.
#[derive(Clone, Debug)]
pub struct Signal {
    slots: Arc<Slots>,
    id: usize,
}

impl Signal {
    /// Sets the signal and wakes every task awaiting it.
    pub fn set(&self) {
        self.slots.set(self.id);
    }

    /// Whether the signal is set.
    pub fn is_set(&self) -> bool {
        self.slots.is_set(self.id)
    }
}

/// Polls a task's future once: every await of an executor completes when polled, so it is
/// ready. A future that is not is waiting for something no scheduler here can run.
fn run_to_end<F: Future>(name: &str, future: F) -> F::Output {
    let mut future = pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!(
            "task `{name}` awaited a future that is not its executor's (Cx::call, sleep, wait, join): \
             no scheduler here can complete it"
        ),
    }
}
