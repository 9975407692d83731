//! SimBroker against a sequential reference ledger (proptest-state-machine).
//!
//! Races are judged on top of SimBroker, so SimBroker is tested first, alone: random sequences
//! of requests (place, by order id or under a client id, cancel, fill, fill by a price, modify, status, positions as held and as
//! reported, the broker's state sync, the acknowledgement feed, and a change of behaviour) are
//! applied both to SimBroker and to [`Ledger`], a plain reference written from SimBroker's
//! documentation, faults included. After every request the two must give the same answer; after
//! every step they must hold the same orders and the same request log. The behaviour, and so the
//! faults, is generated too. Run outside any exploration, SimBroker's facade locks are `std`
//! locks: this is the broker's sequential specification, nothing concurrent.
//!
//! A failing sequence is shrunk to the shortest that fails and saved under
//! `proptest-regressions/`, to be re-run first forever after.

use std::collections::BTreeMap;

use models::world::broker::Order;
use models::world::{Ack, Behaviour, Kind, OrderId, Price, Refused, Side, SimBroker, Status};
use proptest::prelude::*;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

const SYMBOLS: [&str; 2] = ["ABC", "XYZ"];

/// One request to the broker.
#[derive(Clone, Debug)]
enum Request {
    Place { symbol: &'static str, kind: Kind, side: Side, qty: u64, price: Option<Price> },
    PlaceAs { client: &'static str, symbol: &'static str, kind: Kind, side: Side, qty: u64, price: Option<Price> },
    Cancel(OrderId),
    Fill(OrderId, u64),
    FillTriggered { symbol: &'static str, kind: Kind, last: Price, qty: u64 },
    Modify(OrderId, Price),
    Status(OrderId),
    StatusOf(&'static str),
    OpenOf(&'static str, Kind),
    Position(&'static str),
    Reported(&'static str),
    Sync,
    Hold(&'static str, u64),
    Acks,
    SetBehaviour(Behaviour),
}

/// What a request answered.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    Placed(Result<OrderId, Refused>),
    Done(Result<(), Refused>),
    Filled(bool),
    FilledOrder(Option<OrderId>),
    Status(Option<Status>),
    StatusOf(Option<(OrderId, Status)>),
    Open(Vec<(String, OrderId)>),
    Position(i64),
    Acks(Vec<Ack>),
    Nothing,
}

/// The reference: SimBroker's documentation, written as plainly as it can be.
#[derive(Clone, Debug)]
struct Ledger {
    behaviour: Behaviour,
    /// Every order; order `#n` is at index `n - 1`.
    orders: Vec<Order>,
    positions: BTreeMap<String, i64>,
    reported: BTreeMap<String, i64>,
    /// What each request asked for, as the broker's request log writes it.
    log: Vec<String>,
    /// Client calls so far, and the feed: each acknowledgement with the call that made it.
    calls: u64,
    feed: Vec<(u64, Ack)>,
    /// Status queries each order still answers "does not exist" to.
    unknown: BTreeMap<OrderId, u32>,
    /// "The newest accepted order placed with each client id".
    clients: BTreeMap<String, OrderId>,
    /// The answer the last request must have had.
    answer: Answer,
}

impl Ledger {
    fn new(behaviour: Behaviour) -> Self {
        Self {
            behaviour,
            orders: Vec::new(),
            positions: BTreeMap::new(),
            reported: BTreeMap::new(),
            log: Vec::new(),
            calls: 0,
            feed: Vec::new(),
            unknown: BTreeMap::new(),
            clients: BTreeMap::new(),
            answer: Answer::Nothing,
        }
    }

    fn live(&mut self, id: OrderId) -> Option<&mut Order> {
        let i = usize::try_from(id.0).ok()?.checked_sub(1)?;
        self.orders.get_mut(i).filter(|o| o.status == Status::Live)
    }

    fn ack(&mut self, ack: Ack) {
        self.feed.push((self.calls, ack));
        if self.behaviour.duplicate_acks {
            self.feed.push((self.calls, ack));
        }
    }

    /// "Fills `qty` of a live order, or what remains of it; returns whether the order was live".
    fn fill(&mut self, id: OrderId, qty: u64) -> bool {
        let Some(o) = self.live(id) else { return false };
        let qty = qty.min(o.qty - o.filled);
        o.filled += qty;
        if o.filled == o.qty {
            o.status = Status::Filled;
        }
        let signed = if o.side == Side::Buy { qty as i64 } else { -(qty as i64) };
        let (ack, symbol) = (Ack { id, status: o.status, filled: o.filled }, o.symbol.clone());
        *self.positions.entry(symbol).or_default() += signed;
        self.ack(ack);
        true
    }

    fn place(
        &mut self,
        client: Option<&str>,
        symbol: &str,
        kind: Kind,
        side: Side,
        qty: u64,
        price: Option<Price>,
    ) -> Answer {
        let at = price.map(|p| format!(" @ {p}")).unwrap_or_default();
        let client_id = client.map(|c| format!(" as {c}")).unwrap_or_default();
        self.log.push(format!("place {kind:?} {side:?} {qty} {symbol}{at}{client_id}"));
        if self.behaviour.reject {
            return Answer::Placed(Err(Refused::Rejected));
        }
        if self.behaviour.rejects > 0 {
            self.behaviour.rejects -= 1;
            return Answer::Placed(Err(Refused::Rejected));
        }
        let id = OrderId(self.orders.len() as u64 + 1);
        let status = Status::Live;
        self.orders.push(Order { id, symbol: symbol.into(), kind, side, qty, filled: 0, price, status });
        if let Some(c) = client {
            self.clients.insert(c.to_owned(), id);
        }
        self.ack(Ack { id, status, filled: 0 });
        if self.behaviour.unknown_for > 0 {
            self.unknown.insert(id, self.behaviour.unknown_for);
        }
        if kind == Kind::Market && self.behaviour.fill_market_on_arrival {
            let cap = self.behaviour.arrival_fill_max;
            self.fill(id, if cap == 0 { qty } else { qty.min(cap) });
        }
        if self.behaviour.timeouts > 0 {
            self.behaviour.timeouts -= 1;
            return Answer::Placed(Err(Refused::TimedOut));
        }
        Answer::Placed(Ok(id))
    }

    /// The newest live `kind` order for `symbol` whose trigger `last` reaches.
    fn triggered(&self, symbol: &str, kind: Kind, last: Price) -> Option<OrderId> {
        let reached = |o: &Order| match (o.kind, o.side, o.price) {
            (_, _, None) => true,
            (Kind::Limit, Side::Buy, Some(p)) => p >= last,
            (Kind::Limit, Side::Sell, Some(p)) => p <= last,
            (_, Side::Buy, Some(p)) => p <= last,
            (_, Side::Sell, Some(p)) => p >= last,
        };
        let mut candidates = self
            .orders
            .iter()
            .filter(|o| o.kind == kind && o.symbol == symbol && o.status == Status::Live && reached(o));
        candidates.next_back().map(|o| o.id)
    }

    fn apply(&mut self, request: &Request) -> Answer {
        if !matches!(request, Request::SetBehaviour(_)) {
            self.calls += 1;
        }
        match *request {
            Request::Place { symbol, kind, side, qty, price } => self.place(None, symbol, kind, side, qty, price),
            Request::PlaceAs { client, symbol, kind, side, qty, price } => {
                self.place(Some(client), symbol, kind, side, qty, price)
            }
            Request::StatusOf(client) => {
                self.log.push(format!("status {client}"));
                let Some(&id) = self.clients.get(client) else { return Answer::StatusOf(None) };
                if let Some(left) = self.unknown.get_mut(&id).filter(|left| **left > 0) {
                    *left -= 1;
                    return Answer::StatusOf(None);
                }
                Answer::StatusOf(Some((id, self.orders[id.0 as usize - 1].status)))
            }
            Request::OpenOf(symbol, kind) => {
                self.log.push(format!("open orders {kind:?} {symbol} by client id"));
                let mut open: Vec<(String, OrderId)> = Vec::new();
                for o in &self.orders {
                    let client = self.clients.iter().find(|(_, id)| **id == o.id).map(|(c, _)| c.clone());
                    if let (Some(c), true) = (client, o.kind == kind && o.symbol == symbol && o.status == Status::Live)
                    {
                        open.push((c, o.id));
                    }
                }
                Answer::Open(open)
            }
            Request::Cancel(id) => {
                self.log.push(format!("cancel {id}"));
                let Some(o) = self.live(id) else { return Answer::Done(Err(Refused::NotLive(id))) };
                o.status = Status::Cancelled;
                let ack = Ack { id, status: Status::Cancelled, filled: o.filled };
                self.ack(ack);
                Answer::Done(Ok(()))
            }
            Request::Fill(id, qty) => Answer::Filled(self.fill(id, qty)),
            Request::FillTriggered { symbol, kind, last, qty } => {
                let id = self.triggered(symbol, kind, last);
                Answer::FilledOrder(id.filter(|&id| self.fill(id, qty)))
            }
            Request::Modify(id, price) => {
                self.log.push(format!("modify {id} @ {price}"));
                let Some(o) = self.live(id) else { return Answer::Done(Err(Refused::NotLive(id))) };
                o.price = Some(price);
                Answer::Done(Ok(()))
            }
            Request::Status(id) => {
                self.log.push(format!("status {id}"));
                if let Some(left) = self.unknown.get_mut(&id).filter(|left| **left > 0) {
                    *left -= 1;
                    return Answer::Status(None);
                }
                let i = (id.0 as usize).checked_sub(1);
                Answer::Status(i.and_then(|i| self.orders.get(i)).map(|o| o.status))
            }
            Request::Position(symbol) => {
                self.log.push(format!("position {symbol}"));
                Answer::Position(self.positions.get(symbol).copied().unwrap_or(0))
            }
            Request::Reported(symbol) => {
                self.log.push(format!("get_positions {symbol}"));
                let book = if self.behaviour.lagging_positions { &self.reported } else { &self.positions };
                Answer::Position(book.get(symbol).copied().unwrap_or(0))
            }
            Request::Sync => {
                self.reported = self.positions.clone();
                Answer::Nothing
            }
            Request::Hold(symbol, qty) => {
                *self.positions.entry(symbol.to_owned()).or_default() += qty as i64;
                *self.reported.entry(symbol.to_owned()).or_default() += qty as i64;
                Answer::Nothing
            }
            Request::Acks => {
                let (now, late) = (self.calls, u64::from(self.behaviour.late_acks));
                let due: Vec<Ack> = self.feed.iter().filter(|(made, _)| now > made + late).map(|(_, a)| *a).collect();
                self.feed.retain(|(made, _)| now <= made + late);
                Answer::Acks(due)
            }
            Request::SetBehaviour(behaviour) => {
                self.behaviour = behaviour;
                Answer::Nothing
            }
        }
    }
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    (
        (prop::bool::weighted(0.1), any::<bool>(), any::<bool>()),
        (0..3u32, 0..3u32, 0..3u32, 0..4u64, any::<bool>(), 0..3u32),
    )
        .prop_map(
            |(
                (reject, fill_market_on_arrival, lagging_positions),
                (rejects, timeouts, unknown_for, arrival_fill_max, duplicate_acks, late_acks),
            )| Behaviour {
                reject,
                fill_market_on_arrival,
                lagging_positions,
                rejects,
                timeouts,
                unknown_for,
                arrival_fill_max,
                duplicate_acks,
                late_acks,
            },
        )
}

fn symbol() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&SYMBOLS[..])
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Entry), Just(Kind::Stop), Just(Kind::Market), Just(Kind::Limit)]
}

/// Client ids, few enough that one names several orders.
fn client() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&["buy-1", "buy-2"][..])
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

fn price() -> impl Strategy<Value = Price> {
    (9_900i64..=10_100).prop_map(Price)
}

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Ledger;
    type Transition = Request;

    fn init_state() -> BoxedStrategy<Ledger> {
        behaviour().prop_map(Ledger::new).boxed()
    }

    fn transitions(state: &Ledger) -> BoxedStrategy<Request> {
        // Ids of every order so far, and one the broker never issued.
        let id = (1..=state.orders.len() as u64 + 1).prop_map(OrderId);
        prop_oneof![
            4 => (symbol(), kind(), side(), 0..5u64, prop::option::of(price()))
                .prop_map(|(symbol, kind, side, qty, price)| Request::Place { symbol, kind, side, qty, price }),
            2 => (client(), symbol(), kind(), side(), 0..5u64, prop::option::of(price())).prop_map(
                |(client, symbol, kind, side, qty, price)| Request::PlaceAs { client, symbol, kind, side, qty, price }
            ),
            2 => client().prop_map(Request::StatusOf),
            1 => (symbol(), kind()).prop_map(|(s, k)| Request::OpenOf(s, k)),
            2 => id.clone().prop_map(Request::Cancel),
            2 => (id.clone(), 0..5u64).prop_map(|(id, qty)| Request::Fill(id, qty)),
            2 => (symbol(), kind(), price(), 1..5u64)
                .prop_map(|(symbol, kind, last, qty)| Request::FillTriggered { symbol, kind, last, qty }),
            1 => (id.clone(), price()).prop_map(|(id, p)| Request::Modify(id, p)),
            2 => id.prop_map(Request::Status),
            1 => symbol().prop_map(Request::Position),
            1 => symbol().prop_map(Request::Reported),
            1 => Just(Request::Sync),
            1 => (symbol(), 1..5u64).prop_map(|(s, q)| Request::Hold(s, q)),
            2 => Just(Request::Acks),
            1 => behaviour().prop_map(Request::SetBehaviour),
        ]
        .boxed()
    }

    fn apply(mut state: Ledger, request: &Request) -> Ledger {
        state.answer = state.apply(request);
        state
    }
}

struct BrokerTest;

impl StateMachineTest for BrokerTest {
    type SystemUnderTest = SimBroker;
    type Reference = Reference;

    fn init_test(reference: &Ledger) -> SimBroker {
        SimBroker::new(reference.behaviour)
    }

    fn apply(broker: SimBroker, reference: &Ledger, request: Request) -> SimBroker {
        let answer = match request {
            Request::Place { symbol, kind, side, qty, price } => {
                Answer::Placed(broker.place(symbol, kind, side, qty, price))
            }
            Request::PlaceAs { client, symbol, kind, side, qty, price } => {
                Answer::Placed(broker.place_with_client_id(client, symbol, kind, side, qty, price))
            }
            Request::StatusOf(client) => Answer::StatusOf(broker.status_by_client_id(client)),
            Request::OpenOf(symbol, kind) => Answer::Open(broker.open_orders_by_client_id(symbol, kind)),
            Request::Cancel(id) => Answer::Done(broker.cancel(id)),
            Request::Fill(id, qty) => Answer::Filled(broker.fill(id, qty)),
            Request::FillTriggered { symbol, kind, last, qty } => {
                Answer::FilledOrder(broker.fill_triggered(symbol, kind, last, qty))
            }
            Request::Modify(id, price) => Answer::Done(broker.modify(id, price)),
            Request::Status(id) => Answer::Status(broker.status(id)),
            Request::Position(symbol) => Answer::Position(broker.position(symbol)),
            Request::Reported(symbol) => Answer::Position(broker.reported_position(symbol)),
            Request::Sync => {
                broker.sync_positions();
                Answer::Nothing
            }
            Request::Hold(symbol, qty) => {
                broker.hold(symbol, qty);
                Answer::Nothing
            }
            Request::Acks => Answer::Acks(broker.acks()),
            Request::SetBehaviour(behaviour) => {
                broker.set_behaviour(behaviour);
                Answer::Nothing
            }
        };
        assert_eq!(
            answer, reference.answer,
            "SimBroker answered {answer:?}, the reference ledger {:?}",
            reference.answer
        );
        broker
    }

    fn check_invariants(broker: &SimBroker, reference: &Ledger) {
        assert_eq!(broker.orders(), reference.orders, "the orders differ");
        let log: Vec<String> = broker.requests().into_iter().map(|r| r.what).collect();
        assert_eq!(log, reference.log, "the request logs differ");
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// SimBroker answers every request as its reference ledger does, and holds the same orders.
    #[test]
    fn sim_broker_matches_its_reference_ledger(sequential 1..40 => BrokerTest);
}
