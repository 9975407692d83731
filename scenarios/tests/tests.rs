//! The gate and the command line's contract, one integration-test root.

mod browser;
mod cli;
mod edges;
mod export;
mod fuzz;
mod gate;
mod parsers;
mod proofs;
mod prove;
mod scaffold;
mod schema;
mod soak;
mod support;
mod workflow;
