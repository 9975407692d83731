//! The re-entry race's `correct-fix`, written directly against shuttle: the same threads, the same
//! lock operations, the same broker calls and ledger, the same tracing events. The baseline of the
//! harness's overhead (`benches/overhead.rs`, `racecheck perf`); run it with [`time`].

use std::collections::BTreeMap;
use std::time::Instant;

use shuttle::sync::{Arc, Mutex};
use shuttle::thread;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Entry {
    None,
    Placing,
    Order(u64),
}

struct State {
    triggered: bool,
    in_position: bool,
    entry_order_id: Entry,
    pending_retry: bool,
    entries_today: u32,
    max_attempts: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Entry,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Buy,
}

#[derive(Clone, Debug)]
#[allow(dead_code)]
struct Order {
    id: u64,
    symbol: String,
    kind: Kind,
    side: Side,
    qty: u64,
    filled: u64,
    price: Option<i64>,
    live: bool,
}

#[derive(Default)]
struct Book {
    orders: BTreeMap<u64, Order>,
    positions: BTreeMap<String, i64>,
    requests: Vec<(String, String)>,
    /// Broker calls so far, and the order-update feed, as SimBroker keeps them.
    calls: u64,
    acks: Vec<(u64, (u64, bool, u64))>,
}

struct Bot {
    state: Mutex<State>,
    broker: Mutex<Book>,
}

fn actor() -> String {
    match thread::current().name() {
        Some(n) if n != "main-thread" => n.to_owned(),
        _ => "main".to_owned(),
    }
}

fn price(p: i64) -> String {
    format!("{}.{:02}", p / 100, p % 100)
}

impl Bot {
    fn place(&self) -> u64 {
        let mut b = self.broker.lock().unwrap();
        b.calls += 1;
        let (kind, side, qty, symbol) = (Kind::Entry, Side::Buy, 1, "ABC");
        let at = format!(" @ {}", price(10_000));
        b.requests.push((actor(), format!("place {kind:?} {side:?} {qty} {symbol}{at}")));
        let id = b.orders.len() as u64 + 1;
        let order =
            Order { id, symbol: symbol.to_owned(), kind, side, qty, filled: 0, price: Some(10_000), live: true };
        b.orders.insert(id, order);
        tracing::info!("broker: order #{id} accepted ({kind:?} {side:?} {qty} {symbol}{at})");
        let calls = b.calls;
        b.acks.push((calls, (id, true, 0)));
        id
    }

    fn place_buy_stop(&self) {
        {
            let mut s = self.state.lock().unwrap();
            if s.in_position || s.entry_order_id != Entry::None {
                tracing::info!("place_buy_stop: under lock, already in position or ordered: return");
                return;
            }
            s.entry_order_id = Entry::Placing;
            tracing::info!("place_buy_stop: under lock, reserves the entry; lock released");
        }
        let id = self.place();
        // The harness's SimBroker::place returns a Result, matched here as there.
        let mut s = self.state.lock().unwrap();
        s.entry_order_id = Entry::Order(id);
        s.entries_today += 1;
        tracing::info!("records entry_order_id = #{id}");
    }

    fn process_tick(&self, ltp: i64) {
        let should = {
            let mut s = self.state.lock().unwrap();
            let should = s.triggered
                && !s.in_position
                && s.entry_order_id == Entry::None
                && s.entries_today < s.max_attempts
                && ltp <= 10_000;
            if should {
                s.pending_retry = false;
            }
            tracing::info!("under lock: should_attempt_reentry = {should} (ltp {ltp})");
            should
        };
        if should {
            self.place_buy_stop();
        }
    }

    fn poll(&self) {
        let should = {
            let s = self.state.lock().unwrap();
            let should = s.pending_retry
                && !s.in_position
                && s.entry_order_id == Entry::None
                && s.entries_today < s.max_attempts;
            tracing::info!("under lock: should_retry = {should}");
            should
        };
        if should {
            self.place_buy_stop();
        }
    }
}

/// One execution of the model; panics when its invariant breaks.
pub fn execution() {
    let bot = Arc::new(Bot {
        state: Mutex::new(State {
            triggered: true,
            in_position: false,
            entry_order_id: Entry::None,
            pending_retry: true,
            entries_today: 1,
            max_attempts: 3,
        }),
        broker: Mutex::new(Book::default()),
    });
    let b = Arc::clone(&bot);
    let tick = thread::Builder::new().name("tick".into()).spawn(move || b.process_tick(9_950)).unwrap();
    let b = Arc::clone(&bot);
    let poll = thread::Builder::new().name("poll".into()).spawn(move || b.poll()).unwrap();
    tick.join().unwrap();
    poll.join().unwrap();
    let orders: Vec<Order> = {
        let mut b = bot.broker.lock().unwrap();
        b.calls += 1;
        b.orders.values().cloned().collect()
    };
    let live = orders.iter().filter(|o| o.kind == Kind::Entry && o.symbol == "ABC" && o.live).count();
    let position = {
        let mut b = bot.broker.lock().unwrap();
        b.calls += 1;
        b.requests.push((actor(), "position ABC".to_owned()));
        b.positions.get("ABC").copied().unwrap_or(0)
    };
    assert!(live + usize::from(position != 0) <= 1, "{live} live entry orders");
    let tracked = bot.state.lock().unwrap().entry_order_id;
    assert!(live <= 1 && matches!(tracked, Entry::Order(_)), "{live} live entry orders");
}

/// Runs [`execution`] `executions` times under shuttle's random scheduler from `seed`; seconds taken.
pub fn time(executions: usize, seed: u64) -> f64 {
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    let runner = shuttle::Runner::new(shuttle::scheduler::RandomScheduler::new_from_seed(seed, executions), config);
    let start = Instant::now();
    let ran = runner.run(execution);
    assert_eq!(ran, executions);
    start.elapsed().as_secs_f64()
}
