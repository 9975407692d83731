//! The harness's overhead: the re-entry model (`correct-fix`, which runs its whole budget) under
//! `harness::explore` with shuttle's random scheduler, against the same model written directly
//! against shuttle, side by side in one run.
//!
//! Run: `cargo bench -p scenarios --bench overhead` (optionally `-- <executions> <rounds>`).
//! Rounds alternate the two so machine noise falls on both alike; the figure is the ratio of
//! the medians (harness throughput / direct throughput). Target: at least 0.95.

use std::time::Instant;

use harness::{Exploration, Strategy};
use scenarios::direct;

fn time_direct(executions: usize, seed: u64) -> f64 {
    direct::time(executions, seed)
}

fn time_harness(model: &harness::Model, executions: u64, seed: u64) -> f64 {
    let start = Instant::now();
    let o = harness::explore(model, &Exploration::new(Strategy::Random { seed }, executions));
    assert_eq!((o.verdict.name(), o.executions), ("holds", executions));
    start.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let executions = args.first().copied().unwrap_or(20_000);
    let rounds = args.get(1).copied().unwrap_or(7);
    let race = models::races::find("reentry").expect("the re-entry race");
    let model = race.model("reentry/correct-fix", "correct-fix", &toml::Table::new()).expect("the model");
    // Warm both up once.
    time_direct(1_000, 99);
    time_harness(&model, 1_000, 99);
    let (mut direct, mut harnessed) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        direct.push(time_direct(executions as usize, round + 1));
        harnessed.push(time_harness(&model, executions, round + 1));
    }
    let (d, h) = (median(direct), median(harnessed));
    let per = |t: f64| executions as f64 / t;
    println!("re-entry correct-fix, shuttle random, {executions} executions x {rounds} rounds (medians)");
    println!("direct shuttle : {:>10.0} executions/s", per(d));
    println!("harness        : {:>10.0} executions/s", per(h));
    println!("ratio          : {:.3} (harness / direct; target >= 0.95)", per(h) / per(d));
}
