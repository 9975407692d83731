//! Generated worlds: every race's world space, enumerated for `racecheck prove` and drawn by
//! proptest for `racecheck fuzz`.
//!
//! Fixed scenarios find the races someone already imagined; generated ones find the rest. Each
//! race has one [`Space`] (see [`space`](mod@space) for the machinery, `races.rs` for each race's
//! definition): its ticks and prices relative to the levels that matter, polls, workers or
//! exits, sizes, broker latency against the lock's expiry, and the broker faults its model
//! knows. [`Space::worlds`] lists every world up to a size, smallest first; [`strategy`] draws
//! from the same values and shrinks toward the smallest world. A world the race refuses (its
//! parameter checks fail) is left out, or rejected, never failed.

mod races;
pub mod space;

use proptest::strategy::BoxedStrategy;
use toml::Table;

pub use self::space::{Dim, Order, Shape, Space, World};

/// The races with a world space: every race, in the order `racecheck list` shows them.
pub const RACES: &[&str] = &[
    "circuit-breaker",
    "reentry",
    "stale-cancel",
    "trailing-stop",
    "initial-trigger",
    "auto-exit",
    "emergency-stop",
    "order-status",
    "cooldown-bypass",
    "expert-recommendations",
    "double-exit",
    "emergency-sell",
    "ticker-double-buy",
    "order-not-found",
];

/// The world space of race `id`, if it has one.
pub fn space(id: &str) -> Option<Space> {
    races::space_of(id)
}

/// The world strategy of race `id` for `racecheck fuzz`, if it has one.
pub fn strategy(id: &str) -> Option<BoxedStrategy<Table>> {
    space(id).map(|s| s.strategy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_race_has_a_space_and_every_space_a_race() {
        let ids: Vec<&str> = crate::races::all().iter().map(|r| r.id()).collect();
        assert_eq!(ids, RACES);
        for id in RACES {
            let s = space(id).expect("a space");
            let worlds = s.worlds(s.default_size);
            assert!(worlds.len() >= 4, "{id}: {} worlds", worlds.len());
            assert!(worlds.windows(2).all(|w| w[0].size <= w[1].size), "{id}: smallest first");
            assert_eq!(worlds[0].size, 0, "{id}: the plainest world is accepted");
        }
    }

    #[test]
    fn symmetric_sequences_are_listed_once() {
        let s = space("double-exit").expect("a space");
        let worlds = s.worlds(2);
        let exits: Vec<String> = worlds.iter().map(|w| w.params["exits"].to_string()).collect();
        assert!(exits.contains(&"[100, 50]".to_owned()));
        assert!(!exits.contains(&"[50, 100]".to_owned()));
    }

    #[test]
    fn worlds_grow_with_the_size_and_keep_the_smaller_ones() {
        let s = space("reentry").expect("a space");
        let (small, large) = (s.worlds(1), s.worlds(2));
        assert!(small.len() < large.len());
        assert!(small.iter().all(|w| large.contains(w)));
        assert_eq!(small[0].params.to_string(), large[0].params.to_string());
    }
}
