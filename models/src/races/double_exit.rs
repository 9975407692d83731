//! # Double exit: two threads close one position (“Concurrency & State Synchronization Fix”, Issue #1, Fix #1, #2, #3)
//!
//! NIJA's `execution_engine.execute_exit(symbol, exit_price, size_pct, reason)` sells
//! `size_pct` of what remains of a position; a take-profit and a stop-loss can both decide to
//! exit the same position at once. The write-up's root cause: "Thread A submits sell order /
//! Thread B checks position (still exists) / Thread A completes sell / Thread B submits
//! duplicate sell → DOUBLE-SELL". Its fix: a `closing_positions` set under `_closing_lock`
//! (Fix #1), an immediate `close_position(symbol)` after a full exit (Fix #2), and an
//! `active_exit_orders` set under `_exit_lock` (Fix #3).
//!
//! ## Actors
//! `exit-a`, `exit-b`, …: each calls `execute_exit` once with its own `size_pct` (`exits`, in
//! percent of what remains). The broker fills market orders as they arrive. The account holds
//! `size` units, and so does the engine's `self.positions[symbol]`.
//!
//! ## Variants
//! - `before`: the write-up's "Before (Vulnerable)" code: `position = self.positions[symbol]`
//!   with no lock, the market sell, then `remaining_size *= (1 - size_pct)` and, below 1 %,
//!   `close_position(symbol)`.
//! - `documented-fix`: the "After (Protected)" code, exactly: the `closing_positions` check-and-add
//!   under `_closing_lock`, then the `active_exit_orders` check-and-add under `_exit_lock` (whose
//!   `return False` leaves the symbol in `closing_positions`), then `try:` the sell;
//!   `if success and fully_closed:` flush the position and discard the symbol from
//!   `closing_positions`; `except:` discard it from `closing_positions`. Readings: (1) the
//!   listing elides where the position is read; the `try` opens with the sell, whose quantity
//!   needs it, so we read `self.positions[symbol]` (as "Before" does) inside the `try`: a missing
//!   position raises `KeyError` and takes the `except` path. (2) The listing never discards from
//!   `active_exit_orders`; Fix #3's own snippet says "Removed after exit completes (full or
//!   partial)", so we remove it after a successful sell, full or partial — the charitable
//!   reading (without it every exit would block the symbol for good). (3) A rejected order
//!   returns an error result, not an exception (`success` is false): neither set is released.
//!   A partial exit is not "final settlement": `closing_positions` keeps the symbol, as both the
//!   listing and Fix #1's comment say (the write-up's TEST 7 claims otherwise). (4) A sell that
//!   times out raises (a client library's timeout is an exception): the `except:` path.
//! - `correct-fix`: one claim, `closing_positions` checked and added under `_closing_lock`, the
//!   position read after the claim, the sell, the flush on a full exit, and the claim released
//!   in a `finally` on every path (sold, partial, rejected, no position) — but never on a guess:
//!   a sell that timed out is first settled with the broker (see "Broker faults").
//!   `active_exit_orders` adds nothing to one claim released this way, so it is gone.
//!
//! The write-up's operators' line, "CONCURRENCY PROTECTION: BTC-USD already being closed,
//! skipping duplicate exit", is logged where the `closing_positions` check turns an exit away.
//!
//! ## Broker faults
//! Fix #1's comment, "Unlock only after: Confirmed rejection OR Confirmed failure OR Final
//! settlement", says the engine faces rejected orders and orders whose fate is not confirmed.
//! Scenario `double-exit-timeout` (`timeouts = 1`): the first sell times out *after* the broker
//! filled it. Releasing the claim as if such a sell had failed leaves the engine holding a
//! position the broker sold, and the next exit sells it again (never sell more than is held).
//! The write-up's rule forbids that; its code does not follow it (`except:` releases on any
//! exception). `correct-fix` does: a timed-out sell is unconfirmed, so before the `finally` it
//! asks the broker for its net position (the final settlement: a market order's fill is done
//! when the broker answers) and takes that as what remains, flushing the position if it is
//! gone. Only then is the claim released, and the next exit finds no position to sell. Under
//! the claim no other exit sells, so the broker's position is this sale's outcome.
//! `rejects` turns rejections on.
//!
//! ## Invariants
//! - Never sell more than is held: the broker's position in the symbol never goes below zero.
//! - A position can always be exited again: once every exit has returned, neither
//!   `closing_positions` nor `active_exit_orders` holds the symbol. A symbol left in either set
//!   makes every later `execute_exit` for it return `False` — for what remains of this
//!   position, and for every position the bot opens in the symbol afterwards.
//!
//! Race window: two exit threads inside `execute_exit` for the position at once.

use std::collections::{BTreeMap, BTreeSet};

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::{Arc, Mutex};
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::variants::Variant;
use crate::world::{Behaviour, Broker, Kind, Refused, Side, SimBroker};

const INVARIANT_OVERSELL: &str = "never sell more than is held";
const INVARIANT_EXITABLE: &str = "a position can always be exited again";
const WINDOW: &str = "two exits of one position at once";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// Units held, by the account and by the engine.
    size: u64,
    /// One exit thread per entry: its `size_pct`, in percent of what remains (1 to 100).
    exits: Vec<u64>,
    /// Broker faults: the first `rejects` sells are rejected; the next `timeouts` time out
    /// after they filled.
    rejects: u32,
    timeouts: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self { symbol: "BTC-USD".into(), size: 100, exits: vec![100, 100], rejects: 0, timeouts: 0 }
    }
}

impl harness::race::Params for Params {
    fn check(&self) -> Result<(), String> {
        if !(2..=3).contains(&self.exits.len()) || self.exits.iter().any(|&p| !(1..=100).contains(&p)) {
            return Err(format!("expected 2 or 3 exits, each 1 to 100 (percent), got {:?}", self.exits));
        }
        Ok(())
    }
}

/// `self.positions[symbol]`: the position's size and what remains of it, in units.
#[derive(Clone, Copy, Debug)]
struct Position {
    size: u64,
    remaining: u64,
}

/// How the `try` block of `execute_exit` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sold {
    /// `self.positions[symbol]` raised `KeyError`.
    NoPosition,
    /// The broker rejected the order (an error result).
    Rejected,
    /// The broker did not answer in time (an exception); the order may have filled.
    TimedOut,
    /// Sold part; the position remains.
    Partial,
    /// Sold the rest; the position was flushed.
    Closed,
}

/// The execution engine, for the one symbol, on broker `B`.
struct Engine<B = SimBroker> {
    variant: Variant,
    params: Arc<Params>,
    /// `self.positions` (one dict operation is atomic under the GIL).
    positions: Mutex<BTreeMap<String, Position>>,
    /// `_closing_lock` and `closing_positions`.
    closing: Mutex<BTreeSet<String>>,
    /// `_exit_lock` and `active_exit_orders`.
    active: Mutex<BTreeSet<String>>,
    broker: B,
    exits: Overlap,
}

impl<B: Broker> Engine<B> {
    /// An engine holding `params.size` of the symbol, on `broker`.
    fn new(variant: Variant, params: &Arc<Params>, broker: B) -> Self {
        let position = Position { size: params.size, remaining: params.size };
        Self {
            variant,
            params: Arc::clone(params),
            positions: Mutex::new(BTreeMap::from([(params.symbol.clone(), position)])),
            closing: Mutex::new(BTreeSet::new()),
            active: Mutex::new(BTreeSet::new()),
            broker,
            exits: Overlap::new(WINDOW, 2),
        }
    }

    /// `execute_exit(symbol, exit_price, size_pct, reason)`.
    fn execute_exit(&self, pct: u64) {
        let _exit = self.exits.enter();
        let sym = &self.params.symbol;
        match self.variant {
            Variant::Before => {
                self.sell(pct);
            }
            Variant::DocumentedFix => {
                if !claim(&self.closing, sym, "closing_positions") {
                    return skip_duplicate(sym);
                }
                if !claim(&self.active, sym, "active_exit_orders") {
                    tracing::info!("returns False; closing_positions keeps {sym}");
                    return;
                }
                match self.sell(pct) {
                    Sold::NoPosition | Sold::TimedOut => {
                        tracing::info!("except: discards {sym} from closing_positions");
                        self.closing.lock().remove(sym);
                    }
                    Sold::Closed => {
                        tracing::info!("settled: discards {sym} from closing_positions");
                        self.closing.lock().remove(sym);
                        tracing::info!("exit complete: removes {sym} from active_exit_orders");
                        self.active.lock().remove(sym);
                    }
                    Sold::Partial => {
                        tracing::info!("exit complete: removes {sym} from active_exit_orders");
                        self.active.lock().remove(sym);
                    }
                    Sold::Rejected => {}
                }
            }
            Variant::CorrectFix => {
                if !claim(&self.closing, sym, "closing_positions") {
                    return skip_duplicate(sym);
                }
                if self.sell(pct) == Sold::TimedOut {
                    self.settle();
                }
                tracing::info!("finally: discards {sym} from closing_positions");
                self.closing.lock().remove(sym);
            }
        }
    }

    /// The body every variant shares: read the position, sell `pct` of what remains, update it.
    fn sell(&self, pct: u64) -> Sold {
        let sym = &self.params.symbol;
        let Some(position) = self.positions.lock().get(sym).copied() else {
            tracing::info!("self.positions[{sym}]: KeyError");
            return Sold::NoPosition;
        };
        let qty = position.remaining * pct / 100;
        tracing::info!("reads position: {} of {}; sells {pct}% = {qty}", position.remaining, position.size);
        match self.broker.place(sym, Kind::Market, Side::Sell, qty, None) {
            Ok(_) => {}
            Err(Refused::TimedOut) => {
                tracing::info!("exit order timed out: raises");
                return Sold::TimedOut;
            }
            Err(_) => {
                tracing::info!("exit order failed");
                return Sold::Rejected;
            }
        }
        // `position['remaining_size'] *= (1.0 - size_pct)`: on the shared dict, as it is now.
        self.set_remaining(|remaining| remaining * (100 - pct) / 100)
    }

    /// `correct-fix`, after a sell that timed out: the order may have filled, so the claim is
    /// not released on a guess. The broker's net position is the settlement: what it holds is
    /// what remains of the position.
    fn settle(&self) {
        let sym = &self.params.symbol;
        let held = self.broker.position(sym).max(0) as u64;
        tracing::info!("settles the timed-out sell: broker holds {held} {sym}");
        self.set_remaining(|_| held);
    }

    /// Sets what remains of the position from what remains now; flushes it below 1 %.
    fn set_remaining(&self, remaining: impl FnOnce(u64) -> u64) -> Sold {
        let sym = &self.params.symbol;
        let mut positions = self.positions.lock();
        let Some(p) = positions.get_mut(sym) else {
            tracing::info!("position already flushed");
            return Sold::Closed;
        };
        p.remaining = remaining(p.remaining);
        if p.remaining * 100 < p.size {
            positions.remove(sym);
            tracing::info!("TRADE COMPLETE; FLUSHING POSITION STATE: {sym}");
            Sold::Closed
        } else {
            tracing::info!("partial exit: {} of {} remain", p.remaining, p.size);
            Sold::Partial
        }
    }
}

impl Engine {
    /// Checks both invariants once every exit has returned.
    fn check(&self) {
        let sym = &self.params.symbol;
        if let Some(oversold) = self.broker.oversold(sym, self.params.size) {
            harness::violated(INVARIANT_OVERSELL, oversold);
        }
        let closing = self.closing.lock().contains(sym);
        let active = self.active.lock().contains(sym);
        let stuck = match self.positions.lock().get(sym) {
            Some(p) => format!("the {} {sym} the engine still holds", p.remaining),
            None => format!("the next position in {sym}"),
        };
        harness::ensure!(
            !closing && !active,
            INVARIANT_EXITABLE,
            "every exit returned, yet {sym} is still in {}: no execute_exit can sell {stuck}",
            match (closing, active) {
                (true, true) => "closing_positions and active_exit_orders",
                (true, false) => "closing_positions",
                _ => "active_exit_orders",
            }
        );
    }
}

/// `closing_positions` turned the exit away: the write-up's line for operators.
fn skip_duplicate(sym: &str) {
    tracing::warn!("CONCURRENCY PROTECTION: {sym} already being closed, skipping duplicate exit");
}

/// A check-and-add under the set's lock: false when `sym` is already in it.
fn claim(set: &Mutex<BTreeSet<String>>, sym: &str, name: &str) -> bool {
    let mut set = set.lock();
    if set.contains(sym) {
        if name != "closing_positions" {
            tracing::info!("{sym} already in {name}: returns False");
        }
        return false;
    }
    set.insert(sym.to_owned());
    tracing::info!("adds {sym} to {name}");
    true
}

/// One execution: a held position and one thread per exit.
fn execution(variant: Variant, params: &Arc<Params>) {
    let (rejects, timeouts) = (params.rejects, params.timeouts);
    let broker = SimBroker::new(Behaviour { fill_market_on_arrival: true, rejects, timeouts, ..Behaviour::default() });
    broker.hold(&params.symbol, params.size);
    let engine = Arc::new(Engine::new(variant, params, broker));
    let exits: Vec<_> = params
        .exits
        .iter()
        .zip(["exit-a", "exit-b", "exit-c"])
        .map(|(&pct, name)| crate::actors::spawn(name, &engine, move |engine| engine.execute_exit(pct)))
        .collect();
    crate::actors::join_all(exits);
    engine.check();
}

/// The double-exit race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "double-exit",
        title: "two threads exit one position",
        source: "\"Concurrency & State Synchronization Fix - Implementation Summary\" (Jan 28, 2026), Issue #1, Fix #1, #2, #3, Before vs. After",
        variants: Variant::NAMES,
        threads: 3,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};

#[cfg(test)]
mod tests {
    //! The write-up's promise to operators, on one interleaving made by a mock broker: the second
    //! exit runs while the first exit's sell is at the broker.
    use std::sync::{Arc, OnceLock, Weak};

    use tracing_test::traced_test;

    use super::*;
    use crate::world::{MockBroker, OrderId};

    const LINE: &str = "CONCURRENCY PROTECTION: BTC-USD already being closed, skipping duplicate exit";

    /// Two full exits of the position; with `overlap`, the second runs inside the first's sell.
    /// `sells` is how many sells the broker must receive, exactly.
    fn two_exits(variant: Variant, overlap: bool, sells: usize) {
        let first: Arc<OnceLock<Weak<Engine<MockBroker>>>> = Arc::default();
        let mut broker = MockBroker::new();
        let slot = Arc::clone(&first);
        broker.expect_place().times(1).returning(move |_, _, _, _, _| {
            if let Some(engine) = slot.get().and_then(Weak::upgrade).filter(|_| overlap) {
                engine.execute_exit(100);
            }
            Ok(OrderId(1))
        });
        if sells > 1 {
            broker.expect_place().times(sells - 1).returning(|_, _, _, _, _| Ok(OrderId(2)));
        }
        let engine = Arc::new(Engine::new(variant, &Arc::default(), broker));
        first.set(Arc::downgrade(&engine)).expect("set once");
        engine.execute_exit(100);
        if !overlap {
            engine.execute_exit(100);
        }
    }

    #[test]
    #[traced_test]
    fn correct_fix_turns_the_overlapping_exit_away_and_says_so() {
        two_exits(Variant::CorrectFix, true, 1);
        assert!(logs_contain(LINE));
    }

    #[test]
    #[traced_test]
    fn documented_fix_turns_the_overlapping_exit_away_and_says_so() {
        two_exits(Variant::DocumentedFix, true, 1);
        assert!(logs_contain(LINE));
    }

    #[test]
    #[traced_test]
    fn exits_one_after_the_other_log_no_protection() {
        two_exits(Variant::CorrectFix, false, 1);
        two_exits(Variant::DocumentedFix, false, 1);
        assert!(!logs_contain("CONCURRENCY PROTECTION"));
    }

    #[test]
    #[traced_test]
    fn correct_fix_settles_a_timed_out_sell_before_the_next_exit() {
        let mut broker = MockBroker::new();
        broker.expect_place().times(1).returning(|_, _, _, _, _| Err(Refused::TimedOut));
        broker.expect_position().times(1).returning(|_| 0);
        let engine = Engine::new(Variant::CorrectFix, &Arc::default(), broker);
        engine.execute_exit(100);
        engine.execute_exit(100);
        assert!(logs_contain("settles the timed-out sell: broker holds 0 BTC-USD"));
    }

    #[test]
    #[traced_test]
    fn before_has_no_protection_to_log_and_sells_twice() {
        two_exits(Variant::Before, true, 2);
        assert!(!logs_contain("CONCURRENCY PROTECTION"));
    }
}
