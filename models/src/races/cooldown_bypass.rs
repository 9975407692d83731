//! # Cooldown bypass: two Celery workers both trade for one bot (“Race Condition Fix - Implementation Report”)
//!
//! The web backend evaluates its bots in Celery tasks, and runs two or more worker *processes*.
//! `execute_trade()` refuses a trade while the bot's cooldown runs, by reading the bot's last
//! trade from the `trades` table (SQLite). The write-up ("Problem Identified") found pairs of
//! trades 0.09–0.82 s apart: two processes passed the cooldown check before either recorded its
//! trade. A first fix, `SELECT ... FOR UPDATE`, changed nothing, since SQLite does not lock rows
//! across processes ("After v1 fix" still shows doubles), so `before` is simply check, trade,
//! record. Processes share nothing but Redis ([`SimKv`]), the database ([`SimDb`]), the broker
//! and time ([`SimClock`]); each worker here is one process running one `execute_trade` task.
//!
//! ## Variants
//! - `before`: read the last trade, compare with the cooldown, trade, insert the trade row.
//! - `documented-fix` ("Solution Implemented", `_get_bot_with_trade_lock`): `SET
//!   bot_trade_lock:{bot_id} "locked" NX EX 30`; if that fails, raise "Another trade is
//!   currently in progress"; else validate the cooldown and trade while holding it. The write-up
//!   says the lock "is automatically released on success/error/timeout" but does not show the
//!   release; we read it as the usual `finally: redis_client.delete(lock_key)` (a plain `DEL`),
//!   plus the 30 s expiry for a worker that dies. Every holder writes the same value,
//!   `"locked"`, so no release could tell its own lock from another's.
//! - `token-lock`: the usual repair of such a lock, and no more: a value unique to the holder,
//!   released by compare-and-delete. It shows what a lock alone can and cannot do.
//! - `correct-fix`: the token lock, and the cooldown *claimed in the database* before the broker
//!   is called: one statement, `INSERT INTO trades ... WHERE NOT EXISTS (a trade of the bot
//!   within the cooldown)`, which SQLite runs atomically (it serialises writers; `BEGIN
//!   IMMEDIATE` around the check and the insert would do the same). The claimed row gets its
//!   `filled_at` when the broker answers. The claim, not the lock, is what holds: a lease that
//!   can expire under a holder still working cannot exclude anyone by itself, and a broker
//!   takes no fencing token. The lock remains only to spare the broker and the database.
//!
//! ## Scenarios
//! - `cooldown-bypass`: the broker answers in 200 ms, well inside the 30 s TTL.
//! - `cooldown-bypass-slow-broker`: it answers in 35 s, with three workers. The lock expires
//!   while its holder is still at the broker; a second worker takes the lock and passes the
//!   cooldown check, since the first trade is not recorded yet: two trades. The first worker's
//!   plain `DEL` then deletes the second worker's lock and lets the third in, but that one is
//!   refused by the cooldown, because every holder records its trade before it releases: the
//!   plain `DEL` breaks the lock's exclusion, yet here adds no trade. The expiry alone makes the
//!   double trade, which is why `token-lock` fails too.
//!
//! ## Invariant
//! No two trades of a bot inside its cooldown window. The bot's last trade is exactly one
//! cooldown old when the workers start, and an execution lasts less than one cooldown (the
//! parameters are checked for it), so this is: at most one trade reaches the broker. It is
//! counted at the broker, not in `trades`, so that a trade the database never heard of counts.
//!
//! Race window: with a fast broker, both workers inside `execute_trade` at once; with a broker
//! slower than the TTL, two workers between their cooldown check and their recorded trade at
//! once (for the locked variants that needs a lock that expired under its holder).

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::{thread, Arc};
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::world::clock::secs;
use crate::world::{Behaviour, Kind, Side, SimBroker, SimClock, SimDb, SimKv};

const INVARIANT: &str = "no two trades of a bot inside its cooldown window";
const WINDOW_BOTH: &str = "both workers attempting the bot's trade at once";
const WINDOW_CHECKS: &str = "two workers between cooldown check and recorded trade at once";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    /// The bot (`bot_trade_lock:{bot_id}`).
    bot: u32,
    /// What the bot trades.
    symbol: String,
    /// Celery worker processes, each running one `execute_trade` task for the bot (2 or 3).
    workers: usize,
    /// The bot's cooldown between trades.
    cooldown_ms: u64,
    /// The lock's `EX`.
    lock_ttl_ms: u64,
    /// How long the broker takes to execute a trade.
    broker_latency_ms: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            bot: 4,
            symbol: "BTC-USD".into(),
            workers: 2,
            cooldown_ms: 900_000,
            lock_ttl_ms: 30_000,
            broker_latency_ms: 200,
        }
    }
}

impl harness::race::Params for Params {
    fn check(&self) -> Result<(), String> {
        harness::race::in_range("workers", self.workers, 2..=3)?;
        if self.workers as u64 * self.broker_latency_ms >= self.cooldown_ms {
            return Err("workers x broker_latency_ms must be shorter than cooldown_ms: the invariant counts trades within one cooldown".into());
        }
        Ok(())
    }

    /// A broker slower than the lock's TTL: the window is a lock expiring under its holder.
    fn window(&self, window: &'static str) -> &'static str {
        if self.broker_latency_ms >= self.lock_ttl_ms {
            WINDOW_CHECKS
        } else {
            window
        }
    }
}

harness::variants! {
    /// The variants, as scenario files name them.
    enum Variant {
        Before = "before",
        DocumentedFix = "documented-fix",
        TokenLock = "token-lock",
        CorrectFix = "correct-fix",
    }
}

/// What the worker processes share: Redis, the database, the broker, time.
struct World {
    variant: Variant,
    params: Arc<Params>,
    clock: Arc<SimClock>,
    kv: SimKv,
    db: SimDb,
    broker: SimBroker,
    attempts: Overlap,
    checks: Overlap,
}

impl World {
    /// One `execute_trade` task for the bot, in the calling worker process.
    fn execute_trade(&self) {
        let _attempt = self.attempts.enter();
        let key = format!("bot_trade_lock:{}", self.params.bot);
        let token = match self.variant {
            Variant::Before => None,
            Variant::DocumentedFix => Some("locked".to_owned()),
            // A value unique to this attempt (a uuid4 in real code; the worker's name here).
            Variant::TokenLock | Variant::CorrectFix => Some(thread::current_name()),
        };
        if let Some(token) = &token {
            if !self.kv.set_nx_ex(&key, token, self.params.lock_ttl_ms) {
                tracing::info!("raises TradeExecutionError: another trade is currently in progress");
                return;
            }
        }
        if self.variant == Variant::CorrectFix {
            self.claim_and_trade();
        } else {
            self.validate_and_trade();
        }
        // `finally`: release the lock, on success and on error.
        match (self.variant, &token) {
            (Variant::DocumentedFix, _) => {
                self.kv.del(&key);
            }
            (_, Some(token)) => {
                self.kv.compare_and_delete(&key, token);
            }
            (_, None) => {}
        }
    }

    /// `before`, `documented-fix`, `token-lock`: check the cooldown, trade, record the trade.
    fn validate_and_trade(&self) {
        let _check = self.checks.enter();
        let p = &self.params;
        let last = self.db.last_trade(p.bot);
        let now = self.clock.now();
        if let Some(last) = last.filter(|l| now < l.at() + p.cooldown_ms) {
            let remaining = last.at() + p.cooldown_ms - now;
            tracing::info!("cooldown remaining {} (last trade #{}): rejected", secs(remaining), last.id);
            return;
        }
        tracing::info!("cooldown passed at t={}: trades", secs(now));
        self.trade();
        self.db.insert_trade(p.bot);
    }

    /// `correct-fix`: claim the trade in the database (cooldown checked in the same
    /// statement), trade, mark the claimed row filled.
    fn claim_and_trade(&self) {
        let _check = self.checks.enter();
        let p = &self.params;
        match self.db.insert_trade_unless_within(p.bot, p.cooldown_ms) {
            Err(last) => tracing::info!("cooldown active (trade #{} at t={}): rejected", last.id, secs(last.at())),
            Ok(claim) => {
                self.trade();
                self.db.fill_trade(claim);
            }
        }
    }

    /// The broker executes a market buy, taking `broker_latency_ms`.
    fn trade(&self) {
        let p = &self.params;
        self.clock.advance(p.broker_latency_ms);
        let _ = self.broker.place(&p.symbol, Kind::Market, Side::Buy, 1, None);
    }

    /// No two trades of the bot inside the cooldown. The whole execution is shorter than one
    /// cooldown (the parameters are checked for it), so that is: at most one trade at the broker.
    fn check(&self) {
        let p = &self.params;
        let orders: Vec<String> =
            self.broker.orders().into_iter().filter(|o| o.symbol == p.symbol).map(|o| o.id.to_string()).collect();
        let rows: Vec<String> = self
            .db
            .trades()
            .into_iter()
            .filter(|t| t.bot == p.bot && t.at() >= p.cooldown_ms)
            .map(|t| format!("#{} at t={}", t.id, secs(t.at())))
            .collect();
        let elapsed = self.clock.now() - p.cooldown_ms;
        harness::ensure!(
            orders.len() <= 1,
            INVARIANT,
            "bot {} traded {} times ({}) within {}, cooldown {}; trades rows: {}",
            p.bot,
            orders.len(),
            orders.join(", "),
            secs(elapsed),
            secs(p.cooldown_ms),
            rows.join(", ")
        );
    }
}

/// One execution: the bot's last trade is one cooldown old; each worker runs `execute_trade`.
fn execution(variant: Variant, params: &Arc<Params>) {
    let clock = Arc::new(SimClock::new(params.cooldown_ms));
    let world = Arc::new(World {
        variant,
        params: Arc::clone(params),
        kv: SimKv::new(Arc::clone(&clock)),
        db: SimDb::new(Arc::clone(&clock)),
        clock,
        broker: SimBroker::new(Behaviour { fill_market_on_arrival: true, ..Behaviour::default() }),
        attempts: Overlap::new(WINDOW_BOTH, 2),
        checks: Overlap::new(WINDOW_CHECKS, 2),
    });
    world.db.insert_trade_at(params.bot, 0);
    let workers: Vec<_> = (1..=params.workers)
        .map(|i| crate::actors::spawn(&format!("worker-{i}"), &world, move |world| world.execute_trade()))
        .collect();
    crate::actors::join_all(workers);
    world.check();
}

/// The cooldown-bypass race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "cooldown-bypass",
        title: "two Celery workers pass the bot's cooldown check and both trade",
        source: "\"Race Condition Fix - Implementation Report\", Problem Identified; Solution Implemented",
        variants: Variant::NAMES,
        threads: 3,
        runtime: "processes",
    },
    window: WINDOW_BOTH,
    run: execution,
};
