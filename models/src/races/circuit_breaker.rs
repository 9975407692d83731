//! # Circuit breaker: trades open on a stream the breaker just killed (“Circuit Breaker Race Condition Fix”)
//!
//! The desktop bot's trade managers keep a circuit breaker per stream (symbol and timeframe):
//! `_update_circuit_breaker_tracking(sym, tf, pnl)` counts the stream's consecutive losses when
//! a trade closes and kills the stream at the threshold; `open_trade` refuses a trade when
//! `is_stream_killed(sym, tf)`. The write-up (“Circuit Breaker Race Condition Fix”, "Problem", "Root Cause"): the check and
//! the tracking update "were not atomic", so "two or more trades could be opened simultaneously
//! on a killed stream". Its fix (v44.x) adds `_circuit_breaker_lock`, taken around the tracking
//! update and around the check in `open_trade`.
//!
//! ## Actors
//! - `trader-1`, `trader-2`, …: each handles a signal on the stream and calls `open_trade`. A
//!   trade opens with a market order at the broker and is then recorded as open.
//! - `closer`: closes an earlier trade of the stream at a loss and reports it to
//!   `_update_circuit_breaker_tracking`; the stream had `losses` consecutive losses already, so
//!   this one reaches `max_losses` and kills the stream.
//!
//! ## Variants
//! - `before`: no lock. Python reads or writes one attribute atomically (the GIL), so each
//!   access takes the breaker's lock for that one access only.
//! - `documented-fix-sim`: `SimTradeManager.open_trade` as shown: the check (and the cooldown
//!   check, which passes here) under `_circuit_breaker_lock`, then — "actual trade opening
//!   continues outside lock" — the trade opens after the lock is released. The tracking update
//!   holds the same lock.
//! - `documented-fix-live`: the live `TradeManager.open_trade` as shown: `with self.lock:` (the
//!   manager's `RLock`) around `with self._circuit_breaker_lock:` (the check), and the rest of
//!   the trade opening still inside `self.lock`. The write-up does not show the closing path; we
//!   read its note "self.lock (RLock) already protects most operations" as: the live manager
//!   closes trades, and reports the loss, while holding `self.lock`. (`self.lock` is re-entrant
//!   in Python; nothing here re-enters it, so a plain lock models it.) Under that reading the
//!   check and the open are one `self.lock` section, which the kill cannot enter: it holds —
//!   thanks to the old `RLock`, not to the new lock. Were the closer to report without
//!   `self.lock`, it would fail exactly as `documented-fix-sim` does.
//! - `correct-fix`: one critical section: `_circuit_breaker_lock` held from the check through the
//!   open, and around the tracking update. (Its "lock scope is minimal" is what breaks the sim
//!   fix: a check whose answer may change before the act does not guard the act.)
//!
//! ## Invariant
//! No trade opens on a stream after the stream was killed. "After" is measured on one clock:
//! each event is stamped when it is recorded (`time.time()` in the bot; here a simulated clock
//! that ticks once per stamp, so no two events share a time) — the kill when
//! `_update_circuit_breaker_tracking` records it, a trade when the manager records it as open,
//! after the broker accepted its order. A trade whose open time is later than the kill time
//! violates the breaker, whatever the trader saw when it checked.
//!
//! Race window: every trader inside `open_trade` while the closer is inside its close-and-report
//! (each stretch taken from its start, lock waits included, so a correct fix reaches it too).

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::atomic::{AtomicU64, Ordering};
use harness::sync::{thread, Arc, Mutex};
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::world::{Behaviour, Kind, OrderId, Price, Side, SimBroker};

const INVARIANT: &str = "no trade opens on a stream after it was killed";
const WINDOW: &str = "traders opening while the closer kills the stream";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    timeframe: String,
    /// Consecutive losses that kill a stream.
    max_losses: u32,
    /// Consecutive losses the stream already had.
    losses: u32,
    /// The P&L of the trade the closer closes (a loss).
    pnl: Price,
    /// How many trader threads try to open a trade (1 to 3).
    traders: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            symbol: "BTCUSDT".into(),
            timeframe: "15m".into(),
            max_losses: 3,
            losses: 2,
            pnl: Price(-1_250),
            traders: 2,
        }
    }
}

impl harness::race::Params for Params {
    fn check(&self) -> Result<(), String> {
        if !(1..=3).contains(&self.traders) || self.losses + 1 != self.max_losses {
            return Err(format!(
                "expected 1 to 3 traders (got {}) and a stream one loss from its kill \
                 (losses = max_losses - 1, got {} and {})",
                self.traders, self.losses, self.max_losses
            ));
        }
        Ok(())
    }
}

harness::variants! {
    /// The variants, as scenario files name them.
    enum Variant {
        Before = "before",
        DocumentedFixSim = "documented-fix-sim",
        DocumentedFixLive = "documented-fix-live",
        CorrectFix = "correct-fix",
    }
}

/// The breaker's state for the one stream, behind `_circuit_breaker_lock`.
#[derive(Debug)]
struct Breaker {
    losses: u32,
    killed_at: Option<u64>,
}

/// One trade the manager recorded as open.
#[derive(Debug)]
struct Trade {
    trader: String,
    order: OrderId,
    opened_at: u64,
}

/// The trade manager, for the one stream.
struct Manager {
    variant: Variant,
    params: Arc<Params>,
    /// The live `TradeManager`'s `self.lock` (`documented-fix-live` only).
    lock: Mutex<()>,
    /// `_circuit_breaker_lock` and the state it guards.
    breaker: Mutex<Breaker>,
    /// The open trades (a list append is atomic in Python).
    trades: Mutex<Vec<Trade>>,
    /// The clock events are stamped with.
    clock: AtomicU64,
    broker: SimBroker,
    attempts: Overlap,
}

impl Manager {
    fn stream(&self) -> String {
        format!("{}-{}", self.params.symbol, self.params.timeframe)
    }

    /// Stamps an event: the clock ticks once per stamp.
    fn now(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// `is_stream_killed(sym, tf)`; the caller holds whatever lock its variant takes.
    fn is_stream_killed(&self, breaker: &Breaker) -> bool {
        let killed = breaker.killed_at.is_some();
        tracing::info!("is_stream_killed({}) = {killed}", self.stream());
        killed
    }

    /// The documented fix's `with self._circuit_breaker_lock:` block: the checks pass under the
    /// lock, which is released (`released` says what is still held) before the trade opens.
    fn documented_checks(&self, released: &str) -> bool {
        let breaker = self.breaker.lock();
        if self.is_stream_killed(&breaker) {
            return false;
        }
        tracing::info!("checks passed; {released}");
        true
    }

    /// A trader's `open_trade`.
    fn open_trade(&self) {
        let _attempt = self.attempts.enter();
        match self.variant {
            Variant::Before => {
                if self.is_stream_killed(&self.breaker.lock()) {
                    return;
                }
                self.open();
            }
            Variant::DocumentedFixSim => {
                if self.documented_checks("_circuit_breaker_lock released") {
                    self.open();
                }
            }
            Variant::DocumentedFixLive => {
                let _manager = self.lock.lock();
                if self.documented_checks("_circuit_breaker_lock released, self.lock held") {
                    self.open();
                }
            }
            Variant::CorrectFix => {
                let breaker = self.breaker.lock();
                if self.is_stream_killed(&breaker) {
                    return;
                }
                self.open();
                drop(breaker);
            }
        }
    }

    /// "The rest of trade opening logic": the order, then the trade recorded as open.
    fn open(&self) {
        let p = &self.params;
        let Ok(order) = self.broker.place(&p.symbol, Kind::Market, Side::Buy, 1, None) else {
            tracing::info!("order rejected: no trade");
            return;
        };
        let mut trades = self.trades.lock();
        let opened_at = self.now();
        tracing::info!("trade {order} on {} opened at t={opened_at}", self.stream());
        trades.push(Trade { trader: thread::current_name(), order, opened_at });
    }

    /// The closer: closes an earlier trade at a loss and reports it to the breaker.
    fn close_at_loss(&self) {
        let _attempt = self.attempts.enter();
        let _manager = (self.variant == Variant::DocumentedFixLive).then(|| self.lock.lock());
        let p = &self.params;
        if self.broker.place(&p.symbol, Kind::Market, Side::Sell, 1, None).is_err() {
            tracing::info!("close rejected");
            return;
        }
        tracing::info!("trade closed, pnl {}", p.pnl);
        self.update_circuit_breaker_tracking();
    }

    /// `_update_circuit_breaker_tracking(sym, tf, pnl)` for a loss.
    fn update_circuit_breaker_tracking(&self) {
        let max = self.params.max_losses;
        if self.variant == Variant::Before {
            let losses = self.breaker.lock().losses + 1;
            tracing::info!("reads losses, writes {losses}");
            self.breaker.lock().losses = losses;
            if losses >= max {
                let mut breaker = self.breaker.lock();
                let t = self.now();
                breaker.killed_at = Some(t);
                tracing::info!("{losses} losses >= {max}: stream {} killed at t={t}", self.stream());
            }
            return;
        }
        let mut breaker = self.breaker.lock();
        breaker.losses += 1;
        tracing::info!("under _circuit_breaker_lock: losses = {}", breaker.losses);
        if breaker.losses >= max {
            let t = self.now();
            breaker.killed_at = Some(t);
            tracing::info!("{} losses >= {max}: stream {} killed at t={t}", breaker.losses, self.stream());
        }
    }

    /// Checks the invariant: no trade opened later than the kill.
    fn check(&self) {
        let Some(killed_at) = self.breaker.lock().killed_at else {
            return;
        };
        for t in self.trades.lock().iter() {
            harness::ensure!(
                t.opened_at < killed_at,
                INVARIANT,
                "{} opened trade {} on {} at t={}, after the stream was killed at t={killed_at}",
                t.trader,
                t.order,
                self.stream(),
                t.opened_at
            );
        }
    }
}

/// One execution: a stream one loss from its kill, the traders and the closer.
fn execution(variant: Variant, params: &Arc<Params>) {
    let manager = Arc::new(Manager {
        variant,
        params: Arc::clone(params),
        lock: Mutex::new(()),
        breaker: Mutex::new(Breaker { losses: params.losses, killed_at: None }),
        trades: Mutex::new(Vec::new()),
        clock: AtomicU64::new(0),
        broker: SimBroker::new(Behaviour { fill_market_on_arrival: true, ..Behaviour::default() }),
        attempts: Overlap::new(WINDOW, params.traders + 1),
    });
    let traders: Vec<_> = (1..=params.traders)
        .map(|i| crate::actors::spawn(&format!("trader-{i}"), &manager, move |manager| manager.open_trade()))
        .collect();
    let closer = crate::actors::spawn("closer", &manager, move |manager| manager.close_at_loss());
    crate::actors::join_all(traders);
    closer.join();
    manager.check();
}

/// The circuit-breaker race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "circuit-breaker",
        title: "trades open on a stream while a loss kills it",
        source: "\"Circuit Breaker Race Condition Fix (v44.x)\" (Dec 27, 2025), Problem, Root Cause, Solution 1 and 2",
        variants: Variant::NAMES,
        threads: 4,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};
