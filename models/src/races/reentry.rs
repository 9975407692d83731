//! # Re-entry: two threads both place the entry order (“Critical Threading Fixes for Live Trading”, RACE #4, #7 and #9)
//!
//! The 80/20 strategy bot keeps one `SymbolState` per symbol and runs two threads over it: the
//! WebSocket thread (`process_tick`) and the 5-second polling thread
//! (`poll_orders_and_positions`). When an entry was triggered but there is no position and no
//! entry order — the previous attempt was rejected or cancelled, so a retry is pending — *both*
//! threads want to place the buy-stop again: the tick thread through its re-entry logic
//! (RACE #4), the polling thread through its retry check (RACE #9), both ending in
//! `place_buy_stop` (RACE #7). The write-up: "SARDAEN entered 3 times at same price".
//!
//! ## Variants
//! - `before`: every check reads the shared fields with no lock. Python reads one attribute
//!   atomically (the GIL), so each read here takes the state lock for that one field: a thread
//!   switch can fall between any two reads, as it could between bytecodes.
//! - `documented-fix`: the write-up's code as shown. The re-entry and retry conditions are read
//!   under `_state_lock`; `place_buy_stop` checks `in_position` and `entry_order_id` under the
//!   lock, and — as its comment says, "until we set entry_order_id after placing order" — places
//!   the order after the `with` block, then records the id. The write-up does not show where the
//!   id is written; we take the charitable reading, under the lock. The lock is released between
//!   the check and the placement, so two threads can both pass the check.
//! - `correct-fix`: the check *reserves* the entry under the lock (`entry_order_id` becomes
//!   "placing"), the broker call happens outside the lock as the write-up wants, and the id (or,
//!   on a rejection, the released reservation) is written under the lock afterwards.
//! - `correct-fix-mutant`: the correct fix broken on purpose — the reservation is written in a
//!   second critical section, after the lock that checked was released. It must read
//!   `violated`: it is the proof that the gate turns red when a fix regresses by one line.
//!
//! ## Invariants
//! - At most one live entry order or open position for the symbol.
//! - Every live entry order at the broker is the one the bot tracks (no untracked live order).
//!
//! Race window: both threads inside an entry attempt (from their first check to the end of
//! their placement or their decision not to place) at the same time.
//!
//! ## Broker faults
//! The write-up's bot faces rejected orders (a rejected attempt is what leaves the retry
//! pending). Scenario `reentry-rejects` (`rejects = 1`, two ticks, two polls): the broker
//! rejects the first placement; `correct-fix` holds, since a rejection releases the reservation
//! under the lock. The write-up says nothing of timeouts. A placement that times out after it took
//! effect is the one fault a reservation alone does not survive: taking it for a failed one
//! releases the reservation while the order is live at the broker (an untracked live order, and
//! a second placement). So `correct-fix`, on a timeout, asks the broker for its open entry orders
//! (outside the lock, the reservation still held) and adopts the one it finds; the proofs cover
//! worlds with a timeout (`reports/prove/reentry.snap`). The documented fix and `before` keep
//! the write-up's handling: any error clears the entry and sets the retry.

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::Arc;
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::bot80_20::{Slot, State, Style, SymbolState};
use crate::world::{Behaviour, Broker, Kind, Price, Refused, SimBroker};

const INVARIANT_ONE: &str = "at most one live entry order or open position per symbol";
const INVARIANT_TRACKED: &str = "every live entry order is the one the bot tracks";
const WINDOW: &str = "both threads inside an entry attempt";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// The entry (buy-stop) price.
    entry_price: Price,
    /// The last traded price in each tick the WebSocket thread processes.
    ticks: Vec<Price>,
    /// How many rounds the polling thread makes.
    polls: u32,
    /// Entries already attempted today, and the most allowed.
    entries_today: u32,
    max_attempts: u32,
    /// Broker faults: the first `rejects` placements are rejected; the next `timeouts` time out
    /// after the order took effect.
    rejects: u32,
    timeouts: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            symbol: "ABC".into(),
            entry_price: Price(10_000),
            ticks: vec![Price(9_950)],
            polls: 1,
            entries_today: 1,
            max_attempts: 3,
            rejects: 0,
            timeouts: 0,
        }
    }
}

impl harness::race::Params for Params {}

harness::variants! {
    /// The variants, as scenario files name them.
    enum Variant {
        Before = "before",
        DocumentedFix = "documented-fix",
        CorrectFix = "correct-fix",
        CorrectFixMutant = "correct-fix-mutant",
    }
}

/// One symbol's bot: its state behind `_state_lock`, and the broker.
struct Bot<B = SimBroker> {
    variant: Variant,
    params: Arc<Params>,
    state: State<Slot>,
    broker: B,
    attempts: Overlap,
}

impl<B: Broker> Bot<B> {
    /// The bot after a rejected attempt: triggered, no position, no entry order, retry pending.
    fn new(variant: Variant, params: &Arc<Params>, broker: B) -> Self {
        Self {
            variant,
            params: Arc::clone(params),
            state: State::new(
                SymbolState {
                    triggered: true,
                    pending_retry: true,
                    entries_today: params.entries_today,
                    max_attempts: params.max_attempts,
                    ..SymbolState::default()
                },
                Style::Debug,
            ),
            broker,
            attempts: Overlap::new(WINDOW, 2),
        }
    }

    /// The WebSocket thread's re-entry check (RACE #4).
    fn process_tick(&self, ltp: Price) {
        let _attempt = self.attempts.enter();
        let below = ltp <= self.params.entry_price;
        let locked = self.variant != Variant::Before;
        if self.state.should_attempt_reentry(locked, ltp, below) {
            self.place_buy_stop();
        }
    }

    /// The polling thread's retry check (RACE #9).
    fn poll(&self) {
        let _attempt = self.attempts.enter();
        if self.state.should_retry(self.variant != Variant::Before) {
            self.place_buy_stop();
        }
    }

    /// `place_buy_stop` (RACE #7): check, place the order, record it.
    fn place_buy_stop(&self) {
        match self.variant {
            Variant::Before => {
                if self.state.read("in_position", |s| s.in_position) {
                    return;
                }
                if self.state.read("entry_order_id", |s| s.entry_order_id) != Slot::None {
                    return;
                }
            }
            Variant::DocumentedFix => {
                let s = self.state.lock();
                if s.in_position || s.entry_order_id != Slot::None {
                    tracing::info!("place_buy_stop: under lock, already in position or ordered: return");
                    return;
                }
                tracing::info!("place_buy_stop: under lock, checks passed; lock released");
                // "All checks passed - no other thread can change state until we set
                // entry_order_id after placing order" — but the lock is released here.
            }
            Variant::CorrectFix => {
                let mut s = self.state.lock();
                if s.in_position || s.entry_order_id != Slot::None {
                    tracing::info!("place_buy_stop: under lock, already in position or ordered: return");
                    return;
                }
                s.entry_order_id = Slot::Placing;
                tracing::info!("place_buy_stop: under lock, reserves the entry; lock released");
            }
            Variant::CorrectFixMutant => {
                let s = self.state.lock();
                if s.in_position || s.entry_order_id != Slot::None {
                    tracing::info!("place_buy_stop: under lock, already in position or ordered: return");
                    return;
                }
                drop(s);
                // The one-line regression: the reservation moved out of the checking lock.
                self.state.lock().entry_order_id = Slot::Placing;
                tracing::info!("place_buy_stop: reserves the entry in a second critical section");
            }
        }
        let p = &self.params;
        let (mut placed, mut s) = self.state.send_entry(&self.broker, &p.symbol, p.entry_price);
        if placed == Err(Refused::TimedOut) && self.variant == Variant::CorrectFix {
            // No answer in time, but the order may have taken effect: ask the broker before
            // releasing the reservation, outside the lock. The reservation kept the other
            // thread out, so a live entry order for the symbol is this one.
            drop(s);
            let open = self.broker.open_orders(&p.symbol, Kind::Entry);
            s = self.state.lock();
            if let Some(&id) = open.first() {
                tracing::info!("the timed-out placement took effect: adopts {id}");
                placed = Ok(id);
            }
        }
        match placed {
            Ok(id) => {
                s.entry_order_id = Slot::Order(id);
                s.entries_today += 1;
                tracing::info!("records entry_order_id = {id}");
            }
            Err(_) => {
                s.entry_order_id = Slot::None;
                s.pending_retry = true;
                tracing::info!("order rejected: clears entry_order_id, retry pending");
            }
        }
    }
}

impl Bot {
    /// Checks both invariants against the broker's ledger.
    fn check(&self) {
        let symbol = &self.params.symbol;
        let live = self.broker.live_orders(Kind::Entry, symbol);
        crate::bot80_20::check_one_entry(&self.broker, INVARIANT_ONE, symbol, &live);
        let tracked = self.state.lock().entry_order_id;
        for id in live {
            harness::ensure!(
                tracked == Slot::Order(id),
                INVARIANT_TRACKED,
                "live entry order {id} for {symbol} is untracked (entry_order_id = {tracked:?})"
            );
        }
    }
}

/// One execution: the bot after a rejected attempt, a tick thread and a polling thread.
fn execution(variant: Variant, params: &Arc<Params>) {
    let (rejects, timeouts) = (params.rejects, params.timeouts);
    let bot =
        Arc::new(Bot::new(variant, params, SimBroker::new(Behaviour { rejects, timeouts, ..Behaviour::default() })));
    let tick = crate::actors::spawn("tick", &bot, move |bot| {
        for &ltp in &bot.params.ticks {
            bot.process_tick(ltp);
        }
    });
    let poll = crate::actors::spawn("poll", &bot, move |bot| {
        for _ in 0..bot.params.polls {
            bot.poll();
        }
    });
    tick.join();
    poll.join();
    bot.check();
}

/// The re-entry race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "reentry",
        title: "tick re-entry and polling retry both place the entry order",
        source: "\"Critical Threading Fixes for Live Trading\" (Nov 14, 2025), RACE #4, #7, #9",
        variants: Variant::NAMES,
        threads: 2,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};

#[cfg(test)]
mod tests {
    //! Exact broker calls, on one interleaving made by a mock broker: the tick thread's re-entry
    //! runs while the polling thread's retry is at the broker with its placement.
    use std::sync::{Arc, OnceLock, Weak};

    use super::*;
    use crate::world::{MockBroker, OrderId, Refused, Side};

    /// The poll's retry, with the tick's re-entry inside its first placement. `answers` are the
    /// broker's answers to the placements, in order: exactly that many placements, each of the
    /// one entry order for the symbol, or the mock fails the test.
    fn poll_then_tick_inside(variant: Variant, answers: Vec<Result<OrderId, Refused>>) -> Arc<Bot<MockBroker>> {
        let slot: Arc<OnceLock<Weak<Bot<MockBroker>>>> = Arc::default();
        let mut broker = MockBroker::new();
        for (n, answer) in answers.into_iter().enumerate() {
            let slot = Arc::clone(&slot);
            broker
                .expect_place()
                .withf(|symbol, kind, side, qty, price| {
                    (symbol, *kind, *side, *qty, *price) == ("ABC", Kind::Entry, Side::Buy, 1, Some(Price(10_000)))
                })
                .times(1)
                .returning(move |_, _, _, _, _| {
                    if let Some(bot) = slot.get().and_then(Weak::upgrade).filter(|_| n == 0) {
                        bot.process_tick(Price(9_950));
                    }
                    answer.clone()
                });
        }
        let bot = Arc::new(Bot::new(variant, &Arc::default(), broker));
        slot.set(Arc::downgrade(&bot)).expect("set once");
        bot.poll();
        bot
    }

    #[test]
    fn correct_fix_places_the_entry_exactly_once() {
        let bot = poll_then_tick_inside(Variant::CorrectFix, vec![Ok(OrderId(1))]);
        assert_eq!(bot.state.lock().entry_order_id, Slot::Order(OrderId(1)));
    }

    #[test]
    fn correct_fix_after_a_rejection_places_again_once_and_tracks_it() {
        let bot = poll_then_tick_inside(Variant::CorrectFix, vec![Err(Refused::Rejected)]);
        assert_eq!(bot.state.lock().entry_order_id, Slot::None);
        let mut bot = Arc::into_inner(bot).expect("one owner");
        bot.broker.checkpoint();
        bot.broker.expect_place().times(1).returning(|_, _, _, _, _| Ok(OrderId(2)));
        bot.poll();
        bot.poll();
        bot.process_tick(Price(9_950));
        assert_eq!(bot.state.lock().entry_order_id, Slot::Order(OrderId(2)));
    }

    #[test]
    fn documented_fix_places_the_entry_twice() {
        poll_then_tick_inside(Variant::DocumentedFix, vec![Ok(OrderId(1)), Ok(OrderId(2))]);
    }
}
