//! The simulated outside world the races run against: deterministic, and every call to it a
//! scheduling point.

pub mod broker;
pub mod price;

pub use broker::{Behaviour, Kind, OrderId, Refused, Side, SimBroker, Status};
pub use price::Price;
