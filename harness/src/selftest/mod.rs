//! Tiny models, one per verdict kind and one per mechanism the verdicts rely on: the harness's
//! own race, `selftest`.
//!
//! They know nothing of trading. The tests use them to show that every verdict is reachable and
//! distinct under every scheduler, and the command line runs them (`racecheck run selftest`)
//! to show the same through child processes, loom's deadlock abort included.
//!
//! The mechanism models pin what the other races' verdicts silently depend on, so that a broken
//! mechanism turns the gate red through an expectation, not only through a changed snapshot:
//! - `service-only`: a lost update whose only scheduling points are [`Service`] calls. If a
//!   service call stopped being a scheduling point, nothing could interleave and it would hold.
//! - `two-preemptions`: a bug that needs exactly two preemptions. PCT at depth 3 finds it and
//!   depth 2 cannot (one priority change point gives at most one preemption); loom finds it at
//!   a bound of 2 and proves it absent at a bound of 1. A scheduler run with other settings than
//!   its report claims changes these verdicts.
//! - `retry-update`: a compare-and-swap update that holds, whose race window (a retry after a
//!   conflict) is reached only when the scheduler really interleaves the two threads. A
//!   scheduler that stopped interleaving would make it `vacuous`.

mod tasks;

pub use tasks::TaskSelfTest;

use crate::race::{Race, RaceError, Variants};
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{thread, Arc, Mutex, Service};
use crate::{ensure, reached, Model};

/// Two threads increment a counter with a read and a separate write: an update can be lost.
pub fn lost_update(target: &str) -> Model {
    Model::new(target, || {
        let counter = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let counter = Arc::clone(&counter);
                thread::spawn(name, move || {
                    let seen = counter.load(Ordering::SeqCst);
                    tracing::info!("reads counter = {seen}");
                    reached("between read and write");
                    counter.store(seen + 1, Ordering::SeqCst);
                    tracing::info!("writes counter = {}", seen + 1);
                })
            })
            .collect();
        handles.into_iter().for_each(thread::JoinHandle::join);
        let total = counter.load(Ordering::SeqCst);
        ensure!(total == 2, "no update is lost", "counter is {total} after 2 increments");
    })
    .with_window("between read and write")
}

/// The same, with the increment under a lock: it holds.
pub fn locked_update(target: &str) -> Model {
    Model::new(target, || {
        let counter = Arc::new(Mutex::new(0));
        let handles: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let counter = Arc::clone(&counter);
                thread::spawn(name, move || {
                    let mut c = counter.lock();
                    reached("between read and write");
                    *c += 1;
                })
            })
            .collect();
        handles.into_iter().for_each(thread::JoinHandle::join);
        let total = *counter.lock();
        ensure!(total == 2, "no update is lost", "counter is {total} after 2 increments");
    })
    .with_window("between read and write")
}

/// Two threads take two locks in opposite orders.
pub fn lock_order_inversion(target: &str) -> Model {
    Model::new(target, || {
        let a = Arc::new(Mutex::new(()));
        let b = Arc::new(Mutex::new(()));
        let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
        let t = thread::spawn("left", move || {
            let _a = a2.lock();
            tracing::info!("holds a, takes b");
            let _b = b2.lock();
        });
        {
            let _b = b.lock();
            tracing::info!("holds b, takes a");
            let _a = a.lock();
        }
        t.join();
    })
}

/// A thread waits, spinning, for a flag that nobody ever sets.
pub fn spin_forever(target: &str) -> Model {
    Model::new(target, || {
        let flag = Arc::new(AtomicUsize::new(0));
        let f = Arc::clone(&flag);
        let t = thread::spawn("spinner", move || {
            tracing::info!("waits for the flag");
            while f.load(Ordering::SeqCst) == 0 {
                thread::yield_now();
            }
        });
        t.join();
    })
}

/// The model itself is broken: it indexes past the end of a list.
pub fn broken_model(target: &str) -> Model {
    Model::new(target, || {
        let list = Arc::new(Mutex::new(vec![1, 2]));
        let l = Arc::clone(&list);
        let t = thread::spawn("reader", move || {
            let index = l.lock().len();
            tracing::info!("reads element {index}");
            let _ = l.lock()[index];
        });
        t.join();
    })
}

/// Two threads increment a counter kept by an outside system, with a read call and a separate
/// write call: an update can be lost, and the service calls are the only scheduling points.
pub fn service_only(target: &str) -> Model {
    Model::new(target, || {
        let store = Arc::new(Service::named("store", 0_usize));
        let handles: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let store = Arc::clone(&store);
                thread::spawn(name, move || {
                    let seen = store.call(|v| *v);
                    tracing::info!("reads counter = {seen}");
                    reached("between read and write");
                    store.call(|v| *v = seen + 1);
                    tracing::info!("writes counter = {}", seen + 1);
                })
            })
            .collect();
        handles.into_iter().for_each(thread::JoinHandle::join);
        let total = store.call(|v| *v);
        ensure!(total == 2, "no update is lost", "counter is {total} after 2 increments");
    })
    .with_window("between read and write")
}

/// Two threads log two steps each; the log must never read `a1 b1 a2 b2`, which takes exactly
/// two preemptions (away from `a` after `a1`, away from `b` after `b1`).
pub fn two_preemptions(target: &str) -> Model {
    Model::new(target, || {
        let log = Arc::new(Mutex::new(Vec::new()));
        let handles: Vec<_> = [("a", ["a1", "a2"]), ("b", ["b1", "b2"])]
            .into_iter()
            .map(|(name, steps)| {
                let log = Arc::clone(&log);
                thread::spawn(name, move || {
                    for step in steps {
                        let mut log = log.lock();
                        log.push(step);
                        if *log == ["a1", "b1"] {
                            reached("b1 between a1 and a2");
                        }
                        tracing::info!("logs {step}");
                    }
                })
            })
            .collect();
        handles.into_iter().for_each(thread::JoinHandle::join);
        let log = log.lock().join(" ");
        ensure!(log != "a1 b1 a2 b2", "the log never alternates twice", "the log reads {log}");
    })
    .with_window("b1 between a1 and a2")
}

/// Two threads increment a counter by compare-and-swap, retrying after a conflict: it holds,
/// and the retry is reached only when the two threads really interleave.
pub fn retry_update(target: &str) -> Model {
    Model::new(target, || {
        let counter = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let counter = Arc::clone(&counter);
                thread::spawn(name, move || loop {
                    let seen = counter.load(Ordering::SeqCst);
                    if counter.compare_exchange(seen, seen + 1, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                        tracing::info!("writes counter = {}", seen + 1);
                        break;
                    }
                    tracing::info!("conflict at counter = {seen}: retries");
                    reached("a retry after a conflict");
                })
            })
            .collect();
        handles.into_iter().for_each(thread::JoinHandle::join);
        let total = counter.load(Ordering::SeqCst);
        ensure!(total == 2, "no update is lost", "counter is {total} after 2 increments");
    })
    .with_window("a retry after a conflict")
}

crate::variants! {
    /// The variants, as the scenario file names them.
    enum Variant {
        LostUpdate = "lost-update",
        LockedUpdate = "locked-update",
        Deadlock = "deadlock",
        Spin = "spin",
        ModelPanic = "model-panic",
        ServiceOnly = "service-only",
        TwoPreemptions = "two-preemptions",
        RetryUpdate = "retry-update",
    }
}

/// Reads `variant` of a selftest race, which takes no parameters.
fn variant_without_params<V: Variants>(race: &dyn Race, variant: &str, params: &toml::Table) -> Result<V, RaceError> {
    let variant = crate::race::variant(race, variant)?;
    if let Some(key) = params.keys().next() {
        return Err(RaceError::BadParams {
            race: race.id(),
            message: format!("unknown parameter `{key}`: it takes none"),
        });
    }
    Ok(variant)
}

/// The `selftest` race: one variant per verdict kind, and one per mechanism.
///
/// It builds its models itself rather than through [`crate::race::Spec`]: each variant is a
/// model of its own with its own race window (or none), where a race's variants share one.
#[derive(Debug)]
pub struct SelfTest;

/// What the race says about itself: its id, story, variants and threads.
const INFO: crate::race::RaceInfo = crate::race::RaceInfo {
    id: "selftest",
    title: "the harness's own models, one per verdict kind and one per mechanism",
    source: "harness/src/selftest/mod.rs",
    variants: <Variant as Variants>::NAMES,
    threads: 2,
    runtime: "threads",
};

impl Race for SelfTest {
    fn info(&self) -> &'static crate::race::RaceInfo {
        &INFO
    }

    fn model(&self, target: &str, variant: &str, params: &toml::Table) -> Result<Model, RaceError> {
        Ok(match variant_without_params::<Variant>(self, variant, params)? {
            Variant::LostUpdate => lost_update(target),
            Variant::LockedUpdate => locked_update(target),
            Variant::Deadlock => lock_order_inversion(target),
            Variant::Spin => spin_forever(target),
            Variant::ModelPanic => broken_model(target),
            Variant::ServiceOnly => service_only(target),
            Variant::TwoPreemptions => two_preemptions(target),
            Variant::RetryUpdate => retry_update(target),
        })
    }
}
