//! # Stale cancel: the tick thread clears the id of the order that replaced the one it cancelled
//! (“Critical Threading Fixes for Live Trading”, RACE #1)
//!
//! The 80/20 bot's WebSocket thread (`process_tick`) cancels an entry order that has rested too
//! long (a *stale* order) and then forgets it: `self.entry_order_id = None`. The polling thread
//! (`poll_orders_and_positions`) meanwhile checks the entry order's status (RACE #10) and, when
//! the broker reports it cancelled, retries the entry (RACE #9, through `place_buy_stop`,
//! RACE #7). If the poll sees the cancel and places the replacement between the tick's cancel
//! and its clear, the tick clears the *replacement's* id: a live buy-stop the bot no longer
//! tracks. The write-up: "RACE: May clear wrong order!".
//!
//! The bug needs the polling thread to make two broker calls (status, place) while the tick
//! thread is between its own call and its write: broker calls are real `Service` calls here
//! (`harness/DESIGN.md`, section "Traps").
//!
//! ## Actors
//! - `tick`: one tick at `tick_at` seconds; the entry order placed at `placed_at` is stale once
//!   `stale_after` seconds old, so the tick cancels it.
//! - `poll`: one polling round at `poll_at`: the entry order's status, then the retry check.
//!
//! ## Variants
//! - `before`: the old code. Every field is read one attribute at a time with no lock (Python's
//!   GIL makes one attribute access atomic, nothing more), so each read takes the state lock for
//!   that one field. `cancel_order(self.entry_order_id, ts)` reads the id again
//!   for the call; the clear is unconditional.
//! - `documented-fix`: the write-up's fix as shown: `order_to_cancel` copied under `_state_lock`,
//!   the cancel outside the lock, then under the lock the id is cleared only if it is still
//!   `order_to_cancel` and the cancel succeeded. The snippet calls `cancel_order` after the
//!   `with` block with no guard (`order_to_cancel` would be unbound when nothing is stale); we
//!   read it as guarded by the same condition, the only reading that runs. The polling thread
//!   uses the write-up's RACE #10, #9 and #7 fixes; the write-up does not show what it does with
//!   a cancelled status, so it follows the write-up's own pattern: clear `entry_order_id` (under
//!   the lock, only if it is still the order it checked) and set `pending_retry`. (With an
//!   unguarded clear instead, the verdicts are the same: only the polling thread places orders.)
//!
//! The documented fix holds: broker order ids are never reused, so "the id is still the one I
//! cancelled" is exactly "nobody replaced it", and the re-check and the clear share one critical
//! section. No `correct-fix` variant is needed.
//!
//! ## Invariants
//! - Every live entry order at the broker is the one the bot tracks (no untracked live order).
//! - The stale-cancel path clears only the order id it cancelled.
//!
//! Race window: the tick thread between deciding to cancel and clearing, while the polling
//! thread is inside its round.

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::Arc;
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::bot80_20::{Shown, State, Style, SymbolState};
use crate::world::{Behaviour, Broker, Kind, OrderId, Price, SimBroker, Status};

const INVARIANT_TRACKED: &str = "every live entry order is the one the bot tracks";
const INVARIANT_CLEARS: &str = "the stale-cancel path clears only the order id it cancelled";
const WINDOW: &str = "tick cancelling while poll handles the entry order";

/// A scenario's parameters (times in seconds since the open).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// The entry (buy-stop) price.
    entry_price: Price,
    /// When the resting entry order was placed.
    placed_at: u64,
    /// How old an entry order must be to count as stale.
    stale_after: u64,
    /// The tick's timestamp.
    tick_at: u64,
    /// The polling round's time (also the replacement's `order_placed_time`).
    poll_at: u64,
    /// Entries already attempted today, and the most allowed.
    entries_today: u32,
    max_attempts: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            symbol: "ABC".into(),
            entry_price: Price(10_000),
            placed_at: 0,
            stale_after: 60,
            tick_at: 90,
            poll_at: 90,
            entries_today: 1,
            max_attempts: 3,
        }
    }
}

impl harness::race::Params for Params {}

harness::variants! {
    /// The variants, as scenario files name them.
    enum Variant {
        Before = "before",
        DocumentedFix = "documented-fix",
    }
}

/// One symbol's bot: its state behind `_state_lock`, and the broker.
struct Bot<B = SimBroker> {
    variant: Variant,
    params: Arc<Params>,
    state: State,
    broker: B,
    window: Overlap,
}

impl<B: Broker> Bot<B> {
    /// The bot with its entry order `entry` resting since `placed_at`.
    fn new(variant: Variant, params: &Arc<Params>, broker: B, entry: OrderId) -> Self {
        Self {
            variant,
            params: Arc::clone(params),
            state: State::new(
                SymbolState {
                    entry_order_id: Some(entry),
                    order_placed_time: Some(params.placed_at),
                    entries_today: params.entries_today,
                    max_attempts: params.max_attempts,
                    ..SymbolState::default()
                },
                Style::Shown,
            ),
            broker,
            window: Overlap::new(WINDOW, 2),
        }
    }

    /// Whether an order placed at `placed` is stale at the tick.
    fn stale(&self, placed: Option<u64>) -> bool {
        placed.is_some_and(|t| self.params.tick_at.saturating_sub(t) >= self.params.stale_after)
    }

    /// The bot's `cancel_order`: whether the broker cancelled the order.
    fn cancel_order(&self, id: Option<OrderId>) -> bool {
        let Some(id) = id else {
            tracing::info!("cancel_order(None): nothing to cancel");
            return false;
        };
        let cancelled = self.broker.cancel(id).is_ok();
        tracing::info!("cancel_order({id}) -> {cancelled}");
        cancelled
    }

    /// The stale-cancel path clears `entry_order_id` (the caller holds the lock).
    fn clear_after_cancel(s: &mut SymbolState, cancelled: Option<OrderId>) {
        let current = s.entry_order_id;
        harness::ensure!(
            current.is_none() || current == cancelled,
            INVARIANT_CLEARS,
            "tick clears entry_order_id = {} after cancelling {}",
            current.shown(),
            cancelled.shown()
        );
        s.entry_order_id = None;
        tracing::info!("clears entry_order_id (was {})", current.shown());
    }

    /// `process_tick`: cancel a stale entry order (RACE #1).
    fn process_tick(&self) {
        let _inside = self.window.enter();
        match self.variant {
            Variant::Before => {
                let has_order = self.state.read("entry_order_id", |s| s.entry_order_id).is_some();
                let placed = self.state.read("order_placed_time", |s| s.order_placed_time);
                if !has_order || !self.stale(placed) {
                    return;
                }
                let arg = self.state.read("entry_order_id", |s| s.entry_order_id);
                let cancelled = self.cancel_order(arg);
                Self::clear_after_cancel(&mut self.state.lock(), arg.filter(|_| cancelled));
            }
            Variant::DocumentedFix => {
                let order_to_cancel = {
                    let s = self.state.lock();
                    let stale = s.entry_order_id.is_some() && self.stale(s.order_placed_time);
                    let copy = s.entry_order_id.filter(|_| stale);
                    tracing::info!("under lock: order_to_cancel = {}", copy.shown());
                    copy
                };
                let Some(id) = order_to_cancel else { return };
                let cancelled = self.cancel_order(Some(id));
                let mut s = self.state.lock();
                if s.entry_order_id == Some(id) && cancelled {
                    Self::clear_after_cancel(&mut s, Some(id));
                } else {
                    tracing::info!("under lock: entry_order_id = {}, keeps it", s.entry_order_id.shown());
                }
            }
        }
    }

    /// `poll_orders_and_positions`: the entry order's status (RACE #10), then the retry (#9).
    fn poll(&self) {
        let _inside = self.window.enter();
        let order_to_check = self.state.order_to_check(self.variant != Variant::Before);
        if let Some(id) = order_to_check {
            let status = self.broker.status(id);
            tracing::info!("orderstatus({id}) = {}", status.map_or_else(|| "unknown".into(), |s| format!("{s:?}")));
            if status == Some(Status::Cancelled) {
                let mut s = self.state.lock();
                if self.variant == Variant::Before || s.entry_order_id == Some(id) {
                    s.entry_order_id = None;
                    s.pending_retry = true;
                    tracing::info!("entry {id} cancelled: clears entry_order_id, retry pending");
                }
            }
        }
        if self.state.should_retry(self.variant != Variant::Before) {
            self.place_buy_stop();
        }
    }

    /// `place_buy_stop` (RACE #7): check, place the replacement, record it.
    fn place_buy_stop(&self) {
        let go = match self.variant {
            Variant::Before => {
                !self.state.read("in_position", |s| s.in_position)
                    && self.state.read("entry_order_id", |s| s.entry_order_id).is_none()
            }
            Variant::DocumentedFix => {
                let s = self.state.lock();
                let go = !s.in_position && s.entry_order_id.is_none();
                tracing::info!("place_buy_stop: under lock, checks passed = {go}");
                go
            }
        };
        if !go {
            return;
        }
        let p = &self.params;
        let Some((id, mut s)) = self.state.send_entry_if_accepted(&self.broker, &p.symbol, p.entry_price) else {
            return;
        };
        s.entry_order_id = Some(id);
        s.order_placed_time = Some(p.poll_at);
        s.pending_retry = false;
        s.entries_today += 1;
        tracing::info!("records entry_order_id = {id} (placed at {}s)", p.poll_at);
    }
}

impl Bot {
    /// Checks that every live entry order is the tracked one.
    fn check(&self) {
        let symbol = &self.params.symbol;
        let tracked = self.state.lock().entry_order_id;
        for o in self.broker.orders() {
            if o.kind == Kind::Entry && &o.symbol == symbol && o.status == Status::Live {
                harness::ensure!(
                    tracked == Some(o.id),
                    INVARIANT_TRACKED,
                    "live entry order {} for {symbol} is untracked (entry_order_id = {})",
                    o.id,
                    tracked.shown()
                );
            }
        }
    }
}

/// One execution: a resting entry order gone stale, a tick thread and a polling thread.
fn execution(variant: Variant, params: &Arc<Params>) {
    let p = params;
    let broker = SimBroker::new(Behaviour::default());
    let entry = crate::bot80_20::send_buy_stop(&broker, &p.symbol, p.entry_price).expect("entry accepted");
    let bot = Arc::new(Bot::new(variant, p, broker, entry));
    let tick = crate::actors::spawn("tick", &bot, move |bot| bot.process_tick());
    let poll = crate::actors::spawn("poll", &bot, move |bot| bot.poll());
    tick.join();
    poll.join();
    bot.check();
}

/// The stale-cancel race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "stale-cancel",
        title: "tick cancels a stale entry order and clears the id of its replacement",
        source: "\"Critical Threading Fixes for Live Trading\" (Nov 14, 2025), RACE #1 (with #7, #9, #10)",
        variants: Variant::NAMES,
        threads: 2,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};

#[cfg(test)]
mod tests {
    //! Exact broker calls, on the write-up's interleaving made by a mock broker: while the tick's
    //! cancel of the stale order is at the broker, the poll sees it cancelled and places the
    //! replacement.
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::{Arc, OnceLock, Weak};

    use mockall::predicate::eq;

    use super::*;
    use crate::world::MockBroker;

    /// The tick cancels #1 (exactly once, and nothing else); the poll, inside that cancel, reads
    /// #1 cancelled and places #2 (exactly once each).
    fn bot(variant: Variant) -> Arc<Bot<MockBroker>> {
        let slot: Arc<OnceLock<Weak<Bot<MockBroker>>>> = Arc::default();
        let mut broker = MockBroker::new();
        let poll = Arc::clone(&slot);
        broker.expect_cancel().with(eq(OrderId(1))).times(1).returning(move |_| {
            poll.get().and_then(Weak::upgrade).expect("the bot").poll();
            Ok(())
        });
        broker.expect_status().with(eq(OrderId(1))).times(1).return_const(Some(Status::Cancelled));
        broker.expect_place().times(1).returning(|_, _, _, _, _| Ok(OrderId(2)));
        let bot = Arc::new(Bot::new(variant, &Arc::default(), broker, OrderId(1)));
        slot.set(Arc::downgrade(&bot)).expect("set once");
        bot
    }

    #[test]
    fn documented_fix_never_clears_an_id_it_did_not_cancel() {
        let bot = bot(Variant::DocumentedFix);
        bot.process_tick();
        assert_eq!(bot.state.lock().entry_order_id, Some(OrderId(2)));
    }

    #[test]
    fn before_clears_the_replacement_it_did_not_cancel() {
        let bot = bot(Variant::Before);
        let caught = catch_unwind(AssertUnwindSafe(|| bot.process_tick()));
        let violation = caught.expect_err("a violation").downcast::<harness::Violation>().expect("a violation");
        assert_eq!(violation.invariant, INVARIANT_CLEARS);
        assert_eq!(violation.details, "tick clears entry_order_id = #2 after cancelling #1");
    }
}
