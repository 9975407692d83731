//! The gate and the command line's contract, one integration-test root.

mod cli;
mod gate;
