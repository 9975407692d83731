//! One module per documented race; [`all`] is the registry the command line reads.
//!
//! Adding a race: write its module (the story, the variants, the invariants; `reentry.rs` is
//! the example), then add its one line to the `registry!` below — `racecheck new` does both.

use harness::Race;

/// Declares each race's module and lists its race, one line a race, in `racecheck list` order.
macro_rules! registry {
    ($($module:ident => $race:ident,)*) => {
        $(pub mod $module;)*

        /// Every race, in the order `racecheck list` shows them.
        pub fn all() -> Vec<&'static dyn Race> {
            vec![$(&$module::$race),*]
        }
    };
}

registry! {
    circuit_breaker => CircuitBreaker,
    reentry => Reentry,
    stale_cancel => StaleCancel,
    trailing_stop => TrailingStop,
    initial_trigger => InitialTrigger,
    auto_exit => AutoExit,
    emergency_stop => EmergencyStop,
    order_status => OrderStatus,
    cooldown_bypass => CooldownBypass,
    expert_recommendations => ExpertRecommendations,
    double_exit => DoubleExit,
    emergency_sell => EmergencySell,
    // racecheck new: registry lines go above this one.
}

/// The race called `id`.
pub fn find(id: &str) -> Option<&'static dyn Race> {
    all().into_iter().find(|r| r.id() == id)
}
