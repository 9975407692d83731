//! One module per race; [`all`] is the registry the command line reads, [`space`] their world
//! spaces.
//!
//! Adding a race: `cargo run -- new <race-id>` writes its module here, declares it below with a
//! plain `pub mod` line and adds its `RACE` to [`all`].

use harness::Race;
use models::worlds::Space;

pub mod sell_twice;

/// Every race, in the order `racecheck list` shows them.
pub fn all() -> Vec<&'static dyn Race> {
    vec![
        sell_twice::RACE,
        // racecheck new: registry lines go above this one.
    ]
}

/// The world space of race `id` (what `racecheck prove` enumerates and `racecheck fuzz` draws
/// from), if it has one.
pub fn space(id: &str) -> Option<Space> {
    match id {
        "sell-twice" => Some(sell_twice::space()),
        _ => None,
    }
}
