//! # Initial trigger: two paths both arm the strategy and both enter (“Critical Threading Fixes for Live Trading”, RACE #3, with #4
//! and #7)
//!
//! The 80/20 bot arms a symbol once its price falls to `trigger_price`: `process_tick` sets
//! `triggered` and, if `entries_today < max_attempts`, places the buy-stop (`place_buy_stop`,
//! RACE #7). The same `process_tick` then runs its re-entry check (RACE #4): triggered, no
//! position, no entry order, attempts left, `ltp <= entry_price` → `place_buy_stop`. The
//! write-up: "RACE: No lock!" on `triggered` and on `entries_today`.
//!
//! ## Actors
//! The write-up lists `triggered` and `entries_today` among the state both threads share but
//! does not say how the second thread reaches the trigger; we take the reading that the polling
//! thread runs the same `process_tick` on the quote it polled (the only writer of `triggered`
//! the write-up shows). So:
//! - `tick`: the WebSocket thread, `process_tick(tick_ltp)`.
//! - `poll`: the polling thread, `process_tick(poll_ltp)`.
//!
//! Both prices are at or below `trigger_price`; the symbol is not yet triggered. With two actors
//! the cap can only be exceeded with one attempt left, so the scenario allows one entry a day.
//!
//! ## Variants
//! - `before`: the old code; each field read one attribute at a time with no lock (atomic under
//!   the GIL, nothing more). Both threads can read `triggered = False`, both set it, both place.
//! - `documented-fix`: the write-up's code as shown. RACE #3: `should_trigger`, `triggered =
//!   True` and `can_place` under `_state_lock`, `place_buy_stop` after it. RACE #4: the re-entry
//!   condition under the lock. RACE #7: `place_buy_stop` checks `in_position` and
//!   `entry_order_id` under the lock, places after it, and records the id (where the write-up
//!   does not show; charitably, under the lock). The trigger itself is fixed: exactly one thread
//!   wins it. But the winner places *after* the lock, and the loser's `process_tick` goes on to
//!   the re-entry check, which finds the symbol triggered, no entry order recorded yet and an
//!   attempt left: it places a second entry. The documented fix does not hold. (Run without the
//!   re-entry check, the documented trigger alone holds, dfs and loom complete: the flaw is the
//!   placement after the lock, which leaves the next check in the same function blind.)
//! - `correct-fix`: the decision to place *reserves* the entry in the same critical section
//!   (`entry_order_id` becomes "placing" and the attempt is counted), in the trigger and in the
//!   re-entry check alike; the broker call stays outside the lock, and the id (or, on a
//!   rejection, the released reservation) is written under the lock afterwards.
//!
//! ## Invariants
//! - At most one live entry order or open position for the symbol (no duplicate entry).
//! - Entry orders placed today never exceed `max_attempts` (counted at the broker).
//!
//! Race window: both threads inside `process_tick` at once.

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::Arc;
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::bot80_20::{Slot, State, Style, SymbolState};
use crate::variants::Variant;
use crate::world::{Behaviour, Kind, OrderId, Price, SimBroker, Status};

const INVARIANT_ONE: &str = "at most one live entry order or open position per symbol";
const INVARIANT_MAX: &str = "entry orders placed today never exceed max_attempts";
const WINDOW: &str = "both threads inside process_tick";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// The price that arms the strategy.
    trigger_price: Price,
    /// The entry (buy-stop) price.
    entry_price: Price,
    /// The last price the WebSocket thread processes, and the one the polling thread polled.
    tick_ltp: Price,
    poll_ltp: Price,
    /// Entries already attempted today, and the most allowed.
    entries_today: u32,
    max_attempts: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            symbol: "ABC".into(),
            trigger_price: Price(9_950),
            entry_price: Price(10_000),
            tick_ltp: Price(9_940),
            poll_ltp: Price(9_940),
            entries_today: 0,
            max_attempts: 1,
        }
    }
}

impl harness::race::Params for Params {}

impl SymbolState<Slot> {
    /// The correct fix: reserve the entry and count the attempt, if one may be placed.
    fn reserve(&mut self) -> bool {
        let free = !self.in_position && self.entry_order_id == Slot::None && self.entries_today < self.max_attempts;
        if free {
            self.entry_order_id = Slot::Placing;
            self.entries_today += 1;
        }
        free
    }
}

/// One symbol's bot: its state behind `_state_lock`, and the broker.
struct Bot {
    variant: Variant,
    params: Arc<Params>,
    state: State<Slot>,
    broker: SimBroker,
    window: Overlap,
}

impl Bot {
    /// `process_tick`: the initial trigger (RACE #3), then the re-entry check (RACE #4).
    fn process_tick(&self, ltp: Price) {
        let _inside = self.window.enter();
        let p = &self.params;
        let at_trigger = ltp <= p.trigger_price;
        match self.variant {
            Variant::Before => {
                if !self.state.read("triggered", |s| s.triggered) && at_trigger {
                    self.state.lock().triggered = true;
                    tracing::info!("ltp {ltp}: writes triggered = true");
                    if self.state.read("entries_today < max_attempts", |s| s.entries_today < s.max_attempts) {
                        self.place_buy_stop();
                    }
                }
            }
            Variant::DocumentedFix => {
                let (should_trigger, can_place) = {
                    let mut s = self.state.lock();
                    let should_trigger = !s.triggered && at_trigger;
                    let mut can_place = false;
                    if should_trigger {
                        s.triggered = true;
                        can_place = s.entries_today < s.max_attempts;
                    }
                    tracing::info!("ltp {ltp}: under lock: should_trigger = {should_trigger}, can_place = {can_place}");
                    (should_trigger, can_place)
                };
                if should_trigger && can_place {
                    self.place_buy_stop();
                }
            }
            Variant::CorrectFix => {
                let reserved = {
                    let mut s = self.state.lock();
                    let should_trigger = !s.triggered && at_trigger;
                    if should_trigger {
                        s.triggered = true;
                    }
                    let reserved = should_trigger && s.reserve();
                    tracing::info!("ltp {ltp}: under lock: should_trigger = {should_trigger}, reserved = {reserved}");
                    reserved
                };
                if reserved {
                    self.send_entry();
                }
            }
        }
        self.reentry(ltp);
    }

    /// The re-entry check (RACE #4), run by the same `process_tick`.
    fn reentry(&self, ltp: Price) {
        let below = ltp <= self.params.entry_price;
        let go = match self.variant {
            Variant::Before => {
                self.state.read("triggered", |s| s.triggered)
                    && !self.state.read("in_position", |s| s.in_position)
                    && self.state.read("entry_order_id", |s| s.entry_order_id) == Slot::None
                    && self.state.read("entries_today < max_attempts", |s| s.entries_today < s.max_attempts)
                    && below
            }
            Variant::DocumentedFix | Variant::CorrectFix => {
                let mut s = self.state.lock();
                let should = s.triggered
                    && !s.in_position
                    && s.entry_order_id == Slot::None
                    && s.entries_today < s.max_attempts
                    && below;
                let go = if self.variant == Variant::CorrectFix { should && s.reserve() } else { should };
                tracing::info!("re-entry: under lock: should_attempt_reentry = {should}");
                go
            }
        };
        match (go, self.variant) {
            (true, Variant::CorrectFix) => self.send_entry(),
            (true, _) => self.place_buy_stop(),
            (false, _) => {}
        }
    }

    /// `place_buy_stop` (RACE #7) in `before` and `documented-fix`: check, then place.
    fn place_buy_stop(&self) {
        let clear = match self.variant {
            Variant::Before => {
                !self.state.read("in_position", |s| s.in_position)
                    && self.state.read("entry_order_id", |s| s.entry_order_id) == Slot::None
            }
            Variant::DocumentedFix | Variant::CorrectFix => {
                let s = self.state.lock();
                let clear = !s.in_position && s.entry_order_id == Slot::None;
                tracing::info!("place_buy_stop: under lock, checks passed = {clear}; lock released");
                clear
            }
        };
        if clear {
            self.send_entry();
        }
    }

    /// Places the buy-stop at the broker and records the outcome.
    fn send_entry(&self) {
        let p = &self.params;
        let (placed, mut s) = self.state.send_entry(&self.broker, &p.symbol, p.entry_price);
        match placed {
            Ok(id) => {
                s.entry_order_id = Slot::Order(id);
                if self.variant != Variant::CorrectFix {
                    s.entries_today += 1;
                }
                tracing::info!("records entry_order_id = {id}, entries_today = {}", s.entries_today);
            }
            Err(_) => {
                s.entry_order_id = Slot::None;
                tracing::info!("order rejected: clears entry_order_id");
            }
        }
    }

    /// Checks both invariants against the broker's ledger.
    fn check(&self) {
        let symbol = &self.params.symbol;
        let entries: Vec<_> =
            self.broker.orders().into_iter().filter(|o| o.kind == Kind::Entry && &o.symbol == symbol).collect();
        let live: Vec<OrderId> = entries.iter().filter(|o| o.status == Status::Live).map(|o| o.id).collect();
        crate::bot80_20::check_one_entry(&self.broker, INVARIANT_ONE, symbol, &live);
        let placed = self.params.entries_today as usize + entries.len();
        harness::ensure!(
            placed <= self.params.max_attempts as usize,
            INVARIANT_MAX,
            "{placed} entries for {symbol} today with max_attempts = {}",
            self.params.max_attempts
        );
    }
}

/// One execution: a symbol not yet triggered, its price at the trigger, two threads.
fn execution(variant: Variant, params: &Arc<Params>) {
    let bot = Arc::new(Bot {
        variant,
        params: Arc::clone(params),
        state: State::new(
            SymbolState {
                entries_today: params.entries_today,
                max_attempts: params.max_attempts,
                ..SymbolState::default()
            },
            Style::Shown,
        ),
        broker: SimBroker::new(Behaviour::default()),
        window: Overlap::new(WINDOW, 2),
    });
    let tick = crate::actors::spawn("tick", &bot, move |bot| bot.process_tick(bot.params.tick_ltp));
    let poll = crate::actors::spawn("poll", &bot, move |bot| bot.process_tick(bot.params.poll_ltp));
    tick.join();
    poll.join();
    bot.check();
}

/// The initial-trigger race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "initial-trigger",
        title: "two paths both arm the trigger, or one arms it and the other re-enters",
        source: "\"Critical Threading Fixes for Live Trading\" (Nov 14, 2025), RACE #3 (with #4, #7)",
        variants: Variant::NAMES,
        threads: 2,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};
