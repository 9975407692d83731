//! The harness's overhead: the re-entry model (`correct-fix`, which runs its whole budget) under
//! `harness::explore` with shuttle's random scheduler, against the same model written directly
//! against shuttle, side by side in one run (see `scenarios::overhead` for the method).
//!
//! Run: `cargo bench -p scenarios --bench overhead` (optionally `-- <executions> <rounds>`).
//! The figure is the median of the rounds' ratios (harness throughput / bare throughput).
//! Target: at least 0.95.

use scenarios::overhead::Overhead;

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let executions = args.first().copied().unwrap_or(5_000);
    let rounds = args.get(1).copied().unwrap_or(31);
    let race = models::races::find("reentry").expect("the re-entry race");
    let model = race.model("reentry/correct-fix", "correct-fix", &toml::Table::new()).expect("the model");
    let o = Overhead::measure(&model, executions, rounds);
    let (low, high) = o.ratio_range();
    println!("re-entry correct-fix, shuttle random, {executions} executions x {rounds} rounds");
    println!("bare shuttle            : {:>10.0} executions/s (median)", o.bare_rate());
    println!("explorer, bare model    : {:>10.0} executions/s (ratio {:.3})", o.explorer_rate(), o.explorer_ratio());
    println!("harness                 : {:>10.0} executions/s", o.harness_rate());
    println!(
        "ratio                   : {:.3} (harness / bare, median of rounds; {low:.3}..{high:.3}; target >= 0.95)",
        o.ratio()
    );
}
