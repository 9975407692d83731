//! The simulated outside world the races run against: deterministic, and every call to it a
//! scheduling point.

pub mod broker;
pub mod clock;
pub mod db;
pub mod kv;
pub mod price;

#[cfg(test)]
pub use broker::MockBroker;
pub use broker::{Ack, Behaviour, Broker, Kind, OrderId, Refused, Side, SimBroker, Status};
pub use clock::SimClock;
pub use db::{RecState, SimDb, TxnStatus};
pub use kv::SimKv;
pub use price::Price;
