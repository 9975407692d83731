//! # Order status: the polling thread acts on an order that is no longer the current one
//! (“Critical Threading Fixes for Live Trading”, RACE #10, with #1, #4 and #7)
//!
//! The 80/20 bot's polling thread checks its pending entry order: "if `entry_order_id` and not
//! `in_position`", it asks the broker for that order's status and acts on it — a fill opens the
//! position (`in_position = True`), a cancellation clears `entry_order_id` and sets
//! `pending_retry`. Meanwhile the WebSocket thread (`process_tick`) cancels the stale entry order
//! (RACE #1) and, the price still below the entry, places a fresh one (RACE #4 and #7). The
//! status the poll holds is the old order's: acting on it clears the *new* order's id, leaving a
//! live buy-stop the bot no longer tracks (and will place again on retry), or leaves the bot flat
//! while the broker holds the new order's fill. The write-up: "Polling thread clearing
//! `in_position` prematurely → Duplicate entries"; "Position state consistency (broker vs
//! internal state)".
//!
//! ## Actors
//! - `tick`: one tick at `ltp`: cancels the stale entry order (a buy-stop at `stale_price`, an
//!   earlier entry level), then re-enters at `entry_price`.
//! - `poll`: one round of the order-status check.
//! - `market` (when `market_fills`): the price rises to `entry_price`; the broker fills the
//!   entry order resting there then, if any (`SimBroker::fill_triggered`). The stale order sits
//!   above that price and cannot fill, so the old code's own RACE #1 bug (clearing the id of a
//!   stale order whose cancel failed because it filled) stays out of this model: every
//!   violation here is the poll acting on a status that is no longer current.
//!
//! After the actors finish, `main` runs the next poll round (the bot's own reconciliation), and
//! the invariants are checked on what it leaves.
//!
//! ## Variants
//! - `before`: the old code: every field read and written one attribute at a time with no lock;
//!   the poll reads `entry_order_id` once for its check and again for the status query; the tick
//!   ignores the cancel's result.
//! - `documented-fix`: the write-up's code as shown. RACE #10: `order_to_check` copied under
//!   `_state_lock`, `client.orderstatus` outside. The snippet stops there; we read the action on
//!   the status as the surrounding code, under the lock (the charitable place) but without the
//!   "re-check before committing" the write-up's lock pattern names: the RACE #10 snippet shows
//!   none, unlike RACE #1's. The tick runs the RACE #1, #4 and #7 fixes as shown.
//! - `correct-fix`: the pattern's third step, done: act on the status only if `entry_order_id`
//!   is still `order_to_check` under the lock; otherwise the status is of an order that is no
//!   longer the bot's, and the next poll checks the current one.
//!
//! ## Invariants
//! - No untracked live order: every live entry order at the broker is `entry_order_id`.
//! - State consistent with the broker: `in_position` iff the broker position is open.
//!
//! Race window: the poll between copying the order id and acting on its status while the tick
//! is between cancelling the stale order and recording its replacement.
//!
//! ## Broker fault: an order that "does not exist" yet
//! The bot asks `client.orderstatus` about an order it has just placed; a broker may not show a
//! fresh order for a while. Scenario `order-status-unknown-order` (`unknown_for = 1`): every
//! order placed during the race answers its first status query with "does not exist" (`None`).
//! Reading taken: every variant reads that answer as no news (the `Live | None` arm: nothing to
//! act on), not as a cancellation. The bot's reconciliation then needs one more round to learn
//! what became of the replacement (`reconcile_polls = 2`); `correct-fix` holds with it. With a
//! single round, "in_position iff the broker position is open" cannot hold for any variant when
//! the round's one query is answered "does not exist": that is an invariant checked before the
//! bot could know, not a flaw of the fix.

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::Arc;
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::bot80_20::{State, Style, SymbolState};
use crate::variants::Variant;
use crate::world::{Behaviour, Kind, Price, Side, SimBroker, Status};

const INVARIANT_TRACKED: &str = "every live entry order is the one the bot tracks";
const INVARIANT_IN_SYNC: &str = "in_position iff the broker position is open";
const WINDOW: &str = "poll acting on a status while the tick replaces the order";
/// `order_placed_time` of every order: this race does not model an order's age (every entry
/// order the tick sees counts as stale), only whether the time is set.
const PLACED_AT: u64 = 0;

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// The entry (buy-stop) price of the re-entry, and the price the market rises to.
    entry_price: Price,
    /// The stale entry order's price.
    stale_price: Price,
    /// The last traded price of the tick.
    ltp: Price,
    /// Whether the market fills an entry order during the race.
    market_fills: bool,
    /// Entries already attempted today (the stale order is one), and the most allowed.
    entries_today: u32,
    max_attempts: u32,
    /// Broker fault: each order placed during the race answers its first `unknown_for` status
    /// queries with "does not exist".
    unknown_for: u32,
    /// Poll rounds of the bot's reconciliation after the race.
    reconcile_polls: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            symbol: "ABC".into(),
            entry_price: Price(10_000),
            stale_price: Price(10_100),
            ltp: Price(9_950),
            market_fills: true,
            entries_today: 1,
            max_attempts: 3,
            unknown_for: 0,
            reconcile_polls: 1,
        }
    }
}

impl harness::race::Params for Params {
    /// The invariant is checked after the reconciliation: a broker that hides an order for as
    /// many polls as the bot reconciles leaves nothing any variant could see (it fails with no
    /// preemption at all, so it is no race).
    fn check(&self) -> Result<(), String> {
        if self.reconcile_polls <= self.unknown_for {
            return Err(format!(
                "reconcile_polls = {} must be more than unknown_for = {}: the reconciliation must outlast the unknown-order answers",
                self.reconcile_polls, self.unknown_for
            ));
        }
        Ok(())
    }
}

/// One symbol's bot: its state behind `_state_lock`, and the broker.
struct Bot {
    variant: Variant,
    params: Arc<Params>,
    state: State,
    broker: SimBroker,
    window: Overlap,
}

impl Bot {
    /// `process_tick`: the stale-order cancellation (RACE #1), then the re-entry (RACE #4).
    fn process_tick(&self, ltp: Price) {
        let _inside = self.window.enter();
        let order_to_cancel = match self.variant {
            Variant::Before => {
                let stale = self.state.read("entry_order_id", |s| s.entry_order_id).is_some()
                    && self.state.read("order_placed_time", |s| s.order_placed_time.is_some());
                if stale {
                    self.state.read("entry_order_id", |s| s.entry_order_id)
                } else {
                    None
                }
            }
            Variant::DocumentedFix | Variant::CorrectFix => {
                let s = self.state.lock();
                let order = s.entry_order_id.filter(|_| s.order_placed_time.is_some());
                tracing::info!("under lock: order_to_cancel = {order:?}");
                order
            }
        };
        if let Some(id) = order_to_cancel {
            let cancelled = self.broker.cancel(id).is_ok();
            let mut s = self.state.lock();
            if self.variant == Variant::Before || (s.entry_order_id == Some(id) && cancelled) {
                s.entry_order_id = None;
                tracing::info!("cancelled = {cancelled}: writes entry_order_id = None");
            }
        }
        let below = ltp <= self.params.entry_price;
        if self.state.should_attempt_reentry(self.variant != Variant::Before, ltp, below) {
            self.place_buy_stop();
        }
    }

    /// `place_buy_stop` (RACE #7): check, place the order, record it.
    fn place_buy_stop(&self) {
        let blocked = match self.variant {
            Variant::Before => {
                self.state.read("in_position", |s| s.in_position)
                    || self.state.read("entry_order_id", |s| s.entry_order_id).is_some()
            }
            Variant::DocumentedFix | Variant::CorrectFix => {
                let s = self.state.lock();
                s.in_position || s.entry_order_id.is_some()
            }
        };
        if blocked {
            return;
        }
        let p = &self.params;
        let Some((id, mut s)) = self.state.send_entry_if_accepted(&self.broker, &p.symbol, p.entry_price) else {
            return;
        };
        s.entry_order_id = Some(id);
        s.order_placed_time = Some(PLACED_AT);
        s.entries_today += 1;
        tracing::info!("records entry_order_id = {id}");
    }

    /// `poll_orders_and_positions`: the order-status check (RACE #10).
    fn poll(&self) {
        let _inside = self.window.enter();
        let Some(id) = self.state.order_to_check(self.variant != Variant::Before) else { return };
        let status = self.broker.status(id);
        tracing::info!("orderstatus({id}) = {status:?}");
        let mut s = self.state.lock();
        if self.variant == Variant::CorrectFix && s.entry_order_id != Some(id) {
            tracing::info!("under lock: entry_order_id is now {:?}, not {id}: ignores", s.entry_order_id);
            return;
        }
        match status {
            Some(Status::Filled) => {
                s.in_position = true;
                s.entry_order_id = None;
                tracing::info!("writes in_position = true, entry_order_id = None (was {id})");
            }
            Some(Status::Cancelled) => {
                s.entry_order_id = None;
                s.pending_retry = true;
                tracing::info!("writes entry_order_id = None, pending_retry = true (was {id})");
            }
            Some(Status::Live) | None => {}
        }
    }

    /// Checks both invariants against the broker.
    fn check(&self) {
        let symbol = &self.params.symbol;
        let live = self.broker.live_orders(Kind::Entry, symbol);
        let position = self.broker.position(symbol);
        let (tracked, in_position) = {
            let s = self.state.lock();
            (s.entry_order_id, s.in_position)
        };
        for id in live {
            harness::ensure!(
                tracked == Some(id),
                INVARIANT_TRACKED,
                "live entry order {id} for {symbol} is untracked (entry_order_id = {tracked:?})"
            );
        }
        harness::ensure!(
            in_position == (position != 0),
            INVARIANT_IN_SYNC,
            "in_position = {in_position} but the broker position in {symbol} is {position}"
        );
    }
}

/// One execution: a stale entry order, a tick thread, a polling thread and (maybe) the market.
fn execution(variant: Variant, params: &Arc<Params>) {
    let p = params;
    let broker = SimBroker::new(Behaviour::default());
    let stale = broker.place(&p.symbol, Kind::Entry, Side::Buy, 1, Some(p.stale_price)).expect("entry accepted");
    if p.unknown_for > 0 {
        broker.set_behaviour(Behaviour { unknown_for: p.unknown_for, ..Behaviour::default() });
    }
    let bot = Arc::new(Bot {
        variant,
        params: Arc::clone(p),
        state: State::new(
            SymbolState {
                triggered: true,
                entry_order_id: Some(stale),
                order_placed_time: Some(PLACED_AT),
                entries_today: p.entries_today,
                max_attempts: p.max_attempts,
                ..SymbolState::default()
            },
            Style::Debug,
        ),
        broker,
        window: Overlap::new(WINDOW, 2),
    });
    let tick = crate::actors::spawn("tick", &bot, move |bot| bot.process_tick(bot.params.ltp));
    let poll = crate::actors::spawn("poll", &bot, move |bot| bot.poll());
    let market = p.market_fills.then(|| {
        crate::actors::spawn("market", &bot, move |bot| {
            let last = bot.params.entry_price;
            let filled = bot.broker.fill_triggered(&bot.params.symbol, Kind::Entry, last, 1);
            tracing::info!("price rises to {last}: fills {filled:?}");
        })
    });
    tick.join();
    poll.join();
    if let Some(market) = market {
        market.join();
    }
    for _ in 0..p.reconcile_polls {
        tracing::info!("next poll round");
        bot.poll();
    }
    bot.check();
}

/// The order-status race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "order-status",
        title: "polling thread acts on the status of an entry order the tick thread replaced",
        source: "\"Critical Threading Fixes for Live Trading\" (Nov 14, 2025), RACE #10 (with #1, #4, #7)",
        variants: Variant::NAMES,
        threads: 3,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};
