//! The world space of every race: what an auditor would vary, each value placed relative to the
//! level that matters (a tick below, at or above the entry; a broker slower or faster than the
//! lock's expiry), simplest first, with every broker fault the race's model knows.
//!
//! Domains follow the race and its own `Params::check`, not a scheduler: a world with more
//! threads than loom allows is still a world (the other schedulers cover it).

use toml::{Table, Value};

use super::space::{Dim, Order, Space};

fn int(v: i64) -> Value {
    Value::Integer(v)
}

fn ints(vs: &[i64]) -> Vec<Value> {
    vs.iter().copied().map(int).collect()
}

fn prices(ps: &[&str]) -> Vec<Value> {
    ps.iter().map(|p| Value::String((*p).to_owned())).collect()
}

fn bools(bs: &[bool]) -> Vec<Value> {
    bs.iter().copied().map(Value::Boolean).collect()
}

fn nothing(_: &mut Table) {}

fn space(race: &'static str, default_size: usize, dims: Vec<Dim>) -> Space {
    Space { race, dims, derive: nothing, default_size }
}

/// The space of race `id`, if it has one.
pub fn space_of(id: &str) -> Option<Space> {
    Some(match id {
        // Entry at 100.00: ticks below, at and above it; the polling rounds; attempts used and
        // allowed; the broker rejecting. A timeout after effect has its own scenario,
        // `reentry-timeouts` (explored exhaustively): adding it here would change every world's
        // text, and so the committed worlds and the fuzzer's shrinking.
        "reentry" => space(
            "reentry",
            4,
            vec![
                Dim::seq("ticks", prices(&["99.50", "100.00", "100.50"]), 1..=3, Order::Matters),
                Dim::one("polls", ints(&[1, 2, 3])),
                Dim::one("entries_today", ints(&[1, 0, 2])),
                Dim::one("max_attempts", ints(&[3, 2, 1])),
                Dim::one("rejects", ints(&[0, 1, 2])),
            ],
        ),
        // Sizes that split evenly or not; each exit thread's share (symmetric: the exits are
        // identical threads); rejected and timed-out sells.
        "double-exit" => space(
            "double-exit",
            3,
            vec![
                Dim::one("size", ints(&[100, 1, 3])),
                Dim::seq("exits", ints(&[100, 50, 1, 99]), 2..=3, Order::Symmetric),
                Dim::one("rejects", ints(&[0, 1])),
                Dim::one("timeouts", ints(&[0, 1])),
            ],
        ),
        // Two or three workers; the broker faster than, as slow as, or slower than the lock's
        // expiry; a cooldown long or short against the workers' trades.
        "cooldown-bypass" => space(
            "cooldown-bypass",
            4,
            vec![
                Dim::one("workers", ints(&[2, 3])),
                Dim::one("broker_latency_ms", ints(&[200, 30_000, 35_000])),
                Dim::one("lock_ttl_ms", ints(&[30_000, 1_000])),
                Dim::one("cooldown_ms", ints(&[900_000, 90_000])),
            ],
        ),
        // Shares held and filled by the stop; tick times before, at and after the cutoff.
        "auto-exit" => space(
            "auto-exit",
            4,
            vec![
                Dim::seq("ticks", ints(&[1515, 1514, 1516]), 1..=2, Order::Matters),
                Dim::one("qty", ints(&[1, 2])),
                Dim::one("stop_fill", ints(&[1, 0, 2])),
            ],
        ),
        // One to three traders; streams killed after one, two or three losses; the closing
        // trade's loss small or large.
        "circuit-breaker" => Space {
            race: "circuit-breaker",
            dims: vec![
                Dim::one("traders", ints(&[2, 1, 3])),
                Dim::one("max_losses", ints(&[3, 1, 2])),
                Dim::one("pnl", prices(&["-12.50", "-0.01"])),
            ],
            derive: one_loss_from_the_kill,
            default_size: 1,
        },
        // Units held; the broker's positions lagging or current; rejected and timed-out sells.
        "emergency-sell" => space(
            "emergency-sell",
            4,
            vec![
                Dim::one("lagging_positions", bools(&[true, false])),
                Dim::one("size", ints(&[100, 1])),
                Dim::one("rejects", ints(&[0, 1])),
                Dim::one("timeouts", ints(&[0, 1])),
            ],
        ),
        // Entry at 100.00: the strategy's stop above, at or below the emergency level (entry
        // less the distance); how many ticks the WebSocket thread processes.
        "emergency-stop" => space(
            "emergency-stop",
            4,
            vec![
                Dim::one("ticks", ints(&[2, 1, 3])),
                Dim::one("stop_price", prices(&["99.00", "98.00", "97.00"])),
                Dim::one("emergency_distance", prices(&["2.00", "1.00", "3.00"])),
            ],
        ),
        // One process or two; the broker slower than, as slow as, or faster than the lock's
        // timeout; two symbols, or the same symbol twice.
        "expert-recommendations" => space(
            "expert-recommendations",
            4,
            vec![
                Dim::one("processes", ints(&[1, 2])),
                Dim::one("broker_latency_ms", ints(&[600, 500, 100])),
                Dim::one(
                    "analyses",
                    vec![
                        Value::Array(vec!["AAPL".into(), "MSFT".into()]),
                        Value::Array(vec!["AAPL".into(), "AAPL".into()]),
                    ],
                ),
            ],
        ),
        // Trigger 99.50, entry 100.00: the tick's and the poll's last price below the trigger,
        // at it, between trigger and entry, at the entry, above it; attempts used and allowed.
        "initial-trigger" => space(
            "initial-trigger",
            4,
            vec![
                Dim::one("tick_ltp", prices(&["99.40", "99.50", "99.75", "100.00", "100.10"])),
                Dim::one("poll_ltp", prices(&["99.40", "99.50", "99.75", "100.00", "100.10"])),
                Dim::one("entries_today", ints(&[0, 1])),
                Dim::one("max_attempts", ints(&[1, 2])),
            ],
        ),
        // Entry 100.00, stale order 101.00: the tick below, at or above the entry; the market
        // filling or not; attempts; orders unknown to their first status queries; reconciliation
        // rounds.
        "order-status" => space(
            "order-status",
            2,
            vec![
                Dim::one("ltp", prices(&["99.50", "100.00", "100.50"])),
                Dim::one("market_fills", bools(&[true, false])),
                Dim::one("unknown_for", ints(&[0, 1, 2])),
                Dim::one("reconcile_polls", ints(&[1, 2, 3])),
                Dim::one("entries_today", ints(&[1, 2])),
                Dim::one("max_attempts", ints(&[3, 2])),
            ],
        ),
        // An order placed at 0, stale after 60: the tick and the poll before, at and after that
        // age; attempts used and allowed.
        "stale-cancel" => space(
            "stale-cancel",
            4,
            vec![
                Dim::one("tick_at", ints(&[90, 60, 30])),
                Dim::one("poll_at", ints(&[90, 60, 30, 120])),
                Dim::one("entries_today", ints(&[1, 2])),
                Dim::one("max_attempts", ints(&[3, 2])),
            ],
        ),
        // Stop at 100.00: ticks that raise the trailed stop, leave it, or fall below it.
        "trailing-stop" => space(
            "trailing-stop",
            4,
            vec![
                Dim::seq("ticks", prices(&["103.00", "104.00", "101.00", "100.50", "99.00"]), 1..=3, Order::Matters),
                Dim::one("trail", prices(&["1.00", "0.50", "2.00"])),
            ],
        ),
        // Two or three runs started at once; Binance rejecting the first buy (the merged fix's
        // `hdel` is skipped by the error), or answering slower than the flag's 5 s TTL.
        "ticker-double-buy" => space(
            "ticker-double-buy",
            1,
            vec![
                Dim::one("triggers", ints(&[2, 3])),
                Dim::one("rejects", ints(&[0, 1])),
                Dim::one("latency_ms", ints(&[200, 6_000])),
            ],
        ),
        // One status round, or as many as the merged fix's confirmation count (3); orders
        // visible at once or to the fourth status query only; the create rejected, or timing
        // out after it took effect.
        "order-not-found" => space(
            "order-not-found",
            1,
            vec![
                Dim::one("polls", ints(&[1, 3])),
                Dim::one("unknown_for", ints(&[0, 3])),
                Dim::one("rejects", ints(&[0, 1])),
                Dim::one("timeouts", ints(&[0, 1])),
            ],
        ),
        _ => return None,
    })
}

/// A circuit-breaker stream is one loss from its kill: `losses = max_losses - 1`.
fn one_loss_from_the_kill(t: &mut Table) {
    let max = t.get("max_losses").and_then(Value::as_integer).unwrap_or(3);
    t.insert("losses".into(), int(max - 1));
}
