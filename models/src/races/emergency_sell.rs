//! # Emergency sell: the forced stop-loss sells what a normal exit is selling (“Concurrency & State Synchronization Fix”, Fix #4, #5)
//!
//! NIJA's `forced_stop_loss.force_sell_position(symbol, quantity)` sells a position at market
//! when its loss passes the hard stop. It holds only the broker: it shares no lock and no state
//! with `execution_engine.execute_exit`, which may be selling the same position at that moment.
//! The write-up's root cause is "execution engine faster than broker state sync"; its problems
//! include "emergency sells bypassed balance validation" and "orphaned positions triggered
//! incorrect sell attempts". Fix #4 refreshes the balances before the emergency sell
//! (`get_account_balance()`, `get_positions()`) and aborts when the broker reports none of the
//! asset; Fix #5 sells what the broker reports when that is less than asked ("orphan position").
//!
//! ## Actors
//! - `exit`: the engine's normal exit of the whole position (`execute_exit`): reads
//!   `self.positions[symbol]`, sells it, flushes it.
//! - `forced-stop`: the stop-loss monitor reads the engine's position (the quantity it passes to
//!   `force_sell_position`; reading it from the engine is our reading — the write-up does not
//!   show the caller), and, if there is one, calls `force_sell_position(symbol, quantity)`.
//! - `broker-sync` (with `lagging_positions`): the broker's state sync. Until it runs,
//!   `get_positions()` reports the holdings as they were before any sale filled.
//!
//! ## Variants
//! - `before`: `force_sell_position` sells `quantity` with no balance check; `execute_exit` as in
//!   the write-up's "Before" code (no guard).
//! - `documented-fix`: Fix #4 and #5 as shown: `available = get_positions()[symbol]`; 0 → abort;
//!   less than `quantity` → sell `available`. (`get_account_balance()` is not modelled: the shown
//!   code never uses its value.) `execute_exit` carries Fix #1 and #2: it claims the symbol in
//!   `closing_positions`, sells, flushes, releases (`active_exit_orders` changes nothing here:
//!   the forced path reads neither set). The refresh is a check-then-act on state that another
//!   thread is changing, read from a view that may lag: the exit's sale can land after the
//!   refresh or before the sync, and `force_sell_position` updates no engine state, so an exit
//!   that starts after the emergency sell sells the position again.
//! - `correct-fix`: the forced path joins the engine's protocol: it claims the symbol in
//!   `closing_positions` (claimed → an exit is already selling it: skip), re-reads the engine's
//!   position under the claim, sells `min(engine position, broker-reported position)` (0 →
//!   abort), records the sale in the engine's position, and releases the claim. Under the claim
//!   the engine's own state is exact for its own sales — the broker's view may only lag behind
//!   them, never ahead — and the broker's view still catches orphans that sold elsewhere. On
//!   both paths a sell that timed out is settled with the broker before the claim is released
//!   (see "Broker faults").
//!
//! ## Invariant
//! Never sell more than is held: the broker's position in the symbol never goes below zero.
//!
//! Race window: the exit and the forced stop-loss both inside their attempt (from the first
//! read of the position to the return) at once.
//!
//! ## Broker faults
//! The write-up's system faces a broker state sync slower than the engine (`lagging_positions`,
//! on in scenario `emergency-sell`) and sells whose fate is unconfirmed (Fix #1: "Unlock only
//! after: Confirmed rejection OR Confirmed failure OR Final settlement"). Scenario
//! `emergency-sell-timeout` (`timeouts = 1`): the first sell times out after the broker filled
//! it. Taken for a failed sell, it is never recorded in the engine's position, and the other
//! path sells the position again. `correct-fix` follows the rule instead: a timed-out sell is
//! unconfirmed, so, still under the claim, the path asks the broker for its net position (the
//! final settlement: a market order's fill is done when the broker answers; not
//! `get_positions()`, which lags), records what the broker sold, and only then releases the
//! claim. Under the claim no other path sells, so the difference is this sale's outcome.

use std::collections::{BTreeMap, BTreeSet};

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::{Arc, Mutex};
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::variants::Variant;
use crate::world::{Behaviour, Kind, OrderId, Refused, Side, SimBroker};

const INVARIANT: &str = "never sell more than is held";
const WINDOW: &str = "forced stop-loss and normal exit at once";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// Units held, by the account and by the engine.
    size: u64,
    /// The broker's reported positions lag its fills until its state sync runs.
    lagging_positions: bool,
    /// Broker faults: the first `rejects` sells are rejected; the next `timeouts` time out after
    /// they filled.
    rejects: u32,
    timeouts: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self { symbol: "BTC-USD".into(), size: 100, lagging_positions: true, rejects: 0, timeouts: 0 }
    }
}

impl harness::race::Params for Params {}

/// The execution engine's state and the forced stop-loss, for the one symbol.
struct Bot {
    variant: Variant,
    params: Arc<Params>,
    /// The engine's `self.positions`: units held per symbol.
    positions: Mutex<BTreeMap<String, u64>>,
    /// `_closing_lock` and `closing_positions`.
    closing: Mutex<BTreeSet<String>>,
    broker: SimBroker,
    attempts: Overlap,
}

impl Bot {
    /// The engine's position, `None` when flushed.
    fn engine_position(&self) -> Option<u64> {
        let qty = self.positions.lock().get(&self.params.symbol).copied();
        tracing::info!("engine position: {}", qty.map_or("none".into(), |q| q.to_string()));
        qty
    }

    /// Records a sale of `qty` in the engine's position; flushes it when nothing remains.
    fn record_sale(&self, qty: u64) {
        let sym = &self.params.symbol;
        let mut positions = self.positions.lock();
        if let Some(held) = positions.get_mut(sym) {
            *held = held.saturating_sub(qty);
            if *held == 0 {
                positions.remove(sym);
                tracing::info!("FLUSHING POSITION STATE: {sym}");
            }
        }
    }

    /// Check-and-add in `closing_positions` under `_closing_lock`.
    fn claim(&self) -> bool {
        let sym = &self.params.symbol;
        let mut closing = self.closing.lock();
        if !closing.insert(sym.clone()) {
            tracing::info!("{sym} already in closing_positions: skips");
            return false;
        }
        tracing::info!("adds {sym} to closing_positions");
        true
    }

    fn release(&self) {
        tracing::info!("discards {} from closing_positions", self.params.symbol);
        self.closing.lock().remove(&self.params.symbol);
    }

    fn sell(&self, qty: u64) -> Result<OrderId, Refused> {
        self.broker.place(&self.params.symbol, Kind::Market, Side::Sell, qty, None)
    }

    /// Sells `qty` and records the sale in the engine's position; with `correct-fix`, a sell
    /// that timed out is settled with the broker.
    fn sell_and_record(&self, qty: u64) {
        match self.sell(qty) {
            Ok(_) => self.record_sale(qty),
            Err(Refused::TimedOut) if self.variant == Variant::CorrectFix => self.settle(),
            Err(_) => {}
        }
    }

    /// `correct-fix`, after a sell that timed out, still under the claim: the order may have
    /// filled, so the claim is not released on a guess. The broker's net position (settled, not
    /// the lagging report) says what sold: the engine records the difference.
    fn settle(&self) {
        let sym = &self.params.symbol;
        let held = self.broker.position(sym).max(0) as u64;
        tracing::info!("sell timed out: settles with the broker, which holds {held} {sym}");
        let sold = self.positions.lock().get(sym).map_or(0, |&engine| engine.saturating_sub(held));
        self.record_sale(sold);
    }

    /// The engine's normal exit of the whole position.
    fn execute_exit(&self) {
        let _attempt = self.attempts.enter();
        let guarded = self.variant != Variant::Before;
        if guarded && !self.claim() {
            return;
        }
        if let Some(qty) = self.engine_position() {
            self.sell_and_record(qty);
        }
        if guarded {
            self.release();
        }
    }

    /// The stop-loss monitor: the hard stop is hit; force-sell what the engine holds.
    fn stop_loss_triggered(&self) {
        let _attempt = self.attempts.enter();
        if self.variant == Variant::CorrectFix {
            self.force_sell_claimed();
            return;
        }
        let Some(quantity) = self.engine_position() else {
            return;
        };
        self.force_sell_position(quantity);
    }

    /// `force_sell_position(symbol, quantity)`, `before` and `documented-fix`.
    fn force_sell_position(&self, mut quantity: u64) {
        let sym = &self.params.symbol;
        tracing::info!("EMERGENCY EXIT MODE: {quantity} {sym}");
        if self.variant == Variant::DocumentedFix {
            let available = self.broker.reported_position(sym).max(0) as u64;
            tracing::info!("FIX #4: broker reports {available} {sym} available");
            if available == 0 {
                tracing::info!("ABORT EXIT: no balance available");
                return;
            }
            if available < quantity {
                tracing::info!("FIX #5: orphan: adjusts {quantity} to {available}");
                quantity = available;
            }
        }
        let _ = self.sell(quantity);
    }

    /// `correct-fix`: the forced sale under the engine's claim.
    fn force_sell_claimed(&self) {
        let sym = &self.params.symbol;
        if !self.claim() {
            return;
        }
        if let Some(engine) = self.engine_position() {
            let available = self.broker.reported_position(sym).max(0) as u64;
            let qty = engine.min(available);
            tracing::info!("broker reports {available}; sells min({engine}, {available}) = {qty}");
            if qty > 0 {
                self.sell_and_record(qty);
            }
        }
        self.release();
    }

    /// Checks the invariant against the broker.
    fn check(&self) {
        if let Some(oversold) = self.broker.oversold(&self.params.symbol, self.params.size) {
            harness::violated(INVARIANT, oversold);
        }
    }
}

/// One execution: a held position, the normal exit, the forced stop-loss, the broker's sync.
fn execution(variant: Variant, params: &Arc<Params>) {
    let broker = SimBroker::new(Behaviour {
        fill_market_on_arrival: true,
        lagging_positions: params.lagging_positions,
        rejects: params.rejects,
        timeouts: params.timeouts,
        ..Behaviour::default()
    });
    broker.hold(&params.symbol, params.size);
    let bot = Arc::new(Bot {
        variant,
        params: Arc::clone(params),
        positions: Mutex::new(BTreeMap::from([(params.symbol.clone(), params.size)])),
        closing: Mutex::new(BTreeSet::new()),
        broker,
        attempts: Overlap::new(WINDOW, 2),
    });
    let exit = crate::actors::spawn("exit", &bot, move |bot| bot.execute_exit());
    let forced = crate::actors::spawn("forced-stop", &bot, move |bot| bot.stop_loss_triggered());
    let sync = params
        .lagging_positions
        .then(|| crate::actors::spawn("broker-sync", &bot, move |bot| bot.broker.sync_positions()));
    exit.join();
    forced.join();
    if let Some(sync) = sync {
        sync.join();
    }
    bot.check();
}

/// The emergency-sell race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "emergency-sell",
        title: "the forced stop-loss sells while a normal exit sells",
        source: "\"Concurrency & State Synchronization Fix - Implementation Summary\" (Jan 28, 2026), Problem Statement, Fix #4, Fix #5",
        variants: Variant::NAMES,
        threads: 3,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};
