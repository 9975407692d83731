//! The panic hook the process had before the first exploration hears of a model's own panic,
//! and never of the harness's ends of an execution (a violation, the step limit, loom's spent
//! budget): those are verdicts, and under `RUST_BACKTRACE` each would cost a backtrace.
//!
//! One test in its own binary: the hook is process-wide.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use harness::selftest::{broken_model, lost_update, spin_forever};
use harness::{explore, Exploration, Strategy};

#[test]
fn only_a_models_own_panic_reaches_the_previous_hook() {
    let heard = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&heard);
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        counter.fetch_add(1, Ordering::SeqCst);
        default(info);
    }));
    let heard_after = |model, strategy: Strategy, step_limit: u64, verdict: &str| {
        let before = heard.load(Ordering::SeqCst);
        let outcome = explore(&model, &Exploration::new(strategy, 1_000).with_step_limit(step_limit));
        assert_eq!(outcome.verdict.name(), verdict, "{outcome:?}");
        heard.load(Ordering::SeqCst) - before
    };

    // A violation found, traced by a replay and minimised: many panics, none heard.
    assert_eq!(heard_after(lost_update("quiet/violated"), Strategy::Pct { seed: 1, depth: 2 }, 10_000, "violated"), 0);
    assert_eq!(
        heard_after(lost_update("quiet/violated"), Strategy::Loom { preemption_bound: Some(2) }, 10_000, "violated"),
        0
    );
    // The step limit, under shuttle and on real threads (where every execution reaches it).
    assert_eq!(heard_after(spin_forever("quiet/spin"), Strategy::Random { seed: 1 }, 200, "step-limit"), 0);
    assert_eq!(heard_after(spin_forever("quiet/spin"), Strategy::Threads, 200, "step-limit"), 0);
    // loom's budget spent on a model that holds.
    let holds = harness::selftest::locked_update("quiet/holds");
    let outcome = explore(&holds, &Exploration::new(Strategy::Loom { preemption_bound: None }, 1));
    assert_eq!(outcome.executions, 1);
    assert_eq!(heard.load(Ordering::SeqCst), 0);

    // A model's own bug is still the previous hook's to report.
    assert!(heard_after(broken_model("quiet/broken"), Strategy::Random { seed: 1 }, 10_000, "model-panic") >= 1);
}
