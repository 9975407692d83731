//! Tiny models, one per verdict kind: the harness's own race, `selftest`.
//!
//! They know nothing of trading. The tests use them to show that every verdict is reachable and
//! distinct under every scheduler, and the command line runs them (`racecheck run selftest`)
//! to show the same through child processes, loom's deadlock abort included.

use crate::race::{Race, RaceError};
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{thread, Arc, Mutex};
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

/// The `selftest` race: one variant per verdict kind.
#[derive(Debug)]
pub struct SelfTest;

/// What the race says about itself: its id, story, variants and threads.
const INFO: crate::race::RaceInfo = crate::race::RaceInfo {
    id: "selftest",
    title: "the harness's own models, one per verdict kind",
    source: "harness/src/selftest.rs",
    variants: &["lost-update", "locked-update", "deadlock", "spin", "model-panic"],
    threads: 2,
};

impl Race for SelfTest {
    fn info(&self) -> &'static crate::race::RaceInfo {
        &INFO
    }

    fn model(&self, target: &str, variant: &str, params: &toml::Table) -> Result<Model, RaceError> {
        self.check_variant(variant)?;
        if let Some(key) = params.keys().next() {
            return Err(RaceError::BadParams {
                race: "selftest",
                message: format!("unknown parameter `{key}`: it takes none"),
            });
        }
        Ok(match variant {
            "lost-update" => lost_update(target),
            "locked-update" => locked_update(target),
            "deadlock" => lock_order_inversion(target),
            "spin" => spin_forever(target),
            _ => broken_model(target),
        })
    }
}
