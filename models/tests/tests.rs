//! Integration tests of the simulated world, before any race is judged on top of it.

// SimBroker against a sequential reference ledger (proptest-state-machine).
mod ledger;
// Seed 001's float stop prices never reach the broker (quickcheck).
mod precision;
