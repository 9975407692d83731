//! # Emergency stop: the tick thread "protects" a position the polling thread is protecting
//! (“Critical Threading Fixes for Live Trading”, RACE #6, with #8 and #10)
//!
//! The 80/20 bot's WebSocket thread (`process_tick`) has an emergency check: a position with no
//! `stop_loss` or no `sl_order_id` gets an emergency stop-loss (`calculate_emergency_sl()`, wider
//! than the strategy's stop) and an emergency stop order. The polling thread is what notices
//! that the entry filled (RACE #10's order-status check): it sets `in_position` and then places
//! the strategy's stop (`place_or_update_sell_stop`, RACE #8). Between the two, the tick thread
//! sees a position with no stop — and places its own. The write-up: "'Emergency SL Order
//! Placed' spam".
//!
//! ## Actors
//! - `poll`: finds the entry order filled, marks the position, places the stop at `stop_price`.
//! - `tick`: runs the emergency check on each of `ticks` ticks.
//!
//! ## Variants
//! - `before`: every field is read and written one attribute at a time with no lock.
//! - `documented-fix`: the write-up's code as shown. RACE #6: `should_check_emergency`,
//!   `stop_loss_missing` and `sl_order_missing` read under `_state_lock`; `emergency_sl` computed
//!   outside; `self.stop_loss = emergency_sl` written under the lock *without re-checking*. The
//!   snippet computes `sl_order_missing` but does not show its use; we read it as the old code's
//!   emergency order: when missing, place a stop at the emergency level outside the lock and
//!   record `sl_order_id` under the lock (the charitable place for the write). RACE #8: the
//!   checks and the copy of `sl_order_id` under the lock, the place-or-modify outside, and
//!   (not shown; charitably) `sl_order_id` and `stop_loss` recorded under the lock. RACE #10:
//!   the entry id copied under the lock, the status asked outside, `in_position` set under it.
//!   Every decision is made on a copy that is stale by the time it is acted on.
//! - `correct-fix`: a stop placement is *reserved* under the lock (`sl_order_id` becomes
//!   "placing") in the same critical section that decides to place it; the polling thread marks
//!   the position and reserves its stop in one critical section, so no one sees a position
//!   without a stop in flight; a stop price is written only if it does not lower the one there.
//!
//! ## Invariants
//! - At most one live stop order per position, and it is the one the bot tracks.
//! - The internal `stop_loss` is never overwritten by a lower emergency value.
//!
//! Race window: the tick thread inside its emergency check while the polling thread is between
//! marking the position and recording its stop.

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::Arc;
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::bot80_20::{Slot, State, Style, SymbolState};
use crate::listed::Listed;
use crate::variants::Variant;
use crate::world::{Behaviour, Kind, OrderId, Price, Side, SimBroker, Status};

const INVARIANT_ONE_STOP: &str = "at most one live stop order per position";
const INVARIANT_TRACKED: &str = "the live stop order is the one the bot tracks";
const INVARIANT_NOT_LOWERED: &str = "stop_loss is never overwritten by a lower emergency value";
const WINDOW: &str = "emergency check while the poll places the stop";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// The entry price (the entry order has filled there).
    entry_price: Price,
    /// The strategy's stop, placed by the polling thread.
    stop_price: Price,
    /// `calculate_emergency_sl()`: the entry price less this distance.
    emergency_distance: Price,
    /// How many ticks the WebSocket thread processes.
    ticks: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            symbol: "ABC".into(),
            entry_price: Price(10_000),
            stop_price: Price(9_900),
            emergency_distance: Price(200),
            ticks: 2,
        }
    }
}

impl harness::race::Params for Params {}

/// One symbol's bot: its state behind `_state_lock`, and the broker.
struct Bot {
    variant: Variant,
    params: Arc<Params>,
    state: State<Option<OrderId>, Slot>,
    broker: SimBroker,
    window: Overlap,
}

impl Bot {
    /// Writes the emergency `stop_loss`, checking it lowers nothing (the caller holds the lock).
    fn write_emergency_sl(s: &mut SymbolState<Option<OrderId>, Slot>, emergency_sl: Price) {
        harness::ensure!(
            s.stop_loss.is_none_or(|sl| emergency_sl >= sl),
            INVARIANT_NOT_LOWERED,
            "emergency {emergency_sl} overwrites stop_loss {:?}",
            s.stop_loss
        );
        s.stop_loss = Some(emergency_sl);
        tracing::info!("writes stop_loss = {emergency_sl} (emergency)");
    }

    /// `process_tick`: the emergency SL check (RACE #6).
    fn process_tick(&self) {
        let _inside = self.window.enter();
        let emergency_sl = self.params.entry_price.0 - self.params.emergency_distance.0;
        let emergency_sl = Price(emergency_sl);
        let sl_order_missing = match self.variant {
            Variant::Before => {
                if !self.state.read("in_position", |s| s.in_position) {
                    return;
                }
                if self.state.read("stop_loss", |s| s.stop_loss).is_none() {
                    Self::write_emergency_sl(&mut self.state.lock(), emergency_sl);
                }
                self.state.read("sl_order_id", |s| s.sl_order_id) == Slot::None
            }
            Variant::DocumentedFix => {
                let (stop_loss_missing, sl_order_missing) = {
                    let s = self.state.lock();
                    let check = s.in_position;
                    let flags = (check && s.stop_loss.is_none(), check && s.sl_order_id == Slot::None);
                    tracing::info!("under lock: in_position = {check}, (stop_loss, sl_order) missing = {flags:?}");
                    flags
                };
                if stop_loss_missing {
                    Self::write_emergency_sl(&mut self.state.lock(), emergency_sl);
                }
                sl_order_missing
            }
            Variant::CorrectFix => {
                let mut s = self.state.lock();
                let missing = s.in_position && s.sl_order_id == Slot::None;
                if missing {
                    s.sl_order_id = Slot::Placing;
                }
                tracing::info!("under lock: sl_order missing = {missing} ({:?})", s.sl_order_id);
                missing
            }
        };
        if !sl_order_missing {
            return;
        }
        let placed = self.broker.place(&self.params.symbol, Kind::Stop, Side::Sell, 1, Some(emergency_sl));
        let Ok(id) = placed else { return };
        tracing::info!("Emergency SL Order Placed: {id} @ {emergency_sl}");
        let mut s = self.state.lock();
        s.sl_order_id = Slot::Order(id);
        tracing::info!("writes sl_order_id = {id}");
        if self.variant == Variant::CorrectFix && s.stop_loss.is_none() {
            Self::write_emergency_sl(&mut s, emergency_sl);
        }
    }

    /// `poll_orders_and_positions`: the entry order's status (RACE #10), then the stop.
    fn poll(&self) {
        let Some(id) = self.state.order_to_check(self.variant != Variant::Before) else { return };
        if self.broker.status(id) != Some(Status::Filled) {
            return;
        }
        let _inside = self.window.enter();
        if self.variant != Variant::CorrectFix {
            let mut s = self.state.lock();
            s.in_position = true;
            s.entry_order_id = None;
            drop(s);
            tracing::info!("entry {id} filled: writes in_position = true, entry_order_id = None");
            self.place_or_update_sell_stop(self.params.stop_price);
            return;
        }
        let current = {
            let mut s = self.state.lock();
            s.in_position = true;
            s.entry_order_id = None;
            let current = s.sl_order_id;
            if current == Slot::None {
                s.sl_order_id = Slot::Placing;
            }
            tracing::info!("entry {id} filled: under one lock, in_position = true, stop was {current:?}");
            current
        };
        match current {
            Slot::Placing => tracing::info!("a stop is in flight: the next poll moves it"),
            _ => self.place_stop(current, self.params.stop_price),
        }
    }

    /// `place_or_update_sell_stop` (RACE #8): the checks, then place the stop or move the one
    /// there.
    fn place_or_update_sell_stop(&self, new_stop: Price) {
        let Some(current) = self.state.sl_order_to_update(self.variant != Variant::Before, new_stop) else {
            return;
        };
        self.place_stop(current, new_stop);
    }

    /// Places the stop at `new_stop` (or modifies `current`), then records it.
    fn place_stop(&self, current: Slot, new_stop: Price) {
        let placed = match current {
            Slot::Order(id) => self.broker.modify(id, new_stop).map(|()| id),
            Slot::None | Slot::Placing => {
                self.broker.place(&self.params.symbol, Kind::Stop, Side::Sell, 1, Some(new_stop))
            }
        };
        let Ok(id) = placed else { return };
        if self.variant == Variant::Before {
            self.state.lock().sl_order_id = Slot::Order(id);
            self.state.lock().stop_loss = Some(new_stop);
            tracing::info!("writes sl_order_id = {id}; writes stop_loss = {new_stop}");
            return;
        }
        let mut s = self.state.lock();
        s.sl_order_id = Slot::Order(id);
        if self.variant == Variant::CorrectFix && s.stop_loss.is_some_and(|sl| sl > new_stop) {
            tracing::info!("under lock: writes sl_order_id = {id}; keeps the higher stop_loss");
            return;
        }
        s.stop_loss = Some(new_stop);
        tracing::info!("under lock: writes sl_order_id = {id}, stop_loss = {new_stop}");
    }

    /// Checks the stop-order invariants against the broker's ledger.
    fn check(&self) {
        let symbol = &self.params.symbol;
        let live = self.broker.live_orders(Kind::Stop, symbol);
        harness::ensure!(
            live.len() <= 1,
            INVARIANT_ONE_STOP,
            "{} live stop orders for {symbol} ({}) on a position of {}",
            live.len(),
            Listed(&live),
            self.broker.position(symbol)
        );
        let tracked = self.state.lock().sl_order_id;
        for id in live {
            harness::ensure!(
                tracked == Slot::Order(id),
                INVARIANT_TRACKED,
                "live stop {id} for {symbol} is untracked (sl_order_id = {tracked:?})"
            );
        }
    }
}

/// One execution: an entry that has just filled, a polling thread and a tick thread.
fn execution(variant: Variant, params: &Arc<Params>) {
    let p = params;
    let broker = SimBroker::new(Behaviour::default());
    let entry = crate::bot80_20::send_buy_stop(&broker, &p.symbol, p.entry_price).expect("entry accepted");
    broker.fill(entry, 1);
    let bot = Arc::new(Bot {
        variant,
        params: Arc::clone(p),
        state: State::new(SymbolState { entry_order_id: Some(entry), ..SymbolState::default() }, Style::Debug),
        broker,
        window: Overlap::new(WINDOW, 2),
    });
    let poll = crate::actors::spawn("poll", &bot, move |bot| bot.poll());
    let tick = crate::actors::spawn("tick", &bot, move |bot| {
        for _ in 0..bot.params.ticks {
            bot.process_tick();
        }
    });
    poll.join();
    tick.join();
    bot.check();
}

/// The emergency-stop race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "emergency-stop",
        title: "tick emergency stop and polling stop placement both protect a new position",
        source: "\"Critical Threading Fixes for Live Trading\" (Nov 14, 2025), RACE #6 (with #8, #10)",
        variants: Variant::NAMES,
        threads: 2,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};
