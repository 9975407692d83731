//! Each verdict is reachable and distinct, under every scheduler that can reach it.

use harness::{explore, Coverage, Exploration, Strategy, Verdict};

use harness::selftest as models;

fn shuttle_strategies() -> Vec<Strategy> {
    vec![Strategy::Random { seed: 1 }, Strategy::Pct { seed: 1, depth: 2 }, Strategy::Urw { seed: 1 }, Strategy::Dfs]
}

#[test]
fn lost_update_is_violated_under_every_scheduler() {
    let mut strategies = shuttle_strategies();
    strategies.push(Strategy::Loom { preemption_bound: Some(2) });
    for s in strategies {
        let o = explore(&models::lost_update("selftest/lost_update"), &Exploration::new(s.clone(), 1000));
        assert_eq!(o.verdict.name(), "violated", "{s}: {o:?}");
        let Verdict::Violated(v) = &o.verdict else { unreachable!() };
        assert_eq!(v.details, "counter is 1 after 2 increments");
        assert!(o.handle.is_some(), "{s}");
        let trace = o.trace.expect("a trace").render();
        assert!(trace.contains("VIOLATION (main): counter is 1 after 2 increments"), "{s}:\n{trace}");
    }
}

#[test]
fn locked_update_holds_and_dfs_and_loom_complete() {
    for s in [Strategy::Dfs, Strategy::Loom { preemption_bound: None }, Strategy::Pct { seed: 3, depth: 2 }] {
        let o = explore(&models::locked_update("selftest/locked_update"), &Exploration::new(s.clone(), 10_000));
        assert_eq!(o.verdict, Verdict::Holds, "{s}");
        assert!(o.reached_window > 0);
        let expected = if s.is_exhaustive() { Coverage::Complete } else { Coverage::Sampled };
        assert_eq!(o.coverage, expected, "{s}");
    }
}

#[test]
fn an_exhaustive_search_stopped_by_its_budget_says_it_is_incomplete() {
    let o = explore(&models::locked_update("selftest/locked_update"), &Exploration::new(Strategy::Dfs, 2));
    assert_eq!((o.verdict, o.executions, o.coverage), (Verdict::Holds, 2, Coverage::Incomplete));
    let o = explore(
        &models::locked_update("selftest/locked_update"),
        &Exploration::new(Strategy::Loom { preemption_bound: None }, 1),
    );
    assert_eq!((o.verdict, o.executions, o.coverage), (Verdict::Holds, 1, Coverage::Incomplete));
}

#[test]
fn deadlock_is_its_own_verdict_under_shuttle() {
    for s in shuttle_strategies() {
        let o =
            explore(&models::lock_order_inversion("selftest/lock_order_inversion"), &Exploration::new(s.clone(), 1000));
        assert_eq!(o.verdict.name(), "deadlock", "{s}: {o:?}");
    }
}

#[test]
fn a_spin_that_never_ends_is_a_step_limit() {
    let mut strategies = shuttle_strategies();
    strategies.push(Strategy::Loom { preemption_bound: Some(2) });
    for s in strategies {
        let o = explore(&models::spin_forever("selftest/spin_forever"), &Exploration::new(s.clone(), 10));
        assert_eq!(o.verdict.name(), "step-limit", "{s}: {o:?}");
    }
}

#[test]
fn a_bug_in_the_model_is_a_model_panic() {
    for s in shuttle_strategies() {
        let o = explore(&models::broken_model("selftest/broken_model"), &Exploration::new(s.clone(), 10));
        let Verdict::ModelPanic { message } = &o.verdict else { panic!("{s}: {o:?}") };
        assert!(message.contains("index out of bounds"), "{message}");
    }
}

#[test]
fn a_replay_reproduces_the_same_trace() {
    let model = models::lost_update("selftest/lost_update");
    let o = explore(&model, &Exploration::new(Strategy::Pct { seed: 7, depth: 2 }, 100));
    let handle = o.handle.clone().expect("a handle");
    let again: harness::Handle = handle.to_string().parse().expect("the handle parses");
    let (verdict, trace) = harness::replay_traced(&model, &again, harness::explore::DEFAULT_STEP_LIMIT);
    assert_eq!(verdict, o.verdict);
    assert_eq!(Some(trace), o.trace);
}

#[test]
fn the_same_exploration_twice_gives_the_same_outcome() {
    for s in [Strategy::Random { seed: 11 }, Strategy::Urw { seed: 5 }, Strategy::Loom { preemption_bound: Some(1) }] {
        let a = explore(&models::lost_update("selftest/lost_update"), &Exploration::new(s.clone(), 500));
        let b = explore(&models::lost_update("selftest/lost_update"), &Exploration::new(s.clone(), 500));
        assert_eq!(a, b, "{s}");
    }
}

#[test]
fn a_loom_handle_writes_a_checkpoint_that_loom_replays_on_its_first_execution() {
    let model = models::lost_update("selftest/lost-update");
    let o = explore(&model, &Exploration::new(Strategy::Loom { preemption_bound: Some(2) }, 100));
    let handle = o.handle.expect("a loom handle");
    let path = std::env::temp_dir().join(format!("racecheck-checkpoint-{}.json", std::process::id()));
    let verdict = harness::write_loom_checkpoint(&model, &handle, harness::explore::DEFAULT_STEP_LIMIT, &path);
    assert_eq!(verdict, Ok(o.verdict));
    assert!(std::fs::read_to_string(&path).expect("the checkpoint").starts_with('{'));
    std::fs::remove_file(&path).expect("remove the checkpoint");
}

#[test]
fn real_threads_run_the_same_model_and_count_failing_runs() {
    let o = explore(&models::locked_update("selftest/locked-update"), &Exploration::new(Strategy::Threads, 20));
    assert_eq!((o.verdict, o.executions, o.failures, o.coverage), (Verdict::Holds, 20, 0, Coverage::Sampled));
    let o = explore(&models::broken_model("selftest/model-panic"), &Exploration::new(Strategy::Threads, 5));
    assert_eq!((o.verdict.name(), o.failures, o.first_failure), ("model-panic", 5, Some(1)));
    assert!(o.handle.is_none(), "real threads cannot be replayed");
}

#[test]
fn a_failed_exploration_leaves_nothing_behind_for_the_next_in_the_same_process() {
    // harness/DESIGN.md, "Traps measured here": a failing shuttle execution once leaked teardown state
    // into the next Runner of the process. Failures of every kind, then a run that must hold.
    for seed in 0..10 {
        for failing in [models::lost_update("selftest/lost-update"), models::lock_order_inversion("selftest/deadlock")]
        {
            let o = explore(&failing, &Exploration::new(Strategy::Random { seed }, 200));
            assert!(o.verdict.is_failure(), "seed {seed}: {o:?}");
            let after = explore(
                &models::locked_update("selftest/locked-update"),
                &Exploration::new(Strategy::Random { seed }, 50),
            );
            assert_eq!((after.verdict, after.executions), (Verdict::Holds, 50), "seed {seed}");
        }
    }
}

#[test]
fn the_fewest_preemptions_claim_matches_an_exhaustive_count() {
    // minimize() searches bounds 0, 1, 2 ... with its own bounded DFS; shuttle's unreduced DFS,
    // going on past every failure, counts the preemptions of every failing execution. The
    // minimum of those must be what minimize() reports, and never more than the one found.
    for model in [models::lost_update("selftest/lost-update"), models::lock_order_inversion("selftest/deadlock")] {
        let found = explore(&model, &Exploration::new(Strategy::Random { seed: 3 }, 1000));
        let minimal = found.minimal.clone().expect("a minimal counterexample");
        let all = harness::explore::failing_preemptions(&model, &found.verdict, 100_000).expect("the search completes");
        assert_eq!(Some(minimal.preemptions), all.iter().copied().min(), "{}", model.target());
        assert!(minimal.preemptions <= found.preemptions.expect("counted under shuttle"));
        assert!(all.iter().any(|p| *p > minimal.preemptions), "{}: some failures need more", model.target());
    }
}
