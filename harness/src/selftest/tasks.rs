//! The executor's own models, `selftest-tasks`: they pin what an event loop and a multi-threaded
//! runtime mean, under every scheduler.
//!
//! Two tasks each place one order unless one is placed (a flag in the bot's memory), after
//! awaiting a quote. What lies between the check and the set decides the verdict:
//! - nothing (one segment): `holds` on an event loop, `violated` on worker threads;
//! - an await (a call to the exchange): `violated` on both, the other task runs in the await;
//! - a blocking call (a [`Service`] called without awaiting it): `holds` on an event loop,
//!   which a blocking call stalls rather than yields.
//!
//! And three more: timers fire in the order of their deadlines on the virtual clock
//! (`timers`: holds), a task awaiting a signal no one sets leaves the loop stuck (`deadlock`),
//! and a task awaiting a future of another runtime is a broken model (`model-panic`).

use crate::race::{Race, RaceError, RaceInfo, Variants};
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Arc, Mutex, Service};
use crate::tasks::{Executor, Mode};
use crate::{ensure, reached, Model};

/// The window of the order models: a task's check finds the other task's flag set, so the
/// second check really ran against the first task's set.
const FOUND_PLACED: &str = "a task finds the other's order placed";

/// What lies between a task's check of the flag and its set.
#[derive(Clone, Copy, Debug)]
enum Between {
    /// Nothing: check and set in one segment.
    Nothing,
    /// An awaited call to the exchange.
    Await,
    /// A call to the exchange that is not awaited: it blocks the loop.
    BlockingCall,
}

/// Two tasks, each placing one order unless the flag says one is placed.
fn order_once(target: &str, mode: Mode, between: Between) -> Model {
    Model::new(target, move || {
        let exchange = Arc::new(Service::named("exchange", 0_u32));
        let placed = Arc::new(AtomicUsize::new(0));
        let venue = Arc::clone(&exchange);
        Executor::new(mode).block_on(|main| async move {
            let exchange = venue;
            let tasks: Vec<_> = ["a", "b"]
                .into_iter()
                .map(|name| {
                    let (exchange, placed) = (Arc::clone(&exchange), Arc::clone(&placed));
                    main.spawn(name, move |cx| async move {
                        let orders = cx.call(|| exchange.call(|orders| *orders)).await;
                        tracing::info!("the exchange shows {orders} orders");
                        if placed.load(Ordering::SeqCst) == 1 {
                            reached(FOUND_PLACED);
                            tracing::info!("an order is placed already: places none");
                            return;
                        }
                        tracing::info!("no order placed yet: places one");
                        match between {
                            Between::Nothing => {}
                            Between::Await => cx.call(|| exchange.call(|_| ())).await,
                            Between::BlockingCall => exchange.call(|_| ()),
                        }
                        placed.store(1, Ordering::SeqCst);
                        cx.call(|| exchange.call(|orders| *orders += 1)).await;
                    })
                })
                .collect();
            for task in tasks {
                main.join(task).await;
            }
        });
        let orders = exchange.call(|orders| *orders);
        ensure!(orders == 1, "exactly one order is placed", "{orders} orders placed");
    })
    .with_window(FOUND_PLACED)
}

/// Two tasks sleep 20 ms and 10 ms of virtual time, a third awaits a call meanwhile: the timers
/// fire in deadline order, at their deadlines.
fn timers(target: &str) -> Model {
    const BOTH_ASLEEP: &str = "both timers set before the first fires";
    Model::new(target, || {
        let log = Arc::new(Mutex::new(Vec::new()));
        let exchange = Arc::new(Service::named("exchange", ()));
        let log2 = Arc::clone(&log);
        Executor::event_loop().block_on(|main| async move {
            let log = log2;
            let mut tasks: Vec<_> = [("slow", 20), ("fast", 10)]
                .into_iter()
                .map(|(name, ms)| {
                    let log = Arc::clone(&log);
                    main.spawn(name, move |cx| async move {
                        log.lock().push(format!("{name} sleeps"));
                        cx.sleep(ms).await;
                        let now = cx.now();
                        let mut log = log.lock();
                        if log.len() == 2 {
                            reached(BOTH_ASLEEP);
                        }
                        tracing::info!("wakes at {now} ms");
                        log.push(format!("{name} wakes at {now}"));
                    })
                })
                .collect();
            tasks.push(main.spawn("caller", move |cx| async move {
                cx.call(|| exchange.call(|()| ())).await;
            }));
            for task in tasks {
                main.join(task).await;
            }
        });
        let log = log.lock();
        let wakes: Vec<_> = log.iter().filter(|e| e.contains("wakes")).cloned().collect();
        ensure!(
            wakes == ["fast wakes at 10", "slow wakes at 20"],
            "timers fire in deadline order, at their deadlines",
            "the wakes read {wakes:?}"
        );
    })
    .with_window(BOTH_ASLEEP)
}

/// A task awaits a signal that no one sets.
fn stuck(target: &str) -> Model {
    Model::new(target, || {
        let executor = Executor::event_loop();
        let never = executor.signal();
        executor.block_on(|main| async move {
            let waiter = main.spawn("waiter", move |cx| async move {
                tracing::info!("awaits a signal no one sets");
                cx.wait(&never).await;
            });
            main.join(waiter).await;
        });
    })
}

/// A task awaits a future that only another runtime could complete.
fn foreign_future(target: &str) -> Model {
    Model::new(target, || {
        let executor = Executor::event_loop();
        executor.spawn("waiter", |_cx| async { std::future::pending::<()>().await }).join();
    })
}

crate::variants! {
    /// The variants, as the scenario file names them.
    enum Variant {
        LoopCheckSet = "loop-check-set",
        WorkersCheckSet = "workers-check-set",
        LoopCheckAwaitSet = "loop-check-await-set",
        WorkersCheckAwaitSet = "workers-check-await-set",
        LoopBlockingCall = "loop-blocking-call",
        Timers = "timers",
        Deadlock = "deadlock",
        ForeignFuture = "foreign-future",
    }
}

/// The `selftest-tasks` race: the executor's semantics, one variant each.
#[derive(Debug)]
pub struct TaskSelfTest;

const INFO: RaceInfo = RaceInfo {
    id: "selftest-tasks",
    title: "the harness's async executor: what an event loop and worker threads let interleave",
    source: "harness/src/selftest/tasks.rs",
    variants: <Variant as Variants>::NAMES,
    threads: 3,
    runtime: "an event loop, or a multi-threaded async runtime",
};

impl Race for TaskSelfTest {
    fn info(&self) -> &'static RaceInfo {
        &INFO
    }

    fn model(&self, target: &str, variant: &str, params: &toml::Table) -> Result<Model, RaceError> {
        let two_workers = Mode::MultiThread;
        Ok(match super::variant_without_params::<Variant>(self, variant, params)? {
            Variant::LoopCheckSet => order_once(target, Mode::EventLoop, Between::Nothing),
            Variant::WorkersCheckSet => order_once(target, two_workers, Between::Nothing),
            Variant::LoopCheckAwaitSet => order_once(target, Mode::EventLoop, Between::Await),
            Variant::WorkersCheckAwaitSet => order_once(target, two_workers, Between::Await),
            Variant::LoopBlockingCall => order_once(target, Mode::EventLoop, Between::BlockingCall),
            Variant::Timers => timers(target),
            Variant::Deadlock => stuck(target),
            Variant::ForeignFuture => foreign_future(target),
        })
    }
}
