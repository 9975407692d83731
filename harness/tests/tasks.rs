//! The executor's semantics, pinned under every scheduler in this process: one segment is
//! atomic on an event loop and not on two workers; an await lets the other task in on both;
//! timers fire in deadline order; a task stuck on a signal is a deadlock. (loom's deadlock
//! aborts the process; the gate's `selftest-tasks` scenario checks it in a child process.)

use harness::race::Race;
use harness::selftest::TaskSelfTest;
use harness::{explore, replay_traced, Coverage, Exploration, Model, Strategy};

fn model(variant: &str) -> Model {
    TaskSelfTest.model(&format!("selftest-tasks/{variant}"), variant, &toml::Table::new()).expect("a selftest variant")
}

fn every_scheduler() -> Vec<Strategy> {
    vec![
        Strategy::Random { seed: 1 },
        Strategy::Pct { seed: 1, depth: 2 },
        Strategy::Pct { seed: 1, depth: 3 },
        Strategy::Urw { seed: 1 },
        Strategy::Dfs,
        Strategy::Loom { preemption_bound: Some(3) },
        Strategy::Loom { preemption_bound: None },
    ]
}

/// Runs `variant` under every scheduler, in the order of [`every_scheduler`], with `budget`
/// executions each; returns the verdict names. An exhaustive search that says `holds` must have
/// completed, except where `incomplete` names it.
fn verdicts(variant: &str, budget: u64, incomplete: &[Strategy]) -> Vec<String> {
    every_scheduler()
        .into_iter()
        .map(|s| {
            let o = explore(&model(variant), &Exploration::new(s.clone(), budget));
            if o.verdict.name() == "holds" && s.is_exhaustive() && !incomplete.contains(&s) {
                assert_eq!(o.coverage, Coverage::Complete, "{variant} under {s}: {o:?}");
            }
            o.verdict.name().to_owned()
        })
        .collect()
}

const DFS: Strategy = Strategy::Dfs;

#[test]
fn a_check_and_set_in_one_segment_holds_on_an_event_loop_under_every_scheduler() {
    // loom proves it (complete, unbounded); DFS, without reduction, samples it.
    assert_eq!(verdicts("loop-check-set", 20_000, &[DFS]), vec!["holds"; 7]);
    assert_eq!(verdicts("loop-blocking-call", 20_000, &[DFS]), vec!["holds"; 7]);
}

#[test]
fn the_same_segment_on_worker_threads_is_violated() {
    // DFS explores the last decisions first and does not reach the two checks side by side
    // within 20,000 executions: it says `holds` (sampled), which the gate pins too.
    let found = verdicts("workers-check-set", 20_000, &[DFS]);
    assert_eq!(found, ["violated", "violated", "violated", "violated", "holds", "violated", "violated"]);
}

#[test]
fn a_check_then_an_await_then_a_set_is_violated_on_both() {
    assert_eq!(verdicts("loop-check-await-set", 100_000, &[]), vec!["violated"; 7]);
    let found = verdicts("workers-check-await-set", 20_000, &[DFS]);
    assert_eq!(found[..4], ["violated"; 4]);
    assert_eq!(found[5..], ["violated"; 2]);
}

#[test]
fn timers_fire_in_deadline_order_under_every_scheduler() {
    // Four threads: loom completes within 3 preemptions, not unbounded within the budget.
    let unbounded = Strategy::Loom { preemption_bound: None };
    assert_eq!(verdicts("timers", 10_000, &[DFS, unbounded]), vec!["holds"; 7]);
}

#[test]
fn a_task_awaiting_a_signal_no_one_sets_is_a_deadlock_under_shuttle() {
    for s in every_scheduler().into_iter().filter(|s| !matches!(s, Strategy::Loom { .. })) {
        let o = explore(&model("deadlock"), &Exploration::new(s.clone(), 100));
        assert_eq!(o.verdict.name(), "deadlock", "{s}: {o:?}");
    }
}

#[test]
fn a_foreign_future_is_a_broken_model_naming_the_task() {
    let o = explore(&model("foreign-future"), &Exploration::new(Strategy::Random { seed: 1 }, 10));
    assert_eq!(o.verdict.name(), "model-panic", "{o:?}");
    assert!(o.verdict.to_string().contains("task `waiter` awaited a future"), "{}", o.verdict);
}

#[test]
fn a_violation_on_the_loop_replays_with_its_tasks_as_actors() {
    for s in [Strategy::Pct { seed: 1, depth: 3 }, Strategy::Loom { preemption_bound: None }] {
        let m = model("loop-check-await-set");
        let o = explore(&m, &Exploration::new(s.clone(), 20_000));
        let handle = o.handle.expect("a handle");
        let (verdict, trace) = replay_traced(&m, &handle, harness::explore::DEFAULT_STEP_LIMIT);
        assert_eq!(verdict, o.verdict, "{s}");
        let trace = trace.render();
        assert!(trace.contains("no order placed yet: places one"), "{s}:\n{trace}");
        assert!(trace.contains("2 orders placed"), "{s}:\n{trace}");
    }
}

#[test]
fn on_real_threads_the_loop_still_runs_one_segment_at_a_time() {
    for variant in ["loop-check-set", "loop-blocking-call", "timers"] {
        let o = explore(&model(variant), &Exploration::new(Strategy::Threads, 200));
        assert_eq!(o.verdict.name(), "holds", "{variant}: {o:?}");
        assert_eq!(o.executions, 200, "{variant}");
    }
}
