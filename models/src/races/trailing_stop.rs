//! # Trailing stop: the broker's stop ends below the stop the bot trailed up (“Critical Threading Fixes for Live Trading”, RACE #2
//! and #8)
//!
//! The 80/20 bot trails its stop-loss: on each tick its WebSocket thread (`process_tick`)
//! computes `new_sl` from the last price and, when it is higher, moves the protective sell-stop
//! at the broker (`place_or_update_sell_stop`, RACE #8) and the internal `stop_loss` (RACE #2).
//! The polling thread (`poll_orders_and_positions`) also looks after the stop: when the position
//! has no stop order (the broker rejected the last one, the write-up's "Stoploss orders failing
//! with precision errors → Unprotected positions"), it places one at the internal `stop_loss`.
//! Two paths write the broker's stop, each from a copy of the state it read earlier: the poll
//! can place a stop at the old level after the tick trailed it up, and each path can place its
//! own stop order.
//!
//! ## Actors
//! - `tick`: processes `ticks` last prices; each trails the stop to `ltp - trail`.
//! - `poll`: one polling round: places the missing stop at the `stop_loss` it read.
//!
//! The position is open, the internal stop at `stop_loss`, and there is no live stop order (the
//! broker rejected the last one): both paths will write the broker's stop.
//!
//! ## Variants
//! - `before`: the old code. Fields are read one attribute at a time with no lock (one read is
//!   atomic under the GIL, nothing more); `stop_loss` and `sl_order_id` are written unlocked.
//! - `documented-fix`: the write-up's code as shown. RACE #2: `should_trail` and `current_sl`
//!   read under `_state_lock`, `new_sl` computed outside, and under the lock again `stop_loss`
//!   written only if `new_sl > self.stop_loss`. RACE #8: `in_position`, the guard
//!   `new_stop == self.stop_loss` and the copy `current_sl_order_id` under the lock, the modify
//!   or place outside it with the copied id, and (not shown; charitably) the new `sl_order_id`
//!   recorded under the lock. RACE #2's snippet does not show where the trail reaches the
//!   broker: we read it as `place_or_update_sell_stop(new_sl)` *before* the locked write of
//!   `stop_loss`, since after it #8's guard would see `new_stop == self.stop_loss` and never
//!   move the broker's stop. The polling thread's stop handling is not shown either; it uses
//!   the write-up's pattern: `sl_order_missing` and the price copied under the lock, the place
//!   outside, `sl_order_id` recorded under the lock.
//! - `correct-fix`: a second lock, `_stop_lock`, serialises every change of the protective stop
//!   (decide, broker call, record `sl_order_id` and `stop_loss`). It is held across the broker
//!   call, but only the two stop paths wait on it; `_state_lock` stays as short as the write-up
//!   wants. Under it, the state a path read cannot go stale before it acts.
//!
//! ## Invariants
//! - The broker's stop is never below the internal stop: at the end there is a live stop order,
//!   and none is below `stop_loss`.
//! - The live stop orders never sell more than the position holds.
//! - The internal `stop_loss` never moves down (checked at every write). Only the tick writes
//!   it here, so this one holds in every variant; it keeps a fix from buying safety by lowering it.
//!
//! Race window: the tick thread trailing the stop while the polling thread is placing one.

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::{Arc, Mutex};
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::bot80_20::{Shown, State, Style, SymbolState};
use crate::variants::Variant;
use crate::world::{Behaviour, Kind, OrderId, Price, Side, SimBroker, Status};

const INVARIANT_BELOW: &str = "the broker's stop is never below the internal stop";
const INVARIANT_QTY: &str = "live stop orders never sell more than the position";
const INVARIANT_UP: &str = "the internal stop never moves down";
const WINDOW: &str = "tick trailing the stop while poll places it";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// The internal stop when the execution starts.
    stop_loss: Price,
    /// `calculate_new_sl()`: the last price less this distance.
    trail: Price,
    /// The last traded price in each tick the WebSocket thread processes.
    ticks: Vec<Price>,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            symbol: "ABC".into(),
            stop_loss: Price(10_000),
            trail: Price(100),
            ticks: vec![Price(10_300), Price(10_400)],
        }
    }
}

impl harness::race::Params for Params {}

/// One symbol's bot: its state behind `_state_lock`, the correct fix's `_stop_lock`, the broker.
struct Bot {
    variant: Variant,
    params: Arc<Params>,
    state: State,
    stop_lock: Mutex<()>,
    broker: SimBroker,
    window: Overlap,
}

impl Bot {
    /// Writes the internal stop, checking it does not move down (the caller holds the lock).
    fn write_stop_loss(s: &mut SymbolState, new_sl: Price) {
        harness::ensure!(
            s.stop_loss.is_none_or(|sl| new_sl >= sl),
            INVARIANT_UP,
            "stop_loss {} overwritten by {new_sl}",
            s.stop_loss.shown()
        );
        s.stop_loss = Some(new_sl);
        tracing::info!("writes stop_loss = {new_sl}");
    }

    /// Moves the broker's stop: modifies `current`, or places a new stop when there is none.
    fn send_stop(&self, current: Option<OrderId>, price: Price) -> Option<OrderId> {
        match current {
            Some(id) => self.broker.modify(id, price).ok().map(|()| id),
            None => self.broker.place(&self.params.symbol, Kind::Stop, Side::Sell, 1, Some(price)).ok(),
        }
    }

    /// `process_tick`: trail the stop (RACE #2) through `place_or_update_sell_stop` (RACE #8).
    fn process_tick(&self, ltp: Price) {
        let _inside = self.window.enter();
        let new_sl = Price(ltp.0 - self.params.trail.0);
        match self.variant {
            Variant::Before => {
                if !self.state.read("in_position", |s| s.in_position) {
                    return;
                }
                let Some(current_sl) = self.state.read("stop_loss", |s| s.stop_loss) else { return };
                if new_sl > current_sl {
                    self.place_or_update_sell_stop(new_sl);
                    Self::write_stop_loss(&mut self.state.lock(), new_sl);
                }
            }
            Variant::DocumentedFix => {
                let (should_trail, current_sl) = {
                    let s = self.state.lock();
                    tracing::info!("under lock: in_position = {}, stop_loss = {}", s.in_position, s.stop_loss.shown());
                    (s.in_position && s.stop_loss.is_some(), s.stop_loss)
                };
                if should_trail && current_sl.is_some_and(|sl| new_sl > sl) {
                    tracing::info!("ltp {ltp}: trails to {new_sl}");
                    self.place_or_update_sell_stop(new_sl);
                    let mut s = self.state.lock();
                    if s.stop_loss.is_some_and(|sl| new_sl > sl) {
                        Self::write_stop_loss(&mut s, new_sl);
                    }
                }
            }
            Variant::CorrectFix => {
                let _stop = self.stop_lock.lock();
                let (should_trail, current_sl, current) = {
                    let s = self.state.lock();
                    tracing::info!(
                        "under both locks: stop_loss = {}, sl_order_id = {}",
                        s.stop_loss.shown(),
                        s.sl_order_id.shown()
                    );
                    (s.in_position && s.stop_loss.is_some(), s.stop_loss, s.sl_order_id)
                };
                if should_trail && current_sl.is_some_and(|sl| new_sl > sl) {
                    tracing::info!("ltp {ltp}: trails to {new_sl}");
                    let Some(id) = self.send_stop(current, new_sl) else { return };
                    let mut s = self.state.lock();
                    s.sl_order_id = Some(id);
                    Self::write_stop_loss(&mut s, new_sl);
                }
            }
        }
    }

    /// `place_or_update_sell_stop` (RACE #8): the checks, then modify the stop or place one.
    fn place_or_update_sell_stop(&self, new_stop: Price) {
        let Some(current) = self.state.sl_order_to_update(self.variant != Variant::Before, new_stop) else {
            return;
        };
        let placed = self.send_stop(current, new_stop).filter(|_| current.is_none());
        if let Some(id) = placed {
            self.state.lock().sl_order_id = Some(id);
            tracing::info!("placed {id}: writes sl_order_id = {id}");
        }
    }

    /// `poll_orders_and_positions`: place the missing stop at the internal stop.
    fn poll(&self) {
        let _inside = self.window.enter();
        let _stop = (self.variant == Variant::CorrectFix).then(|| self.stop_lock.lock());
        let stop = match self.variant {
            Variant::Before => {
                let missing = self.state.read("in_position", |s| s.in_position)
                    && self.state.read("sl_order_id", |s| s.sl_order_id).is_none();
                if missing {
                    self.state.read("stop_loss", |s| s.stop_loss)
                } else {
                    None
                }
            }
            Variant::DocumentedFix | Variant::CorrectFix => {
                let s = self.state.lock();
                let missing = s.in_position && s.sl_order_id.is_none();
                tracing::info!("under lock: sl_order_missing = {missing}, stop_loss = {}", s.stop_loss.shown());
                s.stop_loss.filter(|_| missing)
            }
        };
        let Some(stop) = stop else { return };
        if let Some(id) = self.send_stop(None, stop) {
            self.state.lock().sl_order_id = Some(id);
            tracing::info!("stop was missing: placed {id} @ {stop}, writes sl_order_id = {id}");
        }
    }

    /// Checks the broker's stop orders against the internal stop and the position.
    fn check(&self) {
        let symbol = &self.params.symbol;
        let stops: Vec<(OrderId, Price)> = self
            .broker
            .orders()
            .into_iter()
            .filter(|o| o.kind == Kind::Stop && &o.symbol == symbol && o.status == Status::Live)
            .filter_map(|o| Some((o.id, o.price?)))
            .collect();
        let shown: Vec<String> = stops.iter().map(|(id, p)| format!("{id} @ {p}")).collect();
        let shown = if shown.is_empty() { "none".into() } else { shown.join(", ") };
        let internal = self.state.lock().stop_loss;
        harness::ensure!(
            !stops.is_empty() && stops.iter().all(|&(_, p)| internal.is_none_or(|sl| p >= sl)),
            INVARIANT_BELOW,
            "live stops for {symbol}: {shown}; internal stop_loss {}",
            internal.shown()
        );
        let position = self.broker.position(symbol);
        harness::ensure!(
            stops.len() as i64 <= position,
            INVARIANT_QTY,
            "live stops for {symbol}: {shown}; position {position}"
        );
    }
}

/// One execution: an open position whose stop order is missing, a tick thread, a polling thread.
fn execution(variant: Variant, params: &Arc<Params>) {
    let p = params;
    let broker = SimBroker::new(Behaviour::default());
    let entry = broker.place(&p.symbol, Kind::Entry, Side::Buy, 1, None).expect("entry accepted");
    broker.fill(entry, 1);
    let bot = Arc::new(Bot {
        variant,
        params: Arc::clone(p),
        state: State::new(
            SymbolState { in_position: true, stop_loss: Some(p.stop_loss), ..SymbolState::default() },
            Style::Shown,
        ),
        stop_lock: Mutex::new(()),
        broker,
        window: Overlap::new(WINDOW, 2),
    });
    let tick = crate::actors::spawn("tick", &bot, move |bot| {
        for &ltp in &bot.params.ticks {
            bot.process_tick(ltp);
        }
    });
    let poll = crate::actors::spawn("poll", &bot, move |bot| bot.poll());
    tick.join();
    poll.join();
    bot.check();
}

/// The trailing-stop race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "trailing-stop",
        title: "tick trails the stop up while polling places it at the old level",
        source: "\"Critical Threading Fixes for Live Trading\" (Nov 14, 2025), RACE #2 and #8",
        variants: Variant::NAMES,
        threads: 2,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};
