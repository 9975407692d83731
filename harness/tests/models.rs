//! Tiny models, one per verdict kind.

use harness::sync::atomic::{AtomicUsize, Ordering};
use harness::sync::{thread, Arc, Mutex};
use harness::Model;

/// Two threads increment a counter with a read and a separate write: an update can be lost.
pub fn lost_update() -> Model {
    Model::new("lost-update/before", || {
        let counter = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let counter = Arc::clone(&counter);
                thread::spawn(name, move || {
                    let seen = counter.load(Ordering::SeqCst);
                    tracing::info!("reads counter = {seen}");
                    harness::reached("between read and write");
                    counter.store(seen + 1, Ordering::SeqCst);
                    tracing::info!("writes counter = {}", seen + 1);
                })
            })
            .collect();
        handles.into_iter().for_each(thread::JoinHandle::join);
        let total = counter.load(Ordering::SeqCst);
        harness::ensure!(
            total == 2,
            "no update is lost",
            "counter is {total} after 2 increments"
        );
    })
    .with_window("between read and write")
}

/// The same, with the increment under a lock: it holds.
pub fn locked_update() -> Model {
    Model::new("lost-update/locked", || {
        let counter = Arc::new(Mutex::new(0));
        let handles: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let counter = Arc::clone(&counter);
                thread::spawn(name, move || {
                    let mut c = counter.lock();
                    harness::reached("between read and write");
                    *c += 1;
                })
            })
            .collect();
        handles.into_iter().for_each(thread::JoinHandle::join);
        let total = *counter.lock();
        harness::ensure!(
            total == 2,
            "no update is lost",
            "counter is {total} after 2 increments"
        );
    })
    .with_window("between read and write")
}

/// Two threads take two locks in opposite orders.
pub fn lock_order_inversion() -> Model {
    Model::new("deadlock/before", || {
        let a = Arc::new(Mutex::new(()));
        let b = Arc::new(Mutex::new(()));
        let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
        let t = thread::spawn("left", move || {
            let _a = a2.lock();
            let _b = b2.lock();
        });
        {
            let _b = b.lock();
            let _a = a.lock();
        }
        t.join();
    })
}

/// A thread waits, spinning, for a flag that nobody ever sets.
pub fn spin_forever() -> Model {
    Model::new("spin/before", || {
        let flag = Arc::new(AtomicUsize::new(0));
        let f = Arc::clone(&flag);
        let t = thread::spawn("spinner", move || {
            while f.load(Ordering::SeqCst) == 0 {
                thread::yield_now();
            }
        });
        t.join();
    })
}

/// The model itself is broken: it indexes past the end of a list.
pub fn broken_model() -> Model {
    Model::new("broken/before", || {
        let list = Arc::new(Mutex::new(vec![1, 2]));
        let l = Arc::clone(&list);
        let t = thread::spawn("reader", move || {
            let index = l.lock().len();
            let _ = l.lock()[index];
        });
        t.join();
    })
}
