use harness::race::Race;
use harness::selftest::TaskSelfTest;
use harness::{explore, Exploration, Strategy};
#[test]
fn measure() {
    for v in ["loop-check-set", "workers-check-set", "timers", "loop-check-await-set", "loop-blocking-call"] {
        for s in [
            Strategy::Loom { preemption_bound: Some(3) },
            Strategy::Loom { preemption_bound: None },
            Strategy::Dfs,
            Strategy::Pct { seed: 1, depth: 3 },
            Strategy::Random { seed: 1 },
        ] {
            let m = TaskSelfTest.model(v, v, &toml::Table::new()).unwrap();
            let t = std::time::Instant::now();
            let o = explore(&m, &Exploration::new(s.clone(), 100_000));
            eprintln!(
                "{v} {s}: {} {} {:?} {:?} {:?}",
                o.verdict.name(),
                o.executions,
                o.coverage,
                t.elapsed(),
                o.first_failure
            );
        }
    }
}
