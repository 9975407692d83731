//! The race checked from a plain `#[test]`, with the harness's front door: no scenario file, no
//! command line. `harness::check` panics with the verdict, the replay handle and the trace when
//! a model fails.

use harness::Checker;
use my_bot::races::sell_twice::{model, Variant};

#[test]
fn the_exit_lock_keeps_both_exits_from_selling_the_position() {
    harness::check(&model(Variant::Fix));
}

#[test]
fn without_the_lock_both_exits_sell_and_the_finding_replays() {
    let checked = Checker::new().run(&model(Variant::Before));
    let finding = checked.to_string();
    assert_eq!(checked.verdict().name(), "violated", "{finding}");
    assert!(finding.contains("ABC position -100 after selling from 100"), "{finding}");
    // The handle the finding printed reproduces it: `harness::replay` panics with its trace.
    let shown = checked.failure().and_then(|o| o.shown(false)).expect("a violation has a trace");
    let handle = shown.handle.to_string();
    let replayed = std::panic::catch_unwind(|| harness::replay(&model(Variant::Before), &handle));
    let message = replayed.expect_err("the replay fails as the finding did");
    let message = message.downcast_ref::<String>().expect("a message");
    assert!(message.contains("never sell more than is held"), "{message}");
}
