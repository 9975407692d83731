//! The simulated world's faults, each pinned by a verdict that depends on it alone:
//! `world-faults`, the models' own self-test.
//!
//! Races lean on the simulated broker's faults: the stale-cancel fix works because a cancel of a
//! filled order is refused; the double-exit and emergency-sell timeouts bite because a timed-out
//! order took effect all the same; the order-status race needs an order the broker does not show
//! yet. If one of those faults quietly changed — the broker accepting a cancel of a dead order,
//! a timeout that no longer takes effect — the races' verdicts could stay as they are (another
//! path still finds their bug) and only a report's text would change. Each variant here is a
//! naive bot of one thread whose verdict depends on one fault and nothing else: no interleaving
//! is involved (the scenario explores it exhaustively, and there is one schedule), so a changed
//! fault changes the verdict, and the gate turns red through an expectation.
//!
//! - `cancel-filled` (expected `holds`): the stop has filled; the bot cancels it and, if the
//!   cancel succeeds, believes the position still held and sells it. The broker refuses a cancel
//!   of a filled order, so it never sells twice.
//! - `timeout-after-effect` (expected `violated`): the entry order times out after it took
//!   effect; the bot retries, and two entry orders are live.
//! - `unknown-order` (expected `violated`): a fresh order does not show on its first status
//!   query; the bot takes "unknown" for "gone" and places another.

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::Arc;
use harness::{reached, Race};
use serde::Deserialize;

use crate::world::{Behaviour, Kind, Price, Refused, Side, SimBroker, Status};

const WINDOW: &str = "the fault fired";
const SYMBOL: &str = "ABC";

harness::variants! {
    /// One naive bot per fault, as scenario files name them.
    enum Variant {
        CancelFilled = "cancel-filled",
        TimeoutAfterEffect = "timeout-after-effect",
        UnknownOrder = "unknown-order",
    }
}

/// The variants take no parameters.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {}

impl harness::race::Params for Params {}

/// The number of live orders of `kind`, and their ids.
fn live(broker: &SimBroker, kind: Kind) -> (usize, String) {
    let ids: Vec<String> = broker
        .orders()
        .iter()
        .filter(|o| o.kind == kind && o.status == Status::Live)
        .map(|o| o.id.to_string())
        .collect();
    (ids.len(), ids.join(", "))
}

/// The stop has filled; a cancel that succeeds would make the bot sell a second time.
fn cancel_filled() {
    let broker = SimBroker::new(Behaviour::default());
    broker.hold(SYMBOL, 1);
    let Ok(stop) = broker.place(SYMBOL, Kind::Stop, Side::Sell, 1, Some(Price(9_900))) else {
        unreachable!("the default broker accepts every order")
    };
    broker.fill_triggered(SYMBOL, Kind::Stop, Price(9_850), 1);
    match broker.cancel(stop) {
        Ok(()) => {
            tracing::info!("cancel of {stop} accepted: the position must still be held; sells it");
            let _ = broker.place(SYMBOL, Kind::Market, Side::Sell, 1, None);
            let _ = broker.fill_triggered(SYMBOL, Kind::Market, Price(9_850), 1);
        }
        Err(refused) => {
            reached(WINDOW);
            tracing::info!("cancel of {stop} refused ({refused:?}): the stop sold the position");
        }
    }
    let position = broker.position(SYMBOL);
    harness::ensure!(position >= 0, "never sell more than is held", "{SYMBOL} position {position}");
}

/// The entry times out after it took effect; the bot retries it.
fn timeout_after_effect() {
    let broker = SimBroker::new(Behaviour { timeouts: 1, ..Behaviour::default() });
    for attempt in 1..=2 {
        match broker.place(SYMBOL, Kind::Entry, Side::Buy, 1, Some(Price(10_000))) {
            Err(Refused::TimedOut) => {
                reached(WINDOW);
                tracing::info!("attempt {attempt} timed out: retries");
            }
            other => {
                tracing::info!("attempt {attempt}: {other:?}");
                break;
            }
        }
    }
    let (count, ids) = live(&broker, Kind::Entry);
    harness::ensure!(count <= 1, "at most one live entry order", "{count} live entry orders: {ids}");
}

/// A fresh order does not show on its first status query; the bot takes that for "gone".
fn unknown_order() {
    let broker = SimBroker::new(Behaviour { unknown_for: 1, ..Behaviour::default() });
    let Ok(entry) = broker.place(SYMBOL, Kind::Entry, Side::Buy, 1, Some(Price(10_000))) else {
        unreachable!("the broker accepts the entry")
    };
    if broker.status(entry).is_none() {
        reached(WINDOW);
        tracing::info!("{entry} is unknown to the broker: places the entry again");
        let _ = broker.place(SYMBOL, Kind::Entry, Side::Buy, 1, Some(Price(10_000)));
    }
    let (count, ids) = live(&broker, Kind::Entry);
    harness::ensure!(count <= 1, "at most one live entry order", "{count} live entry orders: {ids}");
}

fn execution(variant: Variant, _: &Arc<Params>) {
    match variant {
        Variant::CancelFilled => cancel_filled(),
        Variant::TimeoutAfterEffect => timeout_after_effect(),
        Variant::UnknownOrder => unknown_order(),
    }
}

/// The world's self-test: what it says about itself, its window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "world-faults",
        title: "the simulated broker's faults, each pinned by a verdict that depends on it alone",
        source: "models/src/faults.rs",
        variants: Variant::NAMES,
        threads: 0,
        runtime: "threads",
    },
    window: WINDOW,
    run: execution,
};
