//! # Expert recommendations: two calls enter the same position (“Trade Manager Safety Enhancements”)
//!
//! The trade platform's `TradeManager.process_expert_recommendations_after_analysis(expert)`
//! runs when an expert's analysis finishes: it turns the expert's recommendations into orders
//! and transactions. Two analyses of one expert can finish together, and two calls then process
//! the same recommendations: duplicate positions. The write-up ("Changes Made") adds two guards.
//!
//! Actors: two analysis jobs of expert 1, each writing its recommendation (one for AAPL, one
//! for MSFT), then calling the method. Scenario `expert-recommendations`: both jobs are threads
//! of one process, sharing one `TradeManager`. Scenario `expert-recommendations-two-processes`:
//! each job runs in its own process with its own `TradeManager`; they share only the database
//! (SQLite, [`SimDb`]), the broker and time ([`SimClock`]).
//!
//! Reading taken: the write-up does not show which recommendations a call loads. We take the
//! reading most favourable to the fix: every recommendation of the expert that has no order
//! yet, so that a call that skips can hope that the running call covers its recommendation.
//!
//! ## Variants
//! - `before`: load the pending recommendations, create a transaction (`WAITING`) and an order
//!   for each, no lock and no check.
//! - `documented-fix`, as shown: get or create the per-expert lock in `_processing_locks` under
//!   `_locks_dict_lock`; `acquire(blocking=True, timeout=0.5)`, and on a timeout log "another
//!   thread is already processing. Skipping." and `return []`; release in `finally`. Before each
//!   order, `SELECT` an `OPENED`/`WAITING` transaction of the expert for the symbol and `continue`
//!   with a warning if there is one. The timed acquire is modelled on the clock: a waiting
//!   call gives up when the holder's work (its orders at the broker) has moved the clock past
//!   the 0.5 s deadline. Flaws: a call that gives up drops its recommendation whenever the
//!   running call loaded its list before that recommendation was written; and a lock in a
//!   process's memory does not reach another process, whose `SELECT` and `INSERT` are two
//!   statements with nothing in between.
//! - `correct-fix`: the same lock, acquired without a timeout: the second call waits its turn,
//!   then loads what is still pending. (To keep the skip instead, the skipper would have to leave
//!   a "run again" mark under `_locks_dict_lock` that the holder checks, under the same
//!   meta-lock, before it releases; that design is not modelled here.) And the check and the insert become one statement: an
//!   insert under a partial unique index on `(expert_instance_id, symbol) WHERE status IN
//!   (OPENED, WAITING)`, which holds across processes, where the in-memory lock cannot.
//!
//! ## Invariants
//! - No duplicate: at most one order at the broker and one open transaction per expert and
//!   symbol.
//! - No recommendation silently dropped: at the end each has an order, or was named in a
//!   "SAFETY CHECK: Skipping recommendation" warning because a transaction already covers it.
//!
//! Race window: both calls inside the method (waiting for the lock included) at once.

use std::collections::{BTreeMap, BTreeSet};

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::{thread, Arc, Mutex, MutexGuard};
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::variants::Variant;
use crate::world::clock::secs;
use crate::world::db::{Recommendation, Transaction};
use crate::world::{Behaviour, Kind, RecState, Side, SimBroker, SimClock, SimDb, TxnStatus};

const INVARIANT_DUPLICATE: &str = "at most one open position per expert and symbol";
const INVARIANT_DROPPED: &str = "no recommendation silently dropped";
const WINDOW: &str = "both calls processing the expert's recommendations at once";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    /// The expert instance.
    expert: u32,
    /// The symbol each analysis job recommends (one job each, two jobs).
    analyses: Vec<String>,
    /// 1: both jobs are threads of one process; 2: each job is its own process.
    processes: usize,
    /// The timed acquire's timeout.
    lock_timeout_ms: u64,
    /// How long the broker takes to accept an order.
    broker_latency_ms: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            expert: 1,
            analyses: vec!["AAPL".into(), "MSFT".into()],
            processes: 1,
            lock_timeout_ms: 500,
            broker_latency_ms: 600,
        }
    }
}

impl harness::race::Params for Params {
    fn check(&self) -> Result<(), String> {
        if self.analyses.len() != 2 {
            return Err(format!("analyses has {} symbols: expected 2 (one per job)", self.analyses.len()));
        }
        if !(1..=2).contains(&self.processes) {
            return Err(format!("processes = {}: expected 1 or 2", self.processes));
        }
        Ok(())
    }
}

/// One process's `TradeManager`: `_processing_locks`, guarded by `_locks_dict_lock`.
type Locks = BTreeMap<String, Arc<Mutex<()>>>;

/// The shared world: database, broker, clock; the warnings log (what an auditor reads).
struct World {
    variant: Variant,
    params: Arc<Params>,
    clock: Arc<SimClock>,
    db: SimDb,
    broker: SimBroker,
    warned: Mutex<BTreeSet<u64>>,
    calls: Overlap,
}

impl World {
    /// An empty database and broker, at t=0.
    fn new(variant: Variant, params: &Arc<Params>) -> Self {
        let clock = Arc::new(SimClock::new(0));
        Self {
            variant,
            params: Arc::clone(params),
            db: SimDb::new(Arc::clone(&clock)),
            clock,
            broker: SimBroker::new(Behaviour::default()),
            warned: Mutex::new(BTreeSet::new()),
            calls: Overlap::new(WINDOW, 2),
        }
    }

    /// `process_expert_recommendations_after_analysis(expert)` in the process owning `locks`.
    fn process(&self, locks: &Mutex<Locks>) {
        let _inside = self.calls.enter();
        if self.variant == Variant::Before {
            return self.enter_pending();
        }
        let key = format!("expert_{}_usecase_enter_market", self.params.expert);
        let lock = Arc::clone(locks.lock().entry(key).or_default());
        let guard = if self.variant == Variant::DocumentedFix {
            let Some(guard) = self.acquire_with_timeout(&lock) else {
                tracing::info!("Could not acquire lock for expert: another thread is processing. Skipping.");
                return;
            };
            guard
        } else {
            let guard = lock.lock();
            tracing::info!("acquired the processing lock (no timeout)");
            guard
        };
        self.enter_pending();
        drop(guard); // `finally: processing_lock.release()`
        tracing::info!("released the processing lock");
    }

    /// `processing_lock.acquire(blocking=True, timeout=...)`. Waiting does not move the clock;
    /// the holder's work does. A free lock is taken at once. Else the model reads the deadline,
    /// blocks until the lock is free, then compares the clock with the deadline: if the holder
    /// kept the lock past it, the real acquire had returned `False` at the deadline, so the lock
    /// is let go at once and the call reports the timeout. With two callers this is exact: the
    /// clock moves only by the holder's work while the other waits, the holder does nothing
    /// after its release, and the timed-out call only returns, so when it gives up changes
    /// nothing observable.
    fn acquire_with_timeout<'a>(&self, lock: &'a Mutex<()>) -> Option<MutexGuard<'a, ()>> {
        if let Some(guard) = lock.try_lock() {
            tracing::info!("acquired the processing lock");
            return Some(guard);
        }
        let deadline = self.clock.now() + self.params.lock_timeout_ms;
        tracing::info!("lock busy: waits until t={} at most", secs(deadline));
        let guard = lock.lock();
        let now = self.clock.now();
        if now >= deadline {
            tracing::info!("acquire timed out at t={}: the lock was busy until t={}", secs(deadline), secs(now));
            return None;
        }
        tracing::info!("acquired the processing lock at t={}", secs(now));
        Some(guard)
    }

    /// Loads the expert's pending recommendations and enters the market for each.
    fn enter_pending(&self) {
        for rec in self.db.pending_recommendations(self.params.expert) {
            self.enter(&rec);
        }
    }

    /// One recommendation: the duplicate check (per variant), the transaction, the order.
    fn enter(&self, rec: &Recommendation) {
        let (expert, symbol) = (self.params.expert, rec.symbol.as_str());
        let txn = match self.variant {
            Variant::Before => self.db.insert_transaction(expert, symbol, TxnStatus::Waiting),
            Variant::DocumentedFix => {
                if let Some(existing) = self.db.open_transaction(expert, symbol) {
                    return self.warn(rec, &existing);
                }
                self.db.insert_transaction(expert, symbol, TxnStatus::Waiting)
            }
            Variant::CorrectFix => match self.db.insert_transaction_unique(expert, symbol, TxnStatus::Waiting) {
                Ok(txn) => txn,
                Err(existing) => return self.warn(rec, &existing),
            },
        };
        self.clock.advance(self.params.broker_latency_ms);
        let _ = self.broker.place(symbol, Kind::Market, Side::Buy, 1, None);
        self.db.resolve_recommendation(rec.id, RecState::Ordered(txn));
    }

    /// "SAFETY CHECK: Skipping recommendation ...": the recommendation is accounted for.
    fn warn(&self, rec: &Recommendation, existing: &Transaction) {
        tracing::warn!(
            "SAFETY CHECK: Skipping recommendation {} for {} - existing transaction {} in {} status for expert {}",
            rec.id,
            rec.symbol,
            existing.id,
            format!("{:?}", existing.status).to_uppercase(),
            existing.expert
        );
        self.warned.lock().insert(rec.id);
    }

    /// Both invariants, against the broker, the database and the warnings.
    fn check(&self) {
        let orders = self.broker.orders();
        let txns = self.db.transactions();
        for symbol in &self.params.analyses {
            let ids: Vec<String> = orders.iter().filter(|o| &o.symbol == symbol).map(|o| o.id.to_string()).collect();
            let open: Vec<String> = txns
                .iter()
                .filter(|t| &t.symbol == symbol && t.status.is_open())
                .map(|t| format!("#{}", t.id))
                .collect();
            harness::ensure!(
                ids.len() <= 1 && open.len() <= 1,
                INVARIANT_DUPLICATE,
                "expert {} {symbol}: {} orders ({}) and {} open transactions ({})",
                self.params.expert,
                ids.len(),
                ids.join(", "),
                open.len(),
                open.join(", ")
            );
        }
        let warned = self.warned.lock().clone();
        let now = self.clock.now();
        for rec in self.db.recommendations() {
            harness::ensure!(
                rec.state != RecState::Pending || warned.contains(&rec.id),
                INVARIANT_DROPPED,
                "recommendation #{} ({}) of expert {} has no order and no warning at t={}",
                rec.id,
                rec.symbol,
                rec.expert,
                secs(now)
            );
        }
    }
}

/// One execution: two analysis jobs of the expert finish; each writes its recommendation and
/// calls the method, in one process or in two.
fn execution(variant: Variant, params: &Arc<Params>) {
    let world = Arc::new(World::new(variant, params));
    let managers: Vec<Arc<Mutex<Locks>>> =
        (0..params.processes).map(|_| Arc::new(Mutex::new(Locks::default()))).collect();
    let jobs: Vec<_> = params
        .analyses
        .iter()
        .enumerate()
        .map(|(i, symbol)| {
            let (world, symbol) = (Arc::clone(&world), symbol.clone());
            let process = i % managers.len();
            let locks = Arc::clone(&managers[process]);
            thread::spawn(&format!("p{}-job{}", process + 1, i + 1), move || {
                world.db.insert_recommendation(world.params.expert, &symbol);
                world.process(&locks);
            })
        })
        .collect();
    crate::actors::join_all(jobs);
    world.check();
}

/// The expert-recommendations race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "expert-recommendations",
        title: "two calls process one expert's recommendations: duplicates, or a dropped one",
        source: "\"Trade Manager Safety Enhancements - Implementation Summary\", Changes Made 1 and 2",
        variants: Variant::NAMES,
        threads: 2,
        runtime: "threads, or processes (`processes = 2`)",
    },
    window: WINDOW,
    run: execution,
};

#[cfg(test)]
mod tests {
    //! The write-up's promise to operators: the "SAFETY CHECK" warning is logged when, and only
    //! when, the duplicate check turns a recommendation away.
    use tracing_test::traced_test;

    use super::*;

    const LINE: &str =
        "SAFETY CHECK: Skipping recommendation 1 for AAPL - existing transaction 1 in WAITING status for expert 1";

    /// One call for expert 1's AAPL recommendation, with or without an open AAPL transaction.
    fn process(variant: Variant, open_transaction: bool) -> World {
        let world = World::new(variant, &Arc::default());
        if open_transaction {
            world.db.insert_transaction(1, "AAPL", TxnStatus::Waiting);
        }
        world.db.insert_recommendation(1, "AAPL");
        world.process(&Mutex::new(Locks::default()));
        world
    }

    #[test]
    #[traced_test]
    fn the_fixes_say_so_when_they_skip_a_duplicate() {
        for variant in [Variant::DocumentedFix, Variant::CorrectFix] {
            let world = process(variant, true);
            assert!(world.broker.orders().is_empty(), "{variant:?} ordered a duplicate");
        }
        assert!(logs_contain(LINE));
    }

    #[test]
    #[traced_test]
    fn no_safety_check_line_without_a_duplicate() {
        for variant in [Variant::DocumentedFix, Variant::CorrectFix] {
            let world = process(variant, false);
            assert_eq!(world.broker.orders().len(), 1, "{variant:?} did not order");
        }
        assert!(!logs_contain("SAFETY CHECK"));
    }

    #[test]
    #[traced_test]
    fn before_has_no_check_and_orders_the_duplicate_silently() {
        let world = process(Variant::Before, true);
        assert_eq!(world.broker.orders().len(), 1);
        assert!(!logs_contain("SAFETY CHECK"));
    }
}
