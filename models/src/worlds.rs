//! Generated worlds: proptest strategies over a race's parameters, for `racecheck fuzz`.
//!
//! Fixed scenarios find the races someone already imagined; generated ones find the rest. Each
//! strategy draws a race's `[params]` table — tick sequences and prices, how many polls, workers or
//! exits, sizes, broker latency against the lock's expiry — and shrinks toward the smallest world:
//! fewer ticks, fewer actors, smaller numbers. A world the race refuses (its parameter checks fail)
//! is rejected, not failed.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use toml::{Table, Value};

use crate::world::Price;

/// The races `racecheck fuzz` can generate worlds for.
pub const RACES: &[&str] = &["reentry", "double-exit", "cooldown-bypass"];

/// The world strategy of race `id`, if it has one.
pub fn strategy(id: &str) -> Option<BoxedStrategy<Table>> {
    match id {
        "reentry" => Some(reentry()),
        "double-exit" => Some(double_exit()),
        "cooldown-bypass" => Some(cooldown_bypass()),
        _ => None,
    }
}

fn int(v: u64) -> Value {
    Value::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}

/// A price between 98.00 and 102.00 on a 0.25 grid, as the scenario files write prices.
fn price() -> impl Strategy<Value = Value> {
    (0u64..=16).prop_map(|q| Value::String(Price(9_800 + 25 * q as i64).to_string()))
}

/// Re-entry: the ticks the WebSocket thread sees, the polling thread's rounds, the attempts left.
fn reentry() -> BoxedStrategy<Table> {
    (prop::collection::vec(price(), 1..=3), 1u64..=3, 0u64..=2, 1u64..=3)
        .prop_map(|(ticks, polls, entries_today, max_attempts)| {
            let mut t = Table::new();
            t.insert("ticks".into(), Value::Array(ticks));
            t.insert("polls".into(), int(polls));
            t.insert("entries_today".into(), int(entries_today));
            t.insert("max_attempts".into(), int(max_attempts));
            t
        })
        .boxed()
}

/// Double exit: the position's size and each exit thread's share of what remains.
fn double_exit() -> BoxedStrategy<Table> {
    (1u64..=200, prop::collection::vec(prop_oneof![Just(100u64), 1u64..=100], 2..=3))
        .prop_map(|(size, exits)| {
            let mut t = Table::new();
            t.insert("size".into(), int(size));
            t.insert("exits".into(), Value::Array(exits.into_iter().map(int).collect()));
            t
        })
        .boxed()
}

/// Cooldown bypass: how many workers, how slow the broker is against the lock's expiry.
fn cooldown_bypass() -> BoxedStrategy<Table> {
    (2u64..=3, 1u64..=60, 0u64..=60)
        .prop_map(|(workers, ttl_s, latency_s)| {
            let mut t = Table::new();
            t.insert("workers".into(), int(workers));
            t.insert("lock_ttl_ms".into(), int(ttl_s * 1_000));
            t.insert("broker_latency_ms".into(), int(latency_s * 1_000));
            t
        })
        .boxed()
}
