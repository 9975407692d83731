//! # Ticker double buy: two trailing-trade runs of one symbol both place the buy order
//! (chrisleekr/binance-trading-bot #450/#451, fix PR #448, commit 5d157579)
//!
//! The bot is one Node.js process: one event loop. Since v0.0.88 every mini-ticker message of a
//! symbol starts a whole trailing-trade run, fire and forget (`app/binance/tickers.js`:
//! `executeTrailingTrade(logger, monitoringSymbol)`, no `await`), and so do order updates. A run
//! (`execute` in `app/cronjob/trailingTrade.js`) awaits every step: it reads the symbol's open
//! orders from the Redis cache (`get-open-orders`), decides to buy, and `place-buy-order` places
//! the grid trade's buy order unless that list is non-empty, then re-reads the open orders from
//! Binance and writes them to the cache. Two runs a moment apart both read an empty list before
//! either has re-cached: issue #450, "Duplicated buy orders since websocket implemented" — "both
//! executed on Binance but they are counted as single order on bot side"; #451 the same for
//! sells ("there was New/Filled order update almost the same time and it triggered two
//! executeTrailingTrade").
//!
//! ## Actors
//! `ticker-1`, `ticker-2` (and `ticker-3` with `triggers = 3`): async tasks on one event loop,
//! each one `execute(logger, symbol)` started by a message that arrived at the same moment
//! (`main` is the WebSocket client delivering them). Each await is a round trip to Redis
//! ([`SimKv`]) or Binance ([`SimBroker`]; the buy is a `STOP_LOSS_LIMIT`, a buy-stop, at
//! `price`); code between two awaits runs alone on the loop.
//!
//! Readings taken. Steps that read or write other state (account info, indicators, the grid
//! trade's bookkeeping in MongoDB, balances) are left out: they decide nothing here, and each is
//! one more await, one more point where another run may go first, which the awaits kept already
//! give. `getAndCacheOpenOrdersForSymbol` is one awaited helper: Binance, then Redis, nothing of
//! the loop's between the two. The cache helpers (`app/helpers/cache.js`) take a redlock of their
//! own around each single Redis command and release it before returning; a lock around one
//! command Redis already runs atomically orders nothing the command's own round trip does not,
//! so each helper is one round trip here (the redlock's failure path — a dropped run — is not
//! modelled). Time is the clock Redis expires keys by: only Binance's answers advance it, by
//! `latency_ms` each (the loop's own timers are not used here). Slower than the flag's 5 s TTL,
//! an order lets the flag expire under a run still in progress.
//!
//! ## Variants
//! - `before` (parent `70b8d0c8`): no guard.
//! - `merged-fix` (`5d157579`, exactly as merged): inside `errorHandlerWrapper`, `if ((await
//!   cache.hget('execute-trailing-trade', symbol)) === 'true') return;`, then `await
//!   cache.hset('execute-trailing-trade', symbol, true, 5)`, the steps, and `await
//!   cache.hdel(...)` last — not in a `finally`: a step that throws (a rejected order) skips it,
//!   and the flag stays until its TTL. The check and the set are two awaits apart.
//! - `correct-fix`: the check and the set in one synchronous segment, on a module-level `Set` of
//!   the symbols running (`if (running.has(symbol)) return; running.add(symbol);`), and the
//!   delete in a `finally`. It holds in one process, which is what the bot is; several processes
//!   sharing Redis would need `SET NX` in one round trip instead.
//!
//! ## Invariants
//! - At most one buy order for the symbol's grid trade at Binance.
//! - A run is skipped only while another run of the symbol is in progress (a stale flag skips
//!   runs — order fills included — until it expires).
//!
//! Race window: two runs of the symbol in progress at once (the second may skip at once: the
//! correct fix reaches it too).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::{Arc, Mutex};
use harness::tasks::{Cx, Executor};
use harness::{Overlap, Race};
use serde::Deserialize;

use crate::variants::Merged as Variant;
use crate::world::{Behaviour, Kind, Price, Refused, Side, SimBroker, SimClock, SimKv};

const INVARIANT_ONE_BUY: &str = "at most one buy order for the symbol's grid trade";
const INVARIANT_SKIP: &str = "a run is skipped only while another run of the symbol is in progress";
const WINDOW: &str = "two runs of the symbol in progress at once";

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// The grid trade's buy-stop price.
    price: Price,
    /// Runs started at the same moment (ticker messages, order updates): 2 or 3.
    triggers: usize,
    /// Binance rejects the first `rejects` orders.
    rejects: u32,
    /// How long Binance takes to answer an order, on the clock Redis expires keys by.
    latency_ms: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self { symbol: "BTCUSDT".into(), price: Price(2_300_000), triggers: 2, rejects: 0, latency_ms: 200 }
    }
}

impl harness::race::Params for Params {
    fn check(&self) -> Result<(), String> {
        harness::race::in_range("triggers", self.triggers, 2..=3)
    }
}

/// The bot's process: its module-level state, Redis and Binance.
struct Bot {
    variant: Variant,
    params: Arc<Params>,
    clock: Arc<SimClock>,
    redis: SimKv,
    binance: SimBroker,
    /// `correct-fix`: the symbols with a run in progress (module-level, in the process's memory).
    running: Mutex<BTreeSet<String>>,
    /// Runs started and not yet ended (the checker's, not the bot's: it decides nothing).
    in_progress: AtomicUsize,
    runs: Overlap,
}

impl Bot {
    fn flag_key(&self) -> String {
        format!("execute-trailing-trade:{}", self.params.symbol)
    }

    fn open_orders_key(&self) -> String {
        format!("trailing-trade-open-orders:{}", self.params.symbol)
    }

    /// `execute(logger, symbol)`: one run, guarded as the variant guards it.
    async fn execute(&self, cx: &Cx) {
        let _run = self.runs.enter();
        self.in_progress.fetch_add(1, Ordering::SeqCst);
        let symbol = &self.params.symbol;
        match self.variant {
            Variant::Before => {
                let _ = self.steps(cx).await;
            }
            Variant::MergedFix => {
                let key = self.flag_key();
                // The checker counts the other runs when Redis answers, not when the run reads
                // the answer: by then the run that set the flag may have ended, as it should.
                let (flag, others) = cx.call(|| (self.redis.get(&key), self.others())).await;
                if flag.as_deref() == Some("true") {
                    tracing::info!("hget execute-trailing-trade = 'true': another execution is running, return");
                    self.skipped(others);
                } else {
                    cx.call(|| self.redis.set(&key, "true", Some(5_000))).await;
                    // A step that throws goes to `errorHandlerWrapper`: the `hdel` after it never runs.
                    if self.steps(cx).await.is_ok() {
                        cx.call(|| self.redis.del(&key)).await;
                    }
                }
            }
            Variant::CorrectFix => {
                let claimed = self.running.lock().insert(symbol.clone());
                if claimed {
                    tracing::info!("running.has({symbol}) = false: adds it, in the same segment");
                    let _ = self.steps(cx).await;
                    // `finally`: on success and on error.
                    self.running.lock().remove(symbol);
                    tracing::info!("finally: running.delete({symbol})");
                } else {
                    tracing::info!("running.has({symbol}) = true: return");
                    self.skipped(self.others());
                }
            }
        }
        self.in_progress.fetch_sub(1, Ordering::SeqCst);
    }

    /// The runs in progress besides the caller's.
    fn others(&self) -> usize {
        self.in_progress.load(Ordering::SeqCst) - 1
    }

    /// A run returns at its guard, which saw `others` other runs in progress: one at least.
    fn skipped(&self, others: usize) {
        let symbol = &self.params.symbol;
        harness::ensure!(others > 0, INVARIANT_SKIP, "a run of {symbol} skipped when no other run was in progress");
    }

    /// The steps that decide: `get-open-orders`, `place-buy-order` and its refresh of the cache.
    /// An `Err` is the order's rejection, thrown out of the run.
    async fn steps(&self, cx: &Cx) -> Result<(), Refused> {
        let p = &self.params;
        let key = self.open_orders_key();
        let cached = cx.call(|| self.redis.get(&key)).await;
        let open = cached.unwrap_or_else(|| "[]".into());
        tracing::info!("get-open-orders: {open}");
        if open != "[]" {
            tracing::info!("place-buy-order: there are open orders for {}: do not place an order", p.symbol);
            return Ok(());
        }
        tracing::info!("place-buy-order: the grid trade #1 buy order will be placed");
        let placed = cx
            .call(|| {
                let placed = self.binance.place(&p.symbol, Kind::Entry, Side::Buy, 1, Some(p.price));
                self.clock.advance(p.latency_ms);
                placed
            })
            .await;
        if let Err(e) = placed {
            tracing::info!("binance.client.order throws: {e:?}");
            return Err(e);
        }
        cx.call(|| {
            let open = self.binance.open_orders(&p.symbol, Kind::Entry);
            let shown: Vec<String> = open.iter().map(ToString::to_string).collect();
            self.redis.set(&key, &format!("[{}]", shown.join(", ")), None);
        })
        .await;
        Ok(())
    }

    /// At most one buy order for the grid trade, against Binance's ledger.
    fn check(&self) {
        let symbol = &self.params.symbol;
        let buys: Vec<String> = self.binance.live_orders(Kind::Entry, symbol).iter().map(ToString::to_string).collect();
        harness::ensure!(
            buys.len() <= 1,
            INVARIANT_ONE_BUY,
            "{} buy orders for {symbol}: {}",
            buys.len(),
            buys.join(", ")
        );
    }
}

/// One execution: `triggers` runs of the symbol started at once on one event loop.
fn execution(variant: Variant, params: &Arc<Params>) {
    let clock = Arc::new(SimClock::new(0));
    let bot = Arc::new(Bot {
        variant,
        params: Arc::clone(params),
        redis: SimKv::new(Arc::clone(&clock)),
        clock,
        binance: SimBroker::new(Behaviour { rejects: params.rejects, ..Behaviour::default() }),
        running: Mutex::new(BTreeSet::new()),
        in_progress: AtomicUsize::new(0),
        runs: Overlap::new(WINDOW, 2),
    });
    let on_loop = Arc::clone(&bot);
    Executor::event_loop().block_on(|main| async move {
        let runs: Vec<_> = (1..=on_loop.params.triggers)
            .map(|i| {
                let bot = Arc::clone(&on_loop);
                main.spawn(&format!("ticker-{i}"), move |cx| async move { bot.execute(&cx).await })
            })
            .collect();
        for run in runs {
            main.join(run).await;
        }
    });
    bot.check();
}

/// The ticker double-buy race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "ticker-double-buy",
        title: "two trailing-trade runs of one symbol both place the buy order",
        source: "chrisleekr/binance-trading-bot #450, #451; fix PR #448 (commit 5d157579)",
        variants: Variant::NAMES,
        threads: 3,
        runtime: "Node.js event loop",
    },
    window: WINDOW,
    run: execution,
};
