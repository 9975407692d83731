//! The 80/20 strategy bot of "Critical Threading Fixes for Live Trading": what its races share.
//!
//! Seven races (`reentry`, `initial-trigger`, `stale-cancel`, `trailing-stop`, `auto-exit`,
//! `emergency-stop`, `order-status`) model one bot: a [`SymbolState`] per symbol behind
//! `_state_lock` ([`State`]), read and written by the WebSocket thread and the polling thread.
//! What they all do the same way is here: the state itself (each race sets the fields it
//! touches), the `before` variant's unlocked read of one field, how a value reads in a trace,
//! and the checks several races run word for word (the poll's "order to check", the tick's
//! re-entry check, the poll's retry check). Each race's own story, variants and invariants stay
//! in its file.

use std::fmt::Debug;

use harness::sync::{Mutex, MutexGuard};

use crate::listed::Listed;
use crate::world::{Broker, Kind, OrderId, Price, Refused, Side, SimBroker};

/// An order id the correct fixes can reserve: none, reserved by a thread that is placing the
/// order, or live. (Races whose fixes never reserve keep the bot's `Option<OrderId>`.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Slot {
    /// No order.
    #[default]
    None,
    /// A thread is placing the order (the reservation of a correct fix).
    Placing,
    /// The live order.
    Order(OrderId),
}

/// The bot's `SymbolState`: every field its races touch. `Entry` and `Stop` are the types of
/// `entry_order_id` and `sl_order_id`: [`Slot`] where a fix reserves them, `Option<OrderId>`
/// where none does.
#[derive(Debug, Default)]
pub struct SymbolState<Entry = Option<OrderId>, Stop = Option<OrderId>> {
    /// The strategy is armed (the price reached the trigger).
    pub triggered: bool,
    /// The entry filled: a position is open.
    pub in_position: bool,
    /// The entry (buy-stop) order.
    pub entry_order_id: Entry,
    /// When the entry order was placed (seconds since the open).
    pub order_placed_time: Option<u64>,
    /// An entry attempt failed and waits for the polling thread's retry.
    pub pending_retry: bool,
    /// Entries attempted today.
    pub entries_today: u32,
    /// The most entries allowed a day.
    pub max_attempts: u32,
    /// The internal stop-loss price.
    pub stop_loss: Option<Price>,
    /// The protective sell-stop order.
    pub sl_order_id: Stop,
    /// Shares held.
    pub qty: u64,
}

/// How a race's trace writes the values it reads: `{:?}` (`Some(OrderId(2))`) or as [`Shown`]
/// (`#2`). Each race keeps the one its reports were written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `{:?}`.
    Debug,
    /// [`Shown::shown`].
    Shown,
}

impl Style {
    /// `value` in this style.
    pub fn show<T: Debug + Shown>(self, value: &T) -> String {
        match self {
            Self::Debug => format!("{value:?}"),
            Self::Shown => value.shown(),
        }
    }
}

/// One symbol's [`SymbolState`] behind `_state_lock`, and how the race's trace writes its
/// values.
pub struct State<Entry = Option<OrderId>, Stop = Option<OrderId>> {
    lock: Mutex<SymbolState<Entry, Stop>>,
    style: Style,
}

impl<Entry, Stop> State<Entry, Stop>
where
    Entry: Copy + Debug + Default + PartialEq + Shown,
{
    /// `state` behind its lock, its values written in `style`.
    pub fn new(state: SymbolState<Entry, Stop>, style: Style) -> Self {
        Self { lock: Mutex::new(state), style }
    }

    /// `with self._state_lock:`.
    pub fn lock(&self) -> MutexGuard<'_, SymbolState<Entry, Stop>> {
        self.lock.lock()
    }

    /// `place_buy_stop`'s last step: sends the entry buy-stop, then takes `_state_lock` to
    /// record what the broker answered (the answer, with the lock held).
    pub fn send_entry(
        &self,
        broker: &impl Broker,
        symbol: &str,
        entry_price: Price,
    ) -> (Result<OrderId, Refused>, MutexGuard<'_, SymbolState<Entry, Stop>>) {
        let placed = send_buy_stop(broker, symbol, entry_price);
        (placed, self.lock())
    }

    /// The same, for code that records only an accepted order: `None`, without taking the
    /// lock, when the broker refused it.
    pub fn send_entry_if_accepted(
        &self,
        broker: &impl Broker,
        symbol: &str,
        entry_price: Price,
    ) -> Option<(OrderId, MutexGuard<'_, SymbolState<Entry, Stop>>)> {
        let id = send_buy_stop(broker, symbol, entry_price).ok()?;
        Some((id, self.lock()))
    }

    /// `value` as this race's trace writes it.
    pub fn show<T: Debug + Shown>(&self, value: &T) -> String {
        self.style.show(value)
    }

    /// `before`: one unlocked attribute read. Python reads one attribute atomically (the GIL),
    /// nothing more, so the read is one short critical section for that field alone: a thread
    /// switch can fall between any two reads, as it could between bytecodes.
    ///
    /// Never inlined: the checks below take the locked path in every variant but `before`, and
    /// four inlined copies of this one made their code, and its instruction-cache footprint, far
    /// larger than the path they run (callgrind's cache simulation, the overhead benchmark).
    #[inline(never)]
    pub fn read<T: Debug + Shown>(&self, field: &str, f: impl FnOnce(&SymbolState<Entry, Stop>) -> T) -> T {
        let value = f(&self.lock());
        tracing::info!("reads {field} = {}", self.show(&value));
        value
    }

    /// The polling thread's "order to check" (RACE #10): the entry order, if there is one and
    /// no position. Unlocked (`before`) the id is read twice, once for the check and once for
    /// the copy; `locked`, it is copied under `_state_lock`.
    pub fn order_to_check(&self, locked: bool) -> Option<OrderId>
    where
        Entry: Into<Option<OrderId>>,
    {
        if !locked {
            let check = self.read("entry_order_id", |s| s.entry_order_id.into()).is_some()
                && !self.read("in_position", |s| s.in_position);
            return if check { self.read("entry_order_id", |s| s.entry_order_id.into()) } else { None };
        }
        let s = self.lock();
        let order = s.entry_order_id.into().filter(|_| !s.in_position);
        tracing::info!("under lock: order_to_check = {}", self.show(&order));
        order
    }

    /// The tick's re-entry check (RACE #4) at the last price `ltp`, `below` the entry price or
    /// not: triggered, no position, no entry order, attempts left. Unlocked (`before`) one read
    /// a field; `locked`, under `_state_lock`, where a re-entry also takes the pending retry.
    pub fn should_attempt_reentry(&self, locked: bool, ltp: Price, below: bool) -> bool {
        if !locked {
            return self.read("triggered", |s| s.triggered)
                && !self.read("in_position", |s| s.in_position)
                && self.read("entry_order_id", |s| s.entry_order_id) == Entry::default()
                && self.read("entries_today < max_attempts", |s| s.entries_today < s.max_attempts)
                && below;
        }
        let mut s = self.lock();
        let should = s.triggered
            && !s.in_position
            && s.entry_order_id == Entry::default()
            && s.entries_today < s.max_attempts
            && below;
        if should {
            s.pending_retry = false;
        }
        tracing::info!("under lock: should_attempt_reentry = {should} (ltp {ltp})");
        should
    }

    /// `place_or_update_sell_stop`'s checks (RACE #8) before moving the stop to `new_stop`: the
    /// stop order to modify (or none, to place one), or `None` when there is no position (or,
    /// `locked`, the stop is already there). Unlocked (`before`) one read a field; `locked`,
    /// `current_sl_order_id` copied under `_state_lock`.
    pub fn sl_order_to_update(&self, locked: bool, new_stop: Price) -> Option<Stop>
    where
        Stop: Copy + Debug + Shown,
    {
        if !locked {
            if !self.read("in_position", |s| s.in_position) {
                return None;
            }
            return Some(self.read("sl_order_id", |s| s.sl_order_id));
        }
        let s = self.lock();
        if !s.in_position || s.stop_loss == Some(new_stop) {
            return None;
        }
        tracing::info!("under lock: current_sl_order_id = {}", self.show(&s.sl_order_id));
        Some(s.sl_order_id)
    }

    /// The polling thread's retry check (RACE #9): a retry pending, no position, no entry
    /// order; `locked`, under `_state_lock` and with attempts left.
    pub fn should_retry(&self, locked: bool) -> bool {
        if !locked {
            return self.read("pending_retry", |s| s.pending_retry)
                && !self.read("in_position", |s| s.in_position)
                && self.read("entry_order_id", |s| s.entry_order_id) == Entry::default();
        }
        let s = self.lock();
        let should = s.pending_retry
            && !s.in_position
            && s.entry_order_id == Entry::default()
            && s.entries_today < s.max_attempts;
        tracing::info!("under lock: should_retry = {should}");
        should
    }
}

/// Checks the invariant `invariant` names — at most one live entry order or open position for
/// `symbol` — against the broker's ledger: `live` are the symbol's live entry orders there; the
/// position is asked of the broker after them.
pub fn check_one_entry(broker: &SimBroker, invariant: &'static str, symbol: &str, live: &[OrderId]) {
    let position = broker.position(symbol);
    harness::ensure!(
        live.len() + usize::from(position != 0) <= 1,
        invariant,
        "{} live entry orders for {symbol} ({}) and position {position}",
        live.len(),
        Listed(live)
    );
}

/// The bot's entry order: a buy-stop for one share of `symbol` at `entry_price`.
pub fn send_buy_stop(broker: &impl Broker, symbol: &str, entry_price: Price) -> Result<OrderId, Refused> {
    broker.place(symbol, Kind::Entry, Side::Buy, 1, Some(entry_price))
}

impl From<Slot> for Option<OrderId> {
    fn from(slot: Slot) -> Self {
        match slot {
            Slot::Order(id) => Some(id),
            Slot::None | Slot::Placing => None,
        }
    }
}

/// How a field's value reads in a trace: `true`, `#2`, `102.00`, `none`.
pub trait Shown {
    /// The value as a trace shows it.
    fn shown(&self) -> String;
}

impl Shown for bool {
    fn shown(&self) -> String {
        self.to_string()
    }
}

impl Shown for u64 {
    fn shown(&self) -> String {
        self.to_string()
    }
}

impl Shown for Slot {
    fn shown(&self) -> String {
        match self {
            Self::None => "none".into(),
            Self::Placing => "placing".into(),
            Self::Order(id) => id.to_string(),
        }
    }
}

impl<T: std::fmt::Display> Shown for Option<T> {
    fn shown(&self) -> String {
        self.as_ref().map_or_else(|| "none".into(), ToString::to_string)
    }
}
