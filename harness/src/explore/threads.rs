//! Running a model on real OS threads: the baseline.
//!
//! No control over the schedule and no replay: it shows how rarely the bug shows up in real
//! life, which is why a team can believe a fix holds. It is never part of a snapshot or a gate.
//! A deadlock on real threads would hang; each execution gets [`STALL`] of wall-clock time (the
//! one place the harness reads a clock), after which the run stops with a `deadlock` verdict and
//! the stuck threads are left behind (run it in a child process, as the CLI does).

use std::sync::mpsc;
use std::time::Duration;

use super::executions::Executions;
use super::{Exploration, Model, Run, Strategy};
use crate::runtime::{self, Runtime};
use crate::verdict::Verdict;

/// How long one execution may take on real threads before it counts as stuck.
pub const STALL: Duration = Duration::from_secs(10);

/// Runs `model` `exploration.budget` times on real threads, counting the runs that failed.
pub(super) fn run(model: &Model, exploration: &Exploration) -> Run {
    let runs = Executions::new(model, exploration.step_limit, None);
    let mut failure = None;
    let (mut failures, mut first_failure, mut executions) = (0, None, 0);
    for n in 1..=exploration.budget {
        executions = n;
        let each = runs.each();
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new().name("racecheck-execution".into()).spawn(move || {
            let _scope = runtime::enter(Runtime::Std);
            let _ = tx.send(super::quiet::catch(false, each));
        });
        let verdict = match spawned.map(|_| rx.recv_timeout(STALL)) {
            Ok(Ok(Ok(()))) => continue,
            Ok(Ok(Err(payload))) => Verdict::from_panic(payload.as_ref()),
            Ok(Err(_)) => {
                Verdict::Deadlock { details: format!("no progress for {} s on real threads", STALL.as_secs()) }
            }
            Err(e) => Verdict::ModelPanic { message: format!("cannot spawn a thread: {e}") },
        };
        failures += 1;
        first_failure.get_or_insert(n);
        let stop = matches!(verdict, Verdict::Deadlock { .. });
        failure.get_or_insert((verdict, None));
        if stop {
            break;
        }
    }
    let (reached_window, _) = runs.finish(false);
    Run { executions, completed: false, reached_window, failure, first_failure, failures, ran: Strategy::Threads }
}
