//! SimBroker: a deterministic stand-in for the broker's order API.
//!
//! Every call is a [`Service`] call, so a scheduling point: in the real systems each is a network
//! round trip during which the other thread runs. The broker keeps a ledger of every request and
//! of every order's life, which is what a race's invariants are checked against.
//!
//! What it models: entry (buy-stop), stop-loss, limit and market orders, each optionally under
//! the client's own id (Binance's `newClientOrderId`); cancel; fill (whole or partial) of a
//! resting order, by the test's own market actor; order status, by order id or client id;
//! positions.
//! A scenario chooses the [`Behaviour`]: accept or reject new orders, fill market orders on
//! arrival, report positions that lag the fills until the broker's state sync runs.
//!
//! Faults, each off by default and deterministic (counted in calls, never timed by a wall
//! clock): rejections of the next few orders; a timeout *after* the order took effect (the
//! client is told it failed, the broker has it, and may have filled it); an order that shows
//! "does not exist" to its first status queries; market orders that fill only partly on
//! arrival; acknowledgements on the order-update feed ([`SimBroker::acks`]) that arrive twice
//! or late. [`SimBroker::set_behaviour`] switches them on after a scenario's setup.
//!
//! The [`Broker`] trait is the part of the API the races' actors call; unit tests use its
//! mockall mock, `MockBroker` (built for tests only), where they need exact call expectations.

use std::collections::BTreeMap;
use std::fmt;

use harness::sync::Service;

use super::price::Price;

/// An order's id, as the broker numbers them (from 1, in arrival order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderId(pub u64);

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What kind of order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A buy-stop entry order.
    Entry,
    /// A protective sell-stop.
    Stop,
    /// A market order (an exit).
    Market,
    /// A resting limit order (a market maker's quote).
    Limit,
}

/// An order's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

/// Where an order is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Resting at the broker: it may still fill.
    Live,
    /// Filled completely.
    Filled,
    /// Cancelled before it filled completely.
    Cancelled,
}

/// One order as the broker knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    /// Its id.
    pub id: OrderId,
    /// The symbol.
    pub symbol: String,
    /// Entry, stop or market.
    pub kind: Kind,
    /// Buy or sell.
    pub side: Side,
    /// Quantity ordered.
    pub qty: u64,
    /// Quantity filled so far.
    pub filled: u64,
    /// Trigger price (stop orders), or `None`.
    pub price: Option<Price>,
    /// Where it is in its life.
    pub status: Status,
}

/// What a scenario lets the broker do. Every fault is off by default; the counts run down as
/// the faults fire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Behaviour {
    /// Reject every new order.
    pub reject: bool,
    /// Fill market orders in full as they arrive.
    pub fill_market_on_arrival: bool,
    /// The positions the broker *reports* ([`SimBroker::reported_position`], the bot's
    /// `get_positions()`) lag its fills: they catch up only when [`SimBroker::sync_positions`]
    /// runs (the broker's own state sync). Off: they are always current.
    pub lagging_positions: bool,
    /// Rejects the next `rejects` new orders, then accepts again.
    pub rejects: u32,
    /// The next `timeouts` accepted orders time out after taking effect: the order is live at
    /// the broker (a market order fills on arrival as usual) and acknowledged on the feed, but
    /// the call answers `Err(Refused::TimedOut)`.
    pub timeouts: u32,
    /// Each order accepted while this is set shows "does not exist" to its first `unknown_for`
    /// status queries ([`SimBroker::status`] answers `None`).
    pub unknown_for: u32,
    /// A market order that fills on arrival fills at most this many units (0: all of it); the
    /// rest rests live until [`SimBroker::fill`] fills it.
    pub arrival_fill_max: u64,
    /// Every acknowledgement on the order-update feed arrives twice.
    pub duplicate_acks: bool,
    /// Acknowledgements arrive late: one made during a call reaches [`SimBroker::acks`] only
    /// after `late_acks` further broker calls.
    pub late_acks: u32,
}

/// An acknowledgement on the broker's order-update feed (what the bot's `on_order_update`
/// receives): an order's state right after it was accepted, filled (partly) or cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ack {
    /// The order.
    pub id: OrderId,
    /// Its status then.
    pub status: Status,
    /// Its filled quantity then.
    pub filled: u64,
}

/// Why the broker refused a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The broker rejected the order.
    Rejected,
    /// The order id is unknown, or the order is no longer live.
    NotLive(OrderId),
    /// No answer in time; the request may have taken effect all the same.
    TimedOut,
}

/// One request as the ledger records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The actor (thread) that sent it.
    pub actor: String,
    /// What it asked for, as text.
    pub what: String,
}

#[derive(Debug, Default)]
struct Book {
    behaviour: Behaviour,
    orders: BTreeMap<OrderId, Order>,
    /// Net position per symbol.
    positions: BTreeMap<String, i64>,
    /// The positions as last synced, when `behaviour.lagging_positions` is on.
    reported: BTreeMap<String, i64>,
    requests: Vec<Request>,
    /// Client calls so far (what late acknowledgements count in).
    calls: u64,
    /// The order-update feed: each acknowledgement with the call that made it.
    acks: Vec<(u64, Ack)>,
    /// Status queries each order still answers "does not exist" to.
    unknown: BTreeMap<OrderId, u32>,
    /// The newest accepted order placed with each client id.
    clients: BTreeMap<String, OrderId>,
}

/// The simulated broker (see the module docs).
#[derive(Debug)]
pub struct SimBroker {
    book: Service<Book>,
}

impl SimBroker {
    /// A broker with no orders and no positions.
    pub fn new(behaviour: Behaviour) -> Self {
        Self { book: Service::named("broker", Book { behaviour, ..Book::default() }) }
    }

    /// Places an order; returns its id, or `Refused::Rejected` (or, with `Behaviour::timeouts`,
    /// `Refused::TimedOut` for an order that was placed all the same).
    pub fn place(
        &self,
        symbol: &str,
        kind: Kind,
        side: Side,
        qty: u64,
        price: Option<Price>,
    ) -> Result<OrderId, Refused> {
        self.call(|b| b.place(None, symbol, kind, side, qty, price))
    }

    /// Places an order under the client's own id (Binance's `newClientOrderId`), as
    /// [`SimBroker::place`] does; [`SimBroker::status_by_client_id`] and
    /// [`SimBroker::open_orders_by_client_id`] find it by that id. A client id names the newest
    /// accepted order placed with it.
    pub fn place_with_client_id(
        &self,
        client_id: &str,
        symbol: &str,
        kind: Kind,
        side: Side,
        qty: u64,
        price: Option<Price>,
    ) -> Result<OrderId, Refused> {
        self.call(|b| b.place(Some(client_id), symbol, kind, side, qty, price))
    }

    /// Cancels a live order; `Refused::NotLive` when it is not live (filled, cancelled, unknown).
    pub fn cancel(&self, id: OrderId) -> Result<(), Refused> {
        self.call(|b| {
            b.log(format!("cancel {id}"));
            match b.orders.get_mut(&id) {
                Some(o) if o.status == Status::Live => {
                    o.status = Status::Cancelled;
                    let filled = o.filled;
                    tracing::info!("broker: order {id} cancelled");
                    b.ack(Ack { id, status: Status::Cancelled, filled });
                    Ok(())
                }
                _ => {
                    tracing::info!("broker: cancel {id} refused: not live");
                    Err(Refused::NotLive(id))
                }
            }
        })
    }

    /// Fills `qty` of a live order, or what remains of it if that is less (the market moving);
    /// returns whether the order was live to take the fill.
    pub fn fill(&self, id: OrderId, qty: u64) -> bool {
        self.call(|b| b.fill(id, qty))
    }

    /// Replaces the behaviour (faults included) for every request from now on: a scenario's
    /// setup places its orders first, then switches its faults on.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.book.call(|b| b.behaviour = behaviour);
    }

    /// Takes the acknowledgements that have reached the order-update feed, oldest first (the
    /// bot's `on_order_update` handler is the feed's one reader).
    pub fn acks(&self) -> Vec<Ack> {
        self.call(|b| {
            let now = b.calls;
            let late = u64::from(b.behaviour.late_acks);
            let (due, held): (Vec<_>, Vec<_>) = b.acks.drain(..).partition(|(made, _)| now > made + late);
            b.acks = held;
            due.into_iter().map(|(_, ack)| ack).collect()
        })
    }

    /// Moves a live order's trigger price (a modify request); `Refused::NotLive` when it is not
    /// live.
    pub fn modify(&self, id: OrderId, price: Price) -> Result<(), Refused> {
        self.call(|b| {
            b.log(format!("modify {id} @ {price}"));
            match b.orders.get_mut(&id) {
                Some(o) if o.status == Status::Live => {
                    o.price = Some(price);
                    tracing::info!("broker: order {id} modified to {price}");
                    Ok(())
                }
                _ => {
                    tracing::info!("broker: modify {id} refused: not live");
                    Err(Refused::NotLive(id))
                }
            }
        })
    }

    /// The market trades at `last`: fills `qty` of the newest live `kind` order for `symbol`
    /// whose trigger that price reaches (a buy-stop at or below `last`, a sell-stop at or above
    /// it; a buy limit at or above `last`, a sell limit at or below it; an order without a price
    /// always); returns the order it filled.
    pub fn fill_triggered(&self, symbol: &str, kind: Kind, last: Price, qty: u64) -> Option<OrderId> {
        self.call(|b| {
            let reached = |o: &Order| match (o.kind == Kind::Limit, o.side, o.price) {
                (_, _, None) => true,
                (false, Side::Buy, Some(p)) | (true, Side::Sell, Some(p)) => p <= last,
                (false, Side::Sell, Some(p)) | (true, Side::Buy, Some(p)) => p >= last,
            };
            let live = |o: &&Order| o.kind == kind && o.symbol == symbol && o.status == Status::Live && reached(o);
            let id = b.orders.values().rev().find(live)?.id;
            b.fill(id, qty).then_some(id)
        })
    }

    /// The status of an order, `None` if the broker does not know it (or, with
    /// `Behaviour::unknown_for`, does not show it yet).
    pub fn status(&self, id: OrderId) -> Option<Status> {
        self.call(|b| {
            b.log(format!("status {id}"));
            if let Some(left) = b.unknown.get_mut(&id).filter(|left| **left > 0) {
                *left -= 1;
                tracing::info!("broker: order {id} does not exist");
                return None;
            }
            b.orders.get(&id).map(|o| o.status)
        })
    }

    /// The order the client placed as `client_id` (`origClientOrderId`) and its status; `None`
    /// ("does not exist") if no accepted order has that id, or, with `Behaviour::unknown_for`,
    /// the order does not show yet.
    pub fn status_by_client_id(&self, client_id: &str) -> Option<(OrderId, Status)> {
        self.call(|b| {
            b.log(format!("status {client_id}"));
            let Some(&id) = b.clients.get(client_id) else {
                tracing::info!("broker: order {client_id} does not exist (no such order)");
                return None;
            };
            if let Some(left) = b.unknown.get_mut(&id).filter(|left| **left > 0) {
                *left -= 1;
                tracing::info!("broker: order {client_id} does not exist (order {id} does not show yet)");
                return None;
            }
            let status = b.orders.get(&id).map(|o| o.status)?;
            tracing::info!("broker: order {client_id} is {id}, {status:?}");
            Some((id, status))
        })
    }

    /// The net position in `symbol`.
    pub fn position(&self, symbol: &str) -> i64 {
        self.call(|b| {
            b.log(format!("position {symbol}"));
            b.positions.get(symbol).copied().unwrap_or(0)
        })
    }

    /// Starts the account holding `qty` of `symbol`, bought and settled before the scenario (the
    /// reported position included).
    pub fn hold(&self, symbol: &str, qty: u64) {
        self.call(|b| {
            let qty = qty as i64;
            *b.positions.entry(symbol.to_owned()).or_default() += qty;
            *b.reported.entry(symbol.to_owned()).or_default() += qty;
            tracing::info!("broker: account holds {qty} {symbol}");
        })
    }

    /// The position in `symbol` as the broker reports it (`get_positions()`): the net position,
    /// or with `lagging_positions` the position as of the last [`SimBroker::sync_positions`].
    pub fn reported_position(&self, symbol: &str) -> i64 {
        self.call(|b| {
            b.log(format!("get_positions {symbol}"));
            let book = if b.behaviour.lagging_positions { &b.reported } else { &b.positions };
            book.get(symbol).copied().unwrap_or(0)
        })
    }

    /// The broker's own state sync: the reported positions catch up with the fills.
    pub fn sync_positions(&self) {
        self.call(|b| {
            b.reported = b.positions.clone();
            let now: Vec<String> = b.reported.iter().map(|(s, q)| format!("{s} {q}")).collect();
            tracing::info!("broker: positions synced ({})", now.join(", "));
        })
    }

    /// Every order, in id order (for invariants; not a scheduling point of interest).
    pub fn orders(&self) -> Vec<Order> {
        self.book.call(|b| b.orders.values().cloned().collect())
    }

    /// Every client id with the newest accepted order placed with it, in client-id order (for
    /// invariants, as [`Self::orders`]).
    pub fn client_orders(&self) -> Vec<(String, OrderId)> {
        self.book.call(|b| b.clients.iter().map(|(c, id)| (c.clone(), *id)).collect())
    }

    /// Every request, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.book.call(|b| b.requests.clone())
    }

    /// The live orders of `kind` for `symbol`, in id order (for invariants, as [`Self::orders`]).
    pub fn live_orders(&self, kind: Kind, symbol: &str) -> Vec<OrderId> {
        let orders = self.orders().into_iter();
        orders.filter(|o| o.kind == kind && o.symbol == symbol && o.status == Status::Live).map(|o| o.id).collect()
    }

    /// The bot's own query of its open orders (`get_orders(status="open")`): the live `kind`
    /// orders for `symbol`, as the broker answers a client — a call, logged and traced, unlike
    /// [`SimBroker::live_orders`], which is the ledger the invariants read.
    pub fn open_orders(&self, symbol: &str, kind: Kind) -> Vec<OrderId> {
        self.call(|b| {
            b.log(format!("open orders {kind:?} {symbol}"));
            let open: Vec<OrderId> = b
                .orders
                .values()
                .filter(|o| o.kind == kind && o.symbol == symbol && o.status == Status::Live)
                .map(|o| o.id)
                .collect();
            let shown: Vec<String> = open.iter().map(ToString::to_string).collect();
            tracing::info!("broker: open {kind:?} orders for {symbol}: [{}]", shown.join(", "));
            open
        })
    }

    /// The bot's query of its open orders with their client ids (`GET openOrders`): the live
    /// `kind` orders for `symbol` placed with a client id, as (client id, order id), in id order.
    pub fn open_orders_by_client_id(&self, symbol: &str, kind: Kind) -> Vec<(String, OrderId)> {
        self.call(|b| {
            b.log(format!("open orders {kind:?} {symbol} by client id"));
            let live = |id: &OrderId| {
                b.orders.get(id).is_some_and(|o| o.kind == kind && o.symbol == symbol && o.status == Status::Live)
            };
            let mut open: Vec<(String, OrderId)> =
                b.clients.iter().filter(|(_, id)| live(id)).map(|(client, id)| (client.clone(), *id)).collect();
            open.sort_by_key(|(_, id)| *id);
            let shown: Vec<String> = open.iter().map(|(c, id)| format!("{c} ({id})")).collect();
            tracing::info!("broker: open {kind:?} orders for {symbol}: [{}]", shown.join(", "));
            open
        })
    }

    /// Every placement request, as `actor: what` (for invariants: who sold what).
    pub fn placements(&self) -> Vec<String> {
        let requests = self.requests().into_iter();
        requests.filter(|r| r.what.starts_with("place")).map(|r| format!("{}: {}", r.actor, r.what)).collect()
    }

    /// What oversold `symbol`, if anything did: its position below zero after selling from
    /// `size`, and every placement (who sold what). Reads the position, then the placements.
    pub fn oversold(&self, symbol: &str, size: u64) -> Option<String> {
        let held = self.position(symbol);
        let sells = self.placements();
        (held < 0).then(|| format!("{symbol} position {held} after selling from {size}: {}", sells.join("; ")))
    }

    /// One client call: a [`Service`] call, counted for late acknowledgements.
    fn call<R>(&self, f: impl FnOnce(&mut Book) -> R) -> R {
        self.book.call(|b| {
            b.calls += 1;
            f(b)
        })
    }
}

impl Book {
    /// A placement (see [`SimBroker::place`]), under the client's own id if it gives one.
    fn place(
        &mut self,
        client_id: Option<&str>,
        symbol: &str,
        kind: Kind,
        side: Side,
        qty: u64,
        price: Option<Price>,
    ) -> Result<OrderId, Refused> {
        let (at, client) = (At(price), As(client_id));
        self.log(format!("place {kind:?} {side:?} {qty} {symbol}{at}{client}"));
        if self.behaviour.reject || self.behaviour.rejects > 0 {
            self.behaviour.rejects = self.behaviour.rejects.saturating_sub(u32::from(!self.behaviour.reject));
            tracing::info!("broker: rejects {kind:?} order for {symbol}{client}");
            return Err(Refused::Rejected);
        }
        let id = OrderId(self.orders.len() as u64 + 1);
        let order = Order { id, symbol: symbol.to_owned(), kind, side, qty, filled: 0, price, status: Status::Live };
        self.orders.insert(id, order);
        if let Some(c) = client_id {
            self.clients.insert(c.to_owned(), id);
        }
        tracing::info!("broker: order {id} accepted ({kind:?} {side:?} {qty} {symbol}{at}{client})");
        self.ack(Ack { id, status: Status::Live, filled: 0 });
        if self.behaviour.unknown_for > 0 {
            self.unknown.insert(id, self.behaviour.unknown_for);
        }
        if kind == Kind::Market && self.behaviour.fill_market_on_arrival {
            let cap = self.behaviour.arrival_fill_max;
            self.fill(id, if cap > 0 { qty.min(cap) } else { qty });
        }
        if self.behaviour.timeouts > 0 {
            self.behaviour.timeouts -= 1;
            tracing::info!("broker: order {id} took effect, but the answer times out");
            return Err(Refused::TimedOut);
        }
        Ok(id)
    }

    fn log(&mut self, what: String) {
        self.requests.push(Request { actor: harness::sync::thread::current_name(), what });
    }

    fn fill(&mut self, id: OrderId, qty: u64) -> bool {
        let Some(o) = self.orders.get_mut(&id).filter(|o| o.status == Status::Live) else {
            return false;
        };
        let qty = qty.min(o.qty - o.filled);
        o.filled += qty;
        if o.filled == o.qty {
            o.status = Status::Filled;
        }
        let signed = match o.side {
            Side::Buy => qty as i64,
            Side::Sell => -(qty as i64),
        };
        *self.positions.entry(o.symbol.clone()).or_default() += signed;
        tracing::info!("broker: order {id} filled {qty} ({}/{})", o.filled, o.qty);
        let ack = Ack { id, status: o.status, filled: o.filled };
        self.ack(ack);
        true
    }

    /// Puts an acknowledgement on the order-update feed (twice, with `duplicate_acks`).
    fn ack(&mut self, ack: Ack) {
        let copies = if self.behaviour.duplicate_acks { 2 } else { 1 };
        for _ in 0..copies {
            self.acks.push((self.calls, ack));
        }
    }
}

/// ` @ 511.95` after a priced order, nothing after a market order: how a request and a trace
/// show the price. Written where it is shown, never built as a string of its own (a placement
/// made one per execution of most models, for a line that usually is not traced).
struct At(Option<Price>);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(price) => {
                f.write_str(" @ ")?;
                fmt::Display::fmt(&price, f)
            }
            None => Ok(()),
        }
    }
}

/// ` as <client id>` after an order placed under the client's own id, nothing otherwise.
struct As<'a>(Option<&'a str>);

impl fmt::Display for As<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(client) => {
                f.write_str(" as ")?;
                f.write_str(client)
            }
            None => Ok(()),
        }
    }
}

/// The part of the broker API the races' actors call, so that a unit test can put a
/// `MockBroker` in the broker's place and state exactly which calls it expects. The mock is built
/// for the crate's own tests only: mockall stays out of the `racecheck` build.
#[cfg_attr(test, mockall::automock)]
pub trait Broker {
    /// See [`SimBroker::place`].
    fn place(&self, symbol: &str, kind: Kind, side: Side, qty: u64, price: Option<Price>) -> Result<OrderId, Refused>;
    /// See [`SimBroker::cancel`].
    fn cancel(&self, id: OrderId) -> Result<(), Refused>;
    /// See [`SimBroker::status`].
    fn status(&self, id: OrderId) -> Option<Status>;
    /// See [`SimBroker::position`].
    fn position(&self, symbol: &str) -> i64;
    /// See [`SimBroker::modify`].
    fn modify(&self, id: OrderId, price: Price) -> Result<(), Refused>;
    /// See [`SimBroker::fill`].
    fn fill(&self, id: OrderId, qty: u64) -> bool;
    /// See [`SimBroker::open_orders`].
    fn open_orders(&self, symbol: &str, kind: Kind) -> Vec<OrderId>;
}

impl Broker for SimBroker {
    fn place(&self, symbol: &str, kind: Kind, side: Side, qty: u64, price: Option<Price>) -> Result<OrderId, Refused> {
        SimBroker::place(self, symbol, kind, side, qty, price)
    }

    fn cancel(&self, id: OrderId) -> Result<(), Refused> {
        SimBroker::cancel(self, id)
    }

    fn status(&self, id: OrderId) -> Option<Status> {
        SimBroker::status(self, id)
    }

    fn position(&self, symbol: &str) -> i64 {
        SimBroker::position(self, symbol)
    }

    fn modify(&self, id: OrderId, price: Price) -> Result<(), Refused> {
        SimBroker::modify(self, id, price)
    }

    fn fill(&self, id: OrderId, qty: u64) -> bool {
        SimBroker::fill(self, id, qty)
    }

    fn open_orders(&self, symbol: &str, kind: Kind) -> Vec<OrderId> {
        SimBroker::open_orders(self, symbol, kind)
    }
}
