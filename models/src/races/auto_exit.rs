//! # Auto-exit: the bot sells the position the stop-loss already sold (“Critical Threading Fixes for Live Trading”, RACE #5)
//!
//! Before the close (`ts >= exit_cutoff`) the 80/20 bot's WebSocket thread (`process_tick`)
//! exits an open position: it cancels the protective sell-stop (`sl_order_id`) and sells the
//! position at market. Meanwhile the market keeps moving: the broker may fill that very stop.
//! The write-up's RACE #5 snippet shows the cancel and the clearing of `sl_order_id`; the exit
//! with a market sell is "the surrounding code" (lines 224-236) that the snippet cuts off.
//!
//! ## Actors
//! - `tick`: the WebSocket thread. Before each tick in `ticks` (times as `HHMM`) it handles the
//!   order updates that have arrived (`on_order_update`: a filled stop means the position is
//!   gone); then it advances the simulated clock and, at or after `exit_cutoff`, runs the
//!   auto-exit.
//! - `market`: the price falls through the stop; the broker fills the resting stop
//!   (`SimBroker::fill`, `stop_fill` shares of it), and the fill's order update is sent to the
//!   bot. It arrives on the WebSocket thread — the `tick` thread itself — so a fill the bot has
//!   heard of before its auto-exit stops the exit; a fill whose update is still in flight can be
//!   learnt only from the broker's answers.
//!
//! ## Variants
//! - `before`: the old code. `in_position` and `sl_order_id` are read one attribute at a time with
//!   no lock; the cancel's result is ignored; the position is sold at market.
//! - `documented-fix`: the write-up's fix as shown: `should_auto_exit` and `sl_to_cancel` copied
//!   under `_state_lock`, the cancel outside the lock, `sl_order_id` cleared only when `cancelled`
//!   and unchanged. The snippet does not say what happens when the cancel fails because the stop
//!   already filled; we take the reading that the exit proceeds as in the surrounding code (the
//!   market sell follows the `if sl_to_cancel:` block whatever `cancelled` is), since nothing in
//!   the snippet returns early. The fix protects `sl_order_id` from the other *thread*; the race
//!   here is with the *broker*, so the fix does not hold: a refused cancel means the stop filled,
//!   and the market sell then sells a position that is no longer held.
//! - `correct-fix`: cancel the stop first, then ask the broker for the position and sell exactly
//!   what is held (nothing when the stop filled). Once the cancel has answered, the stop can no
//!   longer fill, so the position the broker reports cannot change under the sell; this also
//!   covers a stop that filled in part before the cancel. (It reads the broker's net position,
//!   `SimBroker::position`; against a lagging position report it would have to take the stop's
//!   filled quantity from the order's status instead.)
//!
//! ## Invariants
//! - Never sell more than is held: the broker position never goes below zero (no double exit).
//! - No position is left unprotected: when the actors are done, any shares still held are covered
//!   by a live stop at the broker (a fix that skipped the exit wrongly, or cancelled the stop
//!   and then sold nothing while shares were held, breaks it).
//!
//! Race window: the tick thread inside a tick (from handling the updates that have arrived to its
//! market sell) while the stop's fill is in flight (filled at the broker, its update not yet
//! delivered).

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::atomic::{AtomicU64, Ordering};
use harness::sync::{Arc, Mutex};
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::bot80_20::{State, Style, SymbolState};
use crate::variants::Variant;
use crate::world::{Behaviour, Kind, OrderId, Price, Side, SimBroker, Status};

const INVARIANT_OVERSELL: &str = "never sell more than is held";
const INVARIANT_PROTECTED: &str = "no held position without a live stop";
const WINDOW: &str = "tick exiting while the stop fills";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// Shares held (entry filled) and covered by the stop.
    qty: u64,
    /// The protective stop's price.
    stop_price: Price,
    /// The times (`HHMM`) of the ticks the WebSocket thread processes.
    ticks: Vec<u64>,
    /// The auto-exit cutoff (`HHMM`).
    exit_cutoff: u64,
    /// How many shares of the stop the market fills.
    stop_fill: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            symbol: "ABC".into(),
            qty: 1,
            stop_price: Price(9_900),
            ticks: vec![1515],
            exit_cutoff: 1515,
            stop_fill: 1,
        }
    }
}

impl harness::race::Params for Params {}

/// An order update as the WebSocket delivers it: the order, and its new status.
type Update = (OrderId, Status);

/// One symbol's bot: its state behind `_state_lock`, the clock, and the broker.
struct Bot {
    variant: Variant,
    params: Arc<Params>,
    state: State,
    /// The simulated clock (`HHMM`), advanced by the tick thread.
    clock: AtomicU64,
    /// Order updates sent by the broker, not yet handled by the WebSocket thread.
    updates: Mutex<Vec<Update>>,
    broker: SimBroker,
    window: Overlap,
}

impl Bot {
    /// `on_order_update` for every update that has arrived: a filled stop closes the position.
    fn on_order_updates(&self) {
        let updates = std::mem::take(&mut *self.updates.lock());
        for (id, status) in updates {
            let stop_filled = match self.variant {
                Variant::Before => {
                    status == Status::Filled && self.state.read("sl_order_id", |s| s.sl_order_id) == Some(id)
                }
                Variant::DocumentedFix | Variant::CorrectFix => {
                    status == Status::Filled && self.state.lock().sl_order_id == Some(id)
                }
            };
            tracing::info!("on_order_update({id}, {status:?}): stop filled = {stop_filled}");
            if stop_filled {
                let mut s = self.state.lock();
                s.in_position = false;
                s.sl_order_id = None;
                s.qty = 0;
                tracing::info!("writes in_position = false, sl_order_id = None");
            }
        }
    }

    /// `process_tick` at time `ts`: the auto-exit before the close (RACE #5).
    fn process_tick(&self, ts: u64) {
        self.clock.store(ts, Ordering::SeqCst);
        let ts = self.clock.load(Ordering::SeqCst);
        let cutoff = self.params.exit_cutoff;
        let (should_auto_exit, sl_to_cancel) = match self.variant {
            Variant::Before => {
                let should = self.state.read("in_position", |s| s.in_position) && ts >= cutoff;
                let sl = if should { self.state.read("sl_order_id", |s| s.sl_order_id) } else { None };
                (should, sl)
            }
            Variant::DocumentedFix | Variant::CorrectFix => {
                let s = self.state.lock();
                let should = s.in_position && ts >= cutoff;
                let sl = if should { s.sl_order_id } else { None };
                tracing::info!("under lock at {ts}: should_auto_exit = {should}, sl_to_cancel = {sl:?}");
                (should, sl)
            }
        };
        if !should_auto_exit {
            return;
        }
        if let Some(sl) = sl_to_cancel {
            let cancelled = self.broker.cancel(sl).is_ok();
            tracing::info!("cancel_order({sl}) -> cancelled = {cancelled}");
            let mut s = self.state.lock();
            match self.variant {
                Variant::Before => {
                    s.sl_order_id = None;
                    tracing::info!("writes sl_order_id = None");
                }
                Variant::DocumentedFix | Variant::CorrectFix => {
                    if cancelled && s.sl_order_id == Some(sl) {
                        s.sl_order_id = None;
                        tracing::info!("under lock: clears sl_order_id");
                    }
                }
            }
        }
        let qty = match self.variant {
            Variant::Before => self.state.read("qty", |s| s.qty),
            Variant::DocumentedFix => self.state.lock().qty,
            Variant::CorrectFix => {
                // The stop is no longer live (cancelled, or filled): the position is stable now.
                let held = u64::try_from(self.broker.position(&self.params.symbol)).unwrap_or(0);
                tracing::info!("broker position after the cancel: {held}");
                held
            }
        };
        if qty > 0 {
            tracing::info!("exits: market sell {qty}");
            let _ = self.broker.place(&self.params.symbol, Kind::Market, Side::Sell, qty, None);
        } else {
            tracing::info!("nothing held: no market sell");
        }
        let mut s = self.state.lock();
        s.in_position = false;
        s.qty = 0;
        tracing::info!("writes in_position = false");
    }

    /// Checks both invariants against the broker's ledger.
    fn check(&self) {
        let symbol = &self.params.symbol;
        let orders = self.broker.orders();
        let position = self.broker.position(symbol);
        let sold = |kind| -> u64 {
            orders
                .iter()
                .filter(|o| o.kind == kind && o.side == Side::Sell && &o.symbol == symbol)
                .map(|o| o.filled)
                .sum()
        };
        harness::ensure!(
            position >= 0,
            INVARIANT_OVERSELL,
            "position {position} in {symbol}: held {}, the stop sold {} and the market exit sold {}",
            self.params.qty,
            sold(Kind::Stop),
            sold(Kind::Market)
        );
        let live_stop = orders.iter().any(|o| o.kind == Kind::Stop && &o.symbol == symbol && o.status == Status::Live);
        harness::ensure!(
            position <= 0 || live_stop,
            INVARIANT_PROTECTED,
            "{position} shares of {symbol} held and no live stop"
        );
    }
}

/// One execution: a filled entry protected by a live stop, a tick thread and the market.
fn execution(variant: Variant, params: &Arc<Params>) {
    let p = params;
    let broker = SimBroker::new(Behaviour { fill_market_on_arrival: true, ..Behaviour::default() });
    let entry = broker.place(&p.symbol, Kind::Entry, Side::Buy, p.qty, None).expect("entry accepted");
    broker.fill(entry, p.qty);
    let stop = broker.place(&p.symbol, Kind::Stop, Side::Sell, p.qty, Some(p.stop_price)).expect("stop accepted");
    let bot = Arc::new(Bot {
        variant,
        params: Arc::clone(p),
        state: State::new(
            SymbolState { in_position: true, sl_order_id: Some(stop), qty: p.qty, ..SymbolState::default() },
            Style::Debug,
        ),
        clock: AtomicU64::new(0),
        updates: Mutex::new(Vec::new()),
        broker,
        window: Overlap::new(WINDOW, 2),
    });
    let tick = crate::actors::spawn("tick", &bot, move |bot| {
        for &ts in &bot.params.ticks {
            // From here the WebSocket thread is busy with this tick: updates wait.
            let _inside = bot.window.enter();
            bot.on_order_updates();
            bot.process_tick(ts);
        }
    });
    let market = crate::actors::spawn("market", &bot, move |bot| {
        let _inside = bot.window.enter();
        tracing::info!("price falls through the stop {stop} at {}", bot.params.stop_price);
        if bot.broker.fill(stop, bot.params.stop_fill) {
            let whole = bot.params.stop_fill >= bot.params.qty;
            let status = if whole { Status::Filled } else { Status::Live };
            bot.updates.lock().push((stop, status));
            tracing::info!("sends the order update ({stop}, {status:?})");
        }
    });
    tick.join();
    market.join();
    bot.check();
}

/// The auto-exit race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "auto-exit",
        title: "auto-exit before the close sells at market while the stop fills",
        source: "\"Critical Threading Fixes for Live Trading\" (Nov 14, 2025), RACE #5",
        variants: Variant::NAMES,
        threads: 2,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};
