//! One module per documented race; [`all`] is the registry the command line reads.
//!
//! Adding a race: write its module (the story, the variants, the invariants; `reentry.rs` is
//! the example), declare it below with a plain `pub mod` line (so that `cargo fmt` sees it), and
//! add its `RACE` to [`all`] — `racecheck new` does all three.

use harness::Race;

pub mod auto_exit;
pub mod circuit_breaker;
pub mod cooldown_bypass;
pub mod double_exit;
pub mod emergency_sell;
pub mod emergency_stop;
pub mod expert_recommendations;
pub mod initial_trigger;
pub mod order_not_found;
pub mod order_status;
pub mod reentry;
pub mod stale_cancel;
pub mod ticker_double_buy;
pub mod trailing_stop;

/// Every race, in the order `racecheck list` shows them.
pub fn all() -> Vec<&'static dyn Race> {
    vec![
        circuit_breaker::RACE,
        reentry::RACE,
        stale_cancel::RACE,
        trailing_stop::RACE,
        initial_trigger::RACE,
        auto_exit::RACE,
        emergency_stop::RACE,
        order_status::RACE,
        cooldown_bypass::RACE,
        expert_recommendations::RACE,
        double_exit::RACE,
        emergency_sell::RACE,
        ticker_double_buy::RACE,
        order_not_found::RACE,
        // racecheck new: registry lines go above this one.
    ]
}

/// The race called `id`.
pub fn find(id: &str) -> Option<&'static dyn Race> {
    all().into_iter().find(|r| r.id() == id)
}

#[cfg(test)]
mod tests {
    /// Every race file is declared with a plain `pub mod` line, where `cargo fmt` sees it (a
    /// module declared inside a macro is never formatted).
    #[test]
    fn every_race_file_has_a_plain_mod_line() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/races");
        let listing = std::fs::read_to_string(dir.join("mod.rs")).expect("read mod.rs");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("read src/races")
            .map(|e| e.expect("a folder entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .filter(|stem| stem != "mod")
            .collect();
        files.sort();
        assert!(!files.is_empty());
        let undeclared: Vec<&String> =
            files.iter().filter(|stem| !listing.lines().any(|l| l == format!("pub mod {stem};"))).collect();
        assert!(undeclared.is_empty(), "race files without a `pub mod <stem>;` line in races/mod.rs: {undeclared:?}");
    }
}
