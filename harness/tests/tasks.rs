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

/// Runs `variant` under every scheduler; returns the verdict names, in order.
fn verdicts(variant: &str) -> Vec<String> {
    every_scheduler()
        .into_iter()
        .map(|s| {
            let o = explore(&model(variant), &Exploration::new(s.clone(), 20_000));
            if o.verdict.name() == "holds" && s.is_exhaustive() {
                assert_eq!(o.coverage, Coverage::Complete, "{variant} under {s}: {o:?}");
            }
            o.verdict.name().to_owned()
        })
        .collect()
}

#[test]
fn a_check_and_set_in_one_segment_holds_on_an_event_loop_under_every_scheduler() {
    assert_eq!(verdicts("loop-check-set"), vec!["holds"; 7]);
    assert_eq!(verdicts("loop-blocking-call"), vec!["holds"; 7]);
}

#[test]
fn the_same_segment_on_two_workers_is_violated_under_every_scheduler() {
    assert_eq!(verdicts("workers-check-set"), vec!["violated"; 7]);
}

#[test]
fn a_check_then_an_await_then_a_set_is_violated_on_both() {
    assert_eq!(verdicts("loop-check-await-set"), vec!["violated"; 7]);
    assert_eq!(verdicts("workers-check-await-set"), vec!["violated"; 7]);
}

#[test]
fn timers_fire_in_deadline_order_under_every_scheduler() {
    assert_eq!(verdicts("timers"), vec!["holds"; 7]);
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
