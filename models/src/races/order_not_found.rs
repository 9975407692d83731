//! # Order not found: the status poller fails an order whose create is still in flight
//! (hummingbot/hummingbot #601, fix PR #603, commit 8b7ba10eb2)
//!
//! Hummingbot's Binance connector (`hummingbot/market/binance/binance_market.pyx`, 2019) runs on
//! one asyncio loop. The strategy's `c_buy` starts `execute_buy` as a task; it tracks the order
//! (`c_start_tracking_order(order_id, "", ...)`, no exchange id yet) and then awaits the REST
//! create. Meanwhile `_status_polling_loop` runs `_update_order_status` once per 10 s: it asks
//! Binance for every tracked order by client id (`get_order(origClientOrderId=...)`) and, on
//! `-2013 Order does not exist`, fires `MarketOrderFailureEvent` and stops tracking the order. An
//! order whose create has not landed yet does not exist. Issue #601: "the pure market making
//! strategy making duplicate orders to the exchange, thus depleting the available balance" — the
//! order lands, live and untracked, and the strategy has already replaced it.
//!
//! ## Actors
//! Async tasks on one event loop. `main` is the strategy's first tick: it quotes one bid
//! (`c_buy` → task `buy-1`). `poller` is `_status_polling_loop`, woken once per poll interval
//! (10 s of the loop's virtual time; the clock's `c_tick` sets its `asyncio.Event`, modelled as
//! the interval's timer), for `polls` rounds; a round's `asyncio.gather` of status queries is one
//! await. The strategy keeps one buy level: when its bid fails it quotes a new one (`buy-2`);
//! the execution ends after that one replacement. Binance is [`SimBroker`], orders under client
//! ids; faults: the first `rejects` creates are rejected, the next `timeouts` time out after
//! taking effect, and each order stays invisible to its first `unknown_for` status queries (a
//! status endpoint that lags the matching engine; the open-orders list is current).
//!
//! Readings taken. A create is in flight for as long as the schedule keeps it there, across
//! poll rounds: `query_api`'s 10 s `asyncio` timeout stops the await, not the executor thread's
//! HTTP request, which may still land. The strategy re-quotes in its listener of the failure
//! event rather than on its next tick: nothing runs between the two that the race involves.
//!
//! ## Variants
//! - `before` (`8b7ba10eb2^`): the first "Order does not exist" fails the order and stops
//!   tracking it; `execute_buy` then records the exchange id only if the order is still tracked,
//!   and fires `BuyOrderCreatedEvent` either way.
//! - `merged-fix` (`8b7ba10eb2`, exactly as merged): `_order_not_found_records[client_order_id]`
//!   counts the misses; below `ORDER_NOT_EXIST_CONFIRMATION_COUNT = 3` it `continue`s. The count
//!   is reset only when tracking stops, never on a later hit. A create invisible to three status
//!   passes fails as before.
//! - `correct-fix`, reconcile before replace: absence alone never fails an order.
//!   `execute_buy` marks the create pending in the segment that tracks the order and clears the
//!   mark when the create answers; a "not found" while it is pending is ignored (the create's own
//!   answer decides: a rejection fails the order there). Otherwise the poller reconciles: one
//!   await for the open orders by client id; an order listed there is kept (its exchange id
//!   adopted, after a timed-out create), one missing is failed — and only then replaced. This
//!   needs one current view of the exchange: were the open orders to lag as the status does, no
//!   rule based on absence could fail an order safely, and only the create's answer could.
//!
//! ## Invariants
//! - At most one live bid at Binance for the strategy's one buy level.
//! - Every live order at Binance is tracked by the connector (no orphan).
//! - No order is reported both failed and created.
//!
//! Race window: the poller queries an order's status while its create is in flight.

use std::collections::BTreeMap;

use harness::race::{RaceInfo, Spec, Variants};
use harness::sync::{Arc, Mutex};
use harness::tasks::{Cx, Executor, Task};
use harness::Race;
use serde::Deserialize;

use crate::variants::Merged as Variant;
use crate::world::{Behaviour, Kind, OrderId, Price, Refused, Side, SimBroker, Status};

const INVARIANT_ONE_BID: &str = "at most one live bid for the strategy's one buy level";
const INVARIANT_TRACKED: &str = "every live order at the exchange is tracked by the connector";
const INVARIANT_EVENTS: &str = "no order is reported both failed and created";
const WINDOW: &str = "a status query while the order's create is in flight";
/// `ORDER_NOT_EXIST_CONFIRMATION_COUNT`.
const CONFIRMATIONS: u32 = 3;
/// `_update_order_status` checks once per 10-second interval.
const POLL_INTERVAL_MS: u64 = 10_000;

/// A scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    symbol: String,
    /// The strategy's bid.
    price: Price,
    /// Rounds of `_update_order_status` (1 to 4).
    polls: u32,
    /// Each accepted order answers its first `unknown_for` status queries "does not exist".
    unknown_for: u32,
    /// The first `rejects` creates are rejected; the next `timeouts` time out after taking effect.
    rejects: u32,
    timeouts: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self { symbol: "ETHUSDT".into(), price: Price(150_000), polls: 1, unknown_for: 0, rejects: 0, timeouts: 0 }
    }
}

impl harness::race::Params for Params {
    fn check(&self) -> Result<(), String> {
        harness::race::in_range("polls", self.polls, 1..=4)
    }
}

/// A tracked order (`_in_flight_orders[client_order_id]`).
#[derive(Debug)]
struct InFlight {
    /// `exchange_order_id`: `None` (`""`) until the create answers with it.
    exchange_id: Option<OrderId>,
    /// The create has not answered yet (only `correct-fix` reads it).
    creating: bool,
}

/// What happened to an order, as the connector's events told the strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Created,
    Failed,
}

/// The connector's state (its dicts) and the strategy's.
#[derive(Default)]
struct State {
    in_flight: BTreeMap<String, InFlight>,
    /// `_order_not_found_records` (`merged-fix`).
    not_found: BTreeMap<String, u32>,
    events: Vec<(String, Event)>,
    /// The strategy's bid, the bids it quoted, and its one replacement's task.
    bid: Option<String>,
    quoted: u32,
    replacement: Option<Task<()>>,
}

/// The connector and the strategy on one loop, and Binance.
struct Bot {
    variant: Variant,
    params: Arc<Params>,
    binance: SimBroker,
    state: Mutex<State>,
}

impl Bot {
    /// The strategy quotes its bid: `c_buy` → `asyncio.ensure_future(execute_buy(...))`.
    fn quote(self: &Arc<Self>, cx: &Cx, s: &mut State) -> Task<()> {
        s.quoted += 1;
        let client_id = format!("buy-{}", s.quoted);
        s.bid = Some(client_id.clone());
        tracing::info!("the strategy quotes its bid: c_buy -> {client_id}");
        let bot = Arc::clone(self);
        cx.spawn(&client_id.clone(), move |cx| async move { bot.execute_buy(&cx, client_id).await })
    }

    /// `execute_buy`: track the order, await the create, record its answer.
    async fn execute_buy(self: &Arc<Self>, cx: &Cx, client_id: String) {
        let p = &self.params;
        self.state.lock().in_flight.insert(client_id.clone(), InFlight { exchange_id: None, creating: true });
        tracing::info!("c_start_tracking_order({client_id}, \"\"); awaits order_limit_buy");
        let create =
            || self.binance.place_with_client_id(&client_id, &p.symbol, Kind::Limit, Side::Buy, 1, Some(p.price));
        let answer = cx.call(create).await;
        let mut s = self.state.lock();
        match answer {
            Ok(id) => {
                match s.in_flight.get_mut(&client_id) {
                    Some(o) => {
                        (o.exchange_id, o.creating) = (Some(id), false);
                        tracing::info!("Created LIMIT buy order {client_id}: exchange order id {id}");
                    }
                    None => tracing::info!("{client_id} is no longer tracked: exchange order id {id} dropped"),
                }
                tracing::info!("BuyOrderCreatedEvent({client_id})");
                s.events.push((client_id, Event::Created));
            }
            Err(Refused::TimedOut) => {
                if let Some(o) = s.in_flight.get_mut(&client_id) {
                    o.creating = false;
                }
                tracing::info!("Timeout Error encountered while submitting buy: {client_id} stays tracked");
            }
            Err(_) => {
                tracing::info!("Error submitting buy order {client_id}");
                self.fail(cx, &mut s, &client_id);
            }
        }
    }

    /// `MarketOrderFailureEvent` and `c_stop_tracking_order`; the strategy's listener re-quotes
    /// a failed bid, once.
    fn fail(self: &Arc<Self>, cx: &Cx, s: &mut State, client_id: &str) {
        tracing::info!("MarketOrderFailureEvent({client_id}); stops tracking it");
        s.events.push((client_id.to_owned(), Event::Failed));
        s.in_flight.remove(client_id);
        s.not_found.remove(client_id);
        if s.bid.as_deref() == Some(client_id) {
            s.bid = None;
            if s.replacement.is_none() {
                let task = self.quote(cx, s);
                s.replacement = Some(task);
            }
        }
    }

    /// `_status_polling_loop`: one `_update_order_status` per poll interval.
    async fn status_polling_loop(self: &Arc<Self>, cx: &Cx) {
        for round in 1..=self.params.polls {
            cx.sleep(POLL_INTERVAL_MS).await;
            // Read outside the macro: a disabled trace would skip the read, a scheduling point.
            let now = cx.now();
            tracing::info!("poll round {round} at t={}s", now / 1000);
            self.update_order_status(cx).await;
        }
    }

    /// `_update_order_status`: every tracked order's status; what "does not exist" means is
    /// where the variants differ.
    async fn update_order_status(self: &Arc<Self>, cx: &Cx) {
        let tracked: Vec<String> = {
            let s = self.state.lock();
            if s.in_flight.values().any(|o| o.creating) {
                harness::reached(WINDOW);
            }
            s.in_flight.keys().cloned().collect()
        };
        if tracked.is_empty() {
            return;
        }
        let query = || tracked.iter().map(|c| self.binance.status_by_client_id(c)).collect::<Vec<_>>();
        let answers: Vec<Option<(OrderId, Status)>> = cx.call(query).await;
        let mut suspects = Vec::new();
        let mut s = self.state.lock();
        for (client_id, answer) in tracked.iter().zip(answers) {
            if answer.is_some() || !s.in_flight.contains_key(client_id) {
                continue;
            }
            match self.variant {
                Variant::Before => self.fail(cx, &mut s, client_id),
                Variant::MergedFix => {
                    let misses = s.not_found.entry(client_id.clone()).or_default();
                    *misses += 1;
                    tracing::info!("{client_id} does not exist ({misses} of {CONFIRMATIONS})");
                    if *misses >= CONFIRMATIONS {
                        self.fail(cx, &mut s, client_id);
                    }
                }
                Variant::CorrectFix if s.in_flight[client_id].creating => {
                    tracing::info!("{client_id} does not exist, its create in flight: the create's answer decides");
                }
                Variant::CorrectFix => suspects.push(client_id.clone()),
            }
        }
        drop(s);
        if suspects.is_empty() {
            return;
        }
        tracing::info!("{} does not exist: reconciles with the open orders", suspects.join(", "));
        let open = cx.call(|| self.binance.open_orders_by_client_id(&self.params.symbol, Kind::Limit)).await;
        let mut s = self.state.lock();
        for client_id in suspects {
            let listed = open.iter().find(|(c, _)| *c == client_id).map(|(_, id)| *id);
            match (listed, s.in_flight.get_mut(&client_id)) {
                (_, None) => {}
                (Some(id), Some(o)) => {
                    o.exchange_id = Some(id);
                    tracing::info!("{client_id} is open as {id}: keeps tracking it");
                }
                (None, Some(_)) => self.fail(cx, &mut s, &client_id),
            }
        }
    }

    /// The three invariants, against Binance's ledger and the connector's events.
    fn check(&self) {
        let symbol = &self.params.symbol;
        let clients: BTreeMap<OrderId, String> =
            self.binance.client_orders().into_iter().map(|(c, id)| (id, c)).collect();
        let name = |id: &OrderId| format!("{} ({id})", clients.get(id).map_or("?", String::as_str));
        let live: Vec<OrderId> = self.binance.live_orders(Kind::Limit, symbol);
        let shown: Vec<String> = live.iter().map(name).collect();
        harness::ensure!(
            live.len() <= 1,
            INVARIANT_ONE_BID,
            "{} live bids for {symbol}: {}",
            live.len(),
            shown.join(", ")
        );
        let s = self.state.lock();
        let tracked: Vec<&String> = s.in_flight.keys().collect();
        for id in &live {
            let known = clients.get(id).is_some_and(|c| s.in_flight.contains_key(c));
            harness::ensure!(known, INVARIANT_TRACKED, "live order {} is untracked (tracked: {tracked:?})", name(id));
        }
        for (client_id, event) in &s.events {
            let other = if *event == Event::Created { Event::Failed } else { Event::Created };
            let both = s.events.iter().any(|(c, e)| c == client_id && *e == other);
            harness::ensure!(!both, INVARIANT_EVENTS, "{client_id} was reported failed and created");
        }
    }
}

/// One execution: the poller running, the strategy's first bid, its replacement if it fails.
fn execution(variant: Variant, params: &Arc<Params>) {
    let p = params;
    let behaviour =
        Behaviour { rejects: p.rejects, timeouts: p.timeouts, unknown_for: p.unknown_for, ..Behaviour::default() };
    let bot = Arc::new(Bot {
        variant,
        params: Arc::clone(params),
        binance: SimBroker::new(behaviour),
        state: Mutex::new(State::default()),
    });
    let on_loop = Arc::clone(&bot);
    Executor::event_loop().block_on(|main| async move {
        let bot = on_loop;
        let polling = Arc::clone(&bot);
        let poller = main.spawn("poller", move |cx| async move { polling.status_polling_loop(&cx).await });
        let first = bot.quote(&main, &mut bot.state.lock());
        main.join(first).await;
        main.join(poller).await;
        let replacement = bot.state.lock().replacement.take();
        if let Some(task) = replacement {
            main.join(task).await;
        }
    });
    bot.check();
}

/// The order-not-found race: what it says about itself, its race window, and its execution.
pub static RACE: &dyn Race = &Spec::<Variant, Params> {
    info: RaceInfo {
        id: "order-not-found",
        title: "the status poller fails an order whose create is in flight; the strategy replaces it",
        source: "hummingbot/hummingbot #601; fix PR #603 (commit 8b7ba10eb2)",
        variants: Variant::NAMES,
        threads: 3,
        runtime: "asyncio",
    },
    window: WINDOW,
    run: execution,
};
