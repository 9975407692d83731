//! Integration tests of the simulated world, before any race is judged on top of it.

// SimBroker against a sequential reference ledger (proptest-state-machine).
mod ledger;
// The float stop prices of “Critical Threading Fixes for Live Trading” never reach the broker (quickcheck).
mod precision;
