//! A replay handle that does not fit the model is `stale`, with a typed reason, never a
//! "reproduced" finding and never a panic whose text a caller has to match.

use harness::explore::DEFAULT_STEP_LIMIT;
use harness::selftest as models;
use harness::{explore, replay_traced, Exploration, Handle, Replay, Stale, Strategy, Verdict};

/// A failing shuttle execution of the lost-update model and its handle.
fn found() -> (harness::Model, Handle, Verdict) {
    let model = models::lost_update("selftest/lost-update");
    let o = explore(&model, &Exploration::new(Strategy::Pct { seed: 7, depth: 2 }, 100));
    let handle = o.handle.expect("a handle");
    (model, handle, o.verdict)
}

/// `handle` with its shuttle schedule replaced by `edit` of it.
fn edited(handle: &Handle, edit: impl Fn(&str) -> String) -> Handle {
    let Replay::Shuttle { schedule } = &handle.replay else { panic!("a shuttle handle: {handle}") };
    let text = format!("{}/shuttle:{}", handle.target, edit(schedule));
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn stale(model: &harness::Model, handle: &Handle) -> Stale {
    let (verdict, _) = replay_traced(model, handle, DEFAULT_STEP_LIMIT);
    assert!(!verdict.is_failure(), "a stale replay is not a finding: {verdict}");
    verdict.stale().cloned().unwrap_or_else(|| panic!("{handle} replays as `{verdict}`, not stale"))
}

#[test]
fn the_handle_itself_reproduces_its_failure() {
    let (model, handle, verdict) = found();
    assert_eq!(replay_traced(&model, &handle, DEFAULT_STEP_LIMIT).0, verdict);
}

#[test]
fn decisions_left_over_after_the_model_finished_are_stale() {
    let (model, handle, _) = found();
    for tail in ["zzzz", "b9999", "a"] {
        let longer = edited(&handle, |s| format!("{s}{tail}"));
        assert!(matches!(stale(&model, &longer), Stale::LeftOver { left, .. } if left > 0), "{longer}");
    }
}

#[test]
fn a_schedule_that_runs_out_before_the_model_finishes_is_stale() {
    let (model, handle, _) = found();
    let cut = edited(&handle, |s| s[..s.find('.').expect("a seed") + 2].to_owned());
    assert!(matches!(stale(&model, &cut), Stale::EndedEarly { taken: 1 }), "{cut}");
    let empty = edited(&handle, |s| s[..=s.find('.').expect("a seed")].to_owned());
    assert_eq!(stale(&model, &empty), Stale::EndedEarly { taken: 0 });
}

#[test]
fn a_decision_for_a_thread_that_cannot_run_is_stale() {
    let (model, handle, _) = found();
    let other = edited(&handle, |s| {
        let (seed, steps) = s.split_once('.').expect("a seed");
        format!("{seed}.z{steps}")
    });
    assert_eq!(stale(&model, &other), Stale::NotRunnable { at: 1, task: 25, runnable: vec![0] });
}

#[test]
fn a_handle_for_another_model_is_stale() {
    let (_, handle, _) = found();
    let other = models::locked_update("selftest/locked-update");
    assert!(matches!(stale(&other, &handle), Stale::OtherTarget { .. }));
}

#[test]
fn a_schedule_longer_than_the_step_limit_allows_is_stale_before_it_is_allocated() {
    let (model, handle, _) = found();
    // Twelve characters for ten million decisions: read as text, refused before allocation.
    let huge = edited(&handle, |_| "0.a9999999".to_owned());
    assert!(matches!(stale(&model, &huge), Stale::Unreadable { .. }), "{huge}");
    let too_many = "selftest/lost-update/shuttle:0.a9999999b9999999";
    assert!(too_many.parse::<Handle>().is_err(), "more than MAX_STEPS in all is not a handle");
}

#[test]
fn a_loom_execution_the_search_does_not_have_is_stale() {
    let model = models::locked_update("selftest/locked-update");
    let handle: Handle = "selftest/locked-update/loom:2:100000".parse().expect("a loom handle");
    assert!(matches!(stale(&model, &handle), Stale::NoSuchExecution { execution: 100_000, .. }));
}

#[test]
fn a_stale_verdict_survives_the_trip_through_json() {
    let v = Verdict::Stale { reason: Stale::LeftOver { taken: 3, left: 4 } };
    let text = serde_json::to_string(&v).expect("serializes");
    assert_eq!(serde_json::from_str::<Verdict>(&text).expect("parses"), v);
    assert_eq!(v.name(), "stale");
}
