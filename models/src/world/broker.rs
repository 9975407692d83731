//! SimBroker: a deterministic stand-in for the broker's order API.
//!
//! Every call is a [`Service`] call, so a scheduling point: in the real systems each is a network
//! round trip during which the other thread runs. The broker keeps a ledger of every request and
//! of every order's life, which is what a race's invariants are checked against.
//!
//! What it models: entry (buy-stop), stop-loss and market orders; cancel; fill (whole or
//! partial) of a resting order, by the test's own market actor; order status; positions.
//! A scenario chooses the [`Behaviour`]: accept or reject new orders, fill market orders on
//! arrival, report positions that lag the fills until the broker's state sync runs.

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

/// What a scenario lets the broker do.
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
}

/// Why the broker refused a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The broker rejected the order.
    Rejected,
    /// The order id is unknown, or the order is no longer live.
    NotLive(OrderId),
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

    /// Places an order; returns its id, or `Refused::Rejected`.
    pub fn place(
        &self,
        symbol: &str,
        kind: Kind,
        side: Side,
        qty: u64,
        price: Option<Price>,
    ) -> Result<OrderId, Refused> {
        self.book.call(|b| {
            let at = price.map(|p| format!(" @ {p}")).unwrap_or_default();
            b.log(format!("place {kind:?} {side:?} {qty} {symbol}{at}"));
            if b.behaviour.reject {
                tracing::info!("broker: rejects {kind:?} order for {symbol}");
                return Err(Refused::Rejected);
            }
            let id = OrderId(b.orders.len() as u64 + 1);
            let order =
                Order { id, symbol: symbol.to_owned(), kind, side, qty, filled: 0, price, status: Status::Live };
            b.orders.insert(id, order);
            tracing::info!("broker: order {id} accepted ({kind:?} {side:?} {qty} {symbol}{at})");
            if kind == Kind::Market && b.behaviour.fill_market_on_arrival {
                b.fill(id, qty);
            }
            Ok(id)
        })
    }

    /// Cancels a live order; `Refused::NotLive` when it is not live (filled, cancelled, unknown).
    pub fn cancel(&self, id: OrderId) -> Result<(), Refused> {
        self.book.call(|b| {
            b.log(format!("cancel {id}"));
            match b.orders.get_mut(&id) {
                Some(o) if o.status == Status::Live => {
                    o.status = Status::Cancelled;
                    tracing::info!("broker: order {id} cancelled");
                    Ok(())
                }
                _ => {
                    tracing::info!("broker: cancel {id} refused: not live");
                    Err(Refused::NotLive(id))
                }
            }
        })
    }

    /// Fills `qty` of a live order (the market moving); returns whether anything filled.
    pub fn fill(&self, id: OrderId, qty: u64) -> bool {
        self.book.call(|b| b.fill(id, qty))
    }

    /// Moves a live order's trigger price (a modify request); `Refused::NotLive` when it is not
    /// live.
    pub fn modify(&self, id: OrderId, price: Price) -> Result<(), Refused> {
        self.book.call(|b| {
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
    /// it, an order without a price always); returns the order it filled.
    pub fn fill_triggered(&self, symbol: &str, kind: Kind, last: Price, qty: u64) -> Option<OrderId> {
        self.book.call(|b| {
            let reached = |o: &Order| match (o.side, o.price) {
                (_, None) => true,
                (Side::Buy, Some(p)) => p <= last,
                (Side::Sell, Some(p)) => p >= last,
            };
            let live = |o: &&Order| o.kind == kind && o.symbol == symbol && o.status == Status::Live && reached(o);
            let id = b.orders.values().rev().find(live)?.id;
            b.fill(id, qty).then_some(id)
        })
    }

    /// The status of an order, `None` if the broker does not know it.
    pub fn status(&self, id: OrderId) -> Option<Status> {
        self.book.call(|b| {
            b.log(format!("status {id}"));
            b.orders.get(&id).map(|o| o.status)
        })
    }

    /// The net position in `symbol`.
    pub fn position(&self, symbol: &str) -> i64 {
        self.book.call(|b| {
            b.log(format!("position {symbol}"));
            b.positions.get(symbol).copied().unwrap_or(0)
        })
    }

    /// Starts the account holding `qty` of `symbol`, bought and settled before the scenario (the
    /// reported position included).
    pub fn hold(&self, symbol: &str, qty: u64) {
        self.book.call(|b| {
            let qty = qty as i64;
            *b.positions.entry(symbol.to_owned()).or_default() += qty;
            *b.reported.entry(symbol.to_owned()).or_default() += qty;
            tracing::info!("broker: account holds {qty} {symbol}");
        })
    }

    /// The position in `symbol` as the broker reports it (`get_positions()`): the net position,
    /// or with `lagging_positions` the position as of the last [`SimBroker::sync_positions`].
    pub fn reported_position(&self, symbol: &str) -> i64 {
        self.book.call(|b| {
            b.log(format!("get_positions {symbol}"));
            let book = if b.behaviour.lagging_positions { &b.reported } else { &b.positions };
            book.get(symbol).copied().unwrap_or(0)
        })
    }

    /// The broker's own state sync: the reported positions catch up with the fills.
    pub fn sync_positions(&self) {
        self.book.call(|b| {
            b.reported = b.positions.clone();
            let now: Vec<String> = b.reported.iter().map(|(s, q)| format!("{s} {q}")).collect();
            tracing::info!("broker: positions synced ({})", now.join(", "));
        })
    }

    /// Every order, in id order (for invariants; not a scheduling point of interest).
    pub fn orders(&self) -> Vec<Order> {
        self.book.call(|b| b.orders.values().cloned().collect())
    }

    /// Every request, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.book.call(|b| b.requests.clone())
    }
}

impl Book {
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
        true
    }
}
