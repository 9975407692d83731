//! SimDb: the rows the write-ups query, with SQLite's isolation.
//!
//! Tables: `trades` (a bot's trades, with `created_at` and `filled_at` on the [`SimClock`]),
//! `transactions` (an expert's position per symbol, status `WAITING`, `OPENED`, `CLOSED`) and
//! `recommendations` (what an expert's analysis asked for, and what became of it).
//!
//! Isolation, as the write-ups' SQLite gives it to several processes: every method is one SQL
//! statement in autocommit mode, atomic on its own, and one [`Service`] call (a scheduling
//! point). Nothing spans two statements: there is no `SELECT ... FOR UPDATE`, so a row one call
//! read can change before the caller's next call. What SQLite *does* make atomic is a single
//! statement that reads and writes, because it serialises writers: a conditional
//! `INSERT ... SELECT ... WHERE NOT EXISTS (...)` ([`SimDb::insert_trade_unless_within`]) or an
//! insert checked by a partial unique index ([`SimDb::insert_transaction_unique`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use harness::sync::Service;

use super::clock::{secs, SimClock};

/// A row id (from 1 in each table, in insertion order).
pub type RowId = u64;

/// A row of `trades`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trade {
    /// Its id.
    pub id: RowId,
    /// The bot that traded.
    pub bot: u32,
    /// When the row was written (ms).
    pub created_at: u64,
    /// When the trade filled (ms); `None` while it is only claimed.
    pub filled_at: Option<u64>,
}

impl Trade {
    /// The time a cooldown counts from: `filled_at`, or `created_at` when it is null.
    pub fn at(&self) -> u64 {
        self.filled_at.unwrap_or(self.created_at)
    }
}

/// A transaction's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnStatus {
    /// Its entry order was sent and has not filled yet.
    Waiting,
    /// The position is open.
    Opened,
    /// The position is closed.
    Closed,
}

impl TxnStatus {
    /// `OPENED` or `WAITING`: the statuses the duplicate check looks for.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Waiting | Self::Opened)
    }
}

/// A row of `transactions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// Its id.
    pub id: RowId,
    /// The expert instance it belongs to.
    pub expert: u32,
    /// The symbol.
    pub symbol: String,
    /// Its status.
    pub status: TxnStatus,
}

/// What became of a recommendation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecState {
    /// Not processed yet.
    Pending,
    /// An order was created for it, in this transaction.
    Ordered(RowId),
    /// Skipped because this open transaction already covers its symbol.
    Duplicate(RowId),
}

/// A row of `recommendations`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recommendation {
    /// Its id.
    pub id: RowId,
    /// The expert instance whose analysis made it.
    pub expert: u32,
    /// The symbol to enter.
    pub symbol: String,
    /// What became of it.
    pub state: RecState,
}

#[derive(Debug, Default)]
struct Tables {
    trades: BTreeMap<RowId, Trade>,
    transactions: BTreeMap<RowId, Transaction>,
    recommendations: BTreeMap<RowId, Recommendation>,
}

/// The simulated SQLite database (see the module docs).
#[derive(Debug)]
pub struct SimDb {
    tables: Service<Tables>,
    clock: Arc<SimClock>,
}

impl SimDb {
    /// An empty database whose timestamps come from `clock`.
    pub fn new(clock: Arc<SimClock>) -> Self {
        Self { tables: Service::named("db", Tables::default()), clock }
    }

    /// `INSERT INTO trades`: a filled trade of `bot`, stamped now.
    pub fn insert_trade(&self, bot: u32) -> RowId {
        self.tables.call(|t| {
            let now = self.clock.now();
            let id = t.trades.len() as RowId + 1;
            t.trades.insert(id, Trade { id, bot, created_at: now, filled_at: Some(now) });
            tracing::info!("db: INSERT trade #{id} of bot {bot} (t={})", secs(now));
            id
        })
    }

    /// A trade of `bot` that filled at `at` (a scenario's history: not narrated).
    pub fn insert_trade_at(&self, bot: u32, at: u64) -> RowId {
        self.tables.call(|t| {
            let id = t.trades.len() as RowId + 1;
            t.trades.insert(id, Trade { id, bot, created_at: at, filled_at: Some(at) });
            id
        })
    }

    /// `SELECT ... FROM trades WHERE bot_id = ? ORDER BY COALESCE(filled_at, created_at) DESC
    /// LIMIT 1`.
    pub fn last_trade(&self, bot: u32) -> Option<Trade> {
        self.tables.call(|t| {
            let last = last_of(t, bot).cloned();
            let shown = last.as_ref().map_or("none".into(), |l| format!("#{} at t={}", l.id, secs(l.at())));
            tracing::info!("db: SELECT last trade of bot {bot} -> {shown}");
            last
        })
    }

    /// One statement, `INSERT INTO trades (bot_id, created_at) SELECT ?, now WHERE NOT EXISTS
    /// (a trade of the bot within `cooldown_ms`)`: claims the bot's next trade (unfilled), or
    /// returns the trade that is still cooling down.
    pub fn insert_trade_unless_within(&self, bot: u32, cooldown_ms: u64) -> Result<RowId, Trade> {
        self.tables.call(|t| {
            let now = self.clock.now();
            if let Some(last) = last_of(t, bot).filter(|l| now < l.at() + cooldown_ms) {
                tracing::info!(
                    "db: INSERT claim for bot {bot} -> 0 rows (trade #{} at t={} is within the cooldown)",
                    last.id,
                    secs(last.at())
                );
                return Err(last.clone());
            }
            let id = t.trades.len() as RowId + 1;
            t.trades.insert(id, Trade { id, bot, created_at: now, filled_at: None });
            tracing::info!("db: INSERT claim trade #{id} for bot {bot} -> 1 row (t={})", secs(now));
            Ok(id)
        })
    }

    /// `UPDATE trades SET filled_at = now WHERE id = ?`.
    pub fn fill_trade(&self, id: RowId) {
        self.tables.call(|t| {
            let now = self.clock.now();
            if let Some(trade) = t.trades.get_mut(&id) {
                trade.filled_at = Some(now);
            }
            tracing::info!("db: UPDATE trade #{id} filled_at = t={}", secs(now));
        })
    }

    /// Every trade, in id order (for invariants).
    pub fn trades(&self) -> Vec<Trade> {
        self.tables.call(|t| t.trades.values().cloned().collect())
    }

    /// `INSERT INTO transactions`: a new transaction, no questions asked.
    pub fn insert_transaction(&self, expert: u32, symbol: &str, status: TxnStatus) -> RowId {
        self.tables.call(|t| insert_txn(t, expert, symbol, status))
    }

    /// `SELECT ... FROM transactions WHERE expert_instance_id = ? AND symbol = ? AND status IN
    /// (OPENED, WAITING)`, `.first()`.
    pub fn open_transaction(&self, expert: u32, symbol: &str) -> Option<Transaction> {
        self.tables.call(|t| {
            let found = open_of(t, expert, symbol).cloned();
            let shown = found.as_ref().map_or("none".into(), |x| format!("#{} {:?}", x.id, x.status));
            tracing::info!("db: SELECT open transaction of expert {expert} for {symbol} -> {shown}");
            found
        })
    }

    /// `INSERT INTO transactions` under a partial unique index on `(expert_instance_id, symbol)
    /// WHERE status IN (OPENED, WAITING)`: the new transaction, or the open one in its way.
    pub fn insert_transaction_unique(
        &self,
        expert: u32,
        symbol: &str,
        status: TxnStatus,
    ) -> Result<RowId, Transaction> {
        self.tables.call(|t| {
            if let Some(open) = open_of(t, expert, symbol) {
                tracing::info!(
                    "db: INSERT transaction for expert {expert} {symbol} -> UNIQUE constraint failed (#{} {:?})",
                    open.id,
                    open.status
                );
                return Err(open.clone());
            }
            Ok(insert_txn(t, expert, symbol, status))
        })
    }

    /// Every transaction, in id order (for invariants).
    pub fn transactions(&self) -> Vec<Transaction> {
        self.tables.call(|t| t.transactions.values().cloned().collect())
    }

    /// `INSERT INTO recommendations`: a pending recommendation.
    pub fn insert_recommendation(&self, expert: u32, symbol: &str) -> RowId {
        self.tables.call(|t| {
            let id = t.recommendations.len() as RowId + 1;
            let rec = Recommendation { id, expert, symbol: symbol.to_owned(), state: RecState::Pending };
            t.recommendations.insert(id, rec);
            tracing::info!("db: INSERT recommendation #{id} (expert {expert}, {symbol})");
            id
        })
    }

    /// `SELECT ... FROM recommendations WHERE expert_instance_id = ? AND <pending>`.
    pub fn pending_recommendations(&self, expert: u32) -> Vec<Recommendation> {
        self.tables.call(|t| {
            let pending: Vec<Recommendation> = t
                .recommendations
                .values()
                .filter(|r| r.expert == expert && r.state == RecState::Pending)
                .cloned()
                .collect();
            let ids: Vec<String> = pending.iter().map(|r| format!("#{} {}", r.id, r.symbol)).collect();
            tracing::info!("db: SELECT pending recommendations of expert {expert} -> [{}]", ids.join(", "));
            pending
        })
    }

    /// `UPDATE recommendations SET state = ? WHERE id = ? AND <pending>`: true if it was pending.
    pub fn resolve_recommendation(&self, id: RowId, state: RecState) -> bool {
        self.tables.call(|t| {
            let Some(rec) = t.recommendations.get_mut(&id).filter(|r| r.state == RecState::Pending) else {
                tracing::info!("db: UPDATE recommendation #{id} -> 0 rows (no longer pending)");
                return false;
            };
            rec.state = state;
            tracing::info!("db: UPDATE recommendation #{id} state = {state:?}");
            true
        })
    }

    /// Every recommendation, in id order (for invariants).
    pub fn recommendations(&self) -> Vec<Recommendation> {
        self.tables.call(|t| t.recommendations.values().cloned().collect())
    }
}

fn last_of(t: &Tables, bot: u32) -> Option<&Trade> {
    t.trades.values().filter(|x| x.bot == bot).max_by_key(|x| (x.at(), x.id))
}

fn open_of<'a>(t: &'a Tables, expert: u32, symbol: &str) -> Option<&'a Transaction> {
    t.transactions.values().find(|x| x.expert == expert && x.symbol == symbol && x.status.is_open())
}

fn insert_txn(t: &mut Tables, expert: u32, symbol: &str, status: TxnStatus) -> RowId {
    let id = t.transactions.len() as RowId + 1;
    t.transactions.insert(id, Transaction { id, expert, symbol: symbol.to_owned(), status });
    tracing::info!("db: INSERT transaction #{id} (expert {expert}, {symbol}, {status:?})");
    id
}
