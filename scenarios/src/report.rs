//! The text report of a scenario run: what `racecheck run` prints and what `reports/` keeps.
//!
//! Deterministic to the byte: no timings, no paths, fixed orders. For each variant the verdict
//! against the expectation; for each variant × scheduler the verdict, executions explored,
//! whether an exhaustive search completed, the first failing execution, how many executions
//! reached the race window, and the replay handle; and the trace of each violation.

use std::fmt::Write as _;

use harness::{Coverage, Outcome};

use crate::run::{Cell, ScenarioRun};

fn coverage(o: &Outcome) -> &'static str {
    match o.coverage {
        Coverage::Sampled => "sampled",
        Coverage::Complete => "complete",
        Coverage::Incomplete => "incomplete",
    }
}

/// Renders a scenario run.
pub fn render(run: &ScenarioRun<'_>) -> String {
    let s = run.scenario;
    let mut out = String::new();
    let _ = writeln!(out, "scenario {}: race `{}`, {}", s.id, s.race.id(), s.race.title());
    let _ = writeln!(out, "source: {}", s.race.source());
    let _ = writeln!(out);
    let w = s.race.variants().iter().map(|v| v.len()).max().unwrap_or(0).max(16);
    let _ = writeln!(out, "{:<w$} {:<12} {:<12} result", "variant", "expected", "verdict");
    for (variant, expected, actual) in run.expectations() {
        let result = if expected == actual { "ok" } else { "UNEXPECTED" };
        let _ = writeln!(out, "{variant:<w$} {expected:<12} {actual:<12} {result}");
    }
    for (variant, _) in &s.expect {
        let cells: Vec<&Cell> = run.cells.iter().filter(|c| c.variant == *variant).collect();
        if cells.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {variant}\n");
        let _ = writeln!(
            out,
            "{:<26} {:<12} {:>10}  {:<10}  {:>13}  {:>6}",
            "scheduler", "verdict", "executions", "coverage", "first failure", "window"
        );
        for c in &cells {
            let o = &c.outcome;
            let first = o.first_failure.map_or_else(|| "-".to_owned(), |n| n.to_string());
            let _ = writeln!(
                out,
                "{:<26} {:<12} {:>10}  {:<10}  {:>13}  {:>6}",
                c.exploration.strategy.to_string(),
                o.verdict.name(),
                o.executions,
                coverage(o),
                first,
                o.reached_window
            );
        }
        for c in cells.iter().filter(|c| c.exploration.strategy == harness::Strategy::Threads) {
            let o = &c.outcome;
            let _ = writeln!(
                out,
                "\nthreads (baseline, not a verdict): the bug showed in {} of {} runs on real OS threads",
                o.failures, o.executions
            );
        }
        let mut shown: Vec<(&Cell, String)> = Vec::new();
        for c in cells.iter().filter(|c| c.outcome.verdict.is_failure()) {
            let o = &c.outcome;
            let _ = writeln!(out, "\n{} found: {}", c.exploration.strategy, o.verdict);
            let first = o.preemptions.map_or_else(
                || match &c.exploration.strategy {
                    harness::Strategy::Loom { preemption_bound: Some(b) } => format!("at most {b} preemptions"),
                    _ => "preemptions not counted".to_owned(),
                },
                |p| format!("{p} preemptions"),
            );
            if let Some(h) = &o.handle {
                let _ = writeln!(out, "as found ({first}): racecheck replay {h}");
            }
            let (label, trace) = match &o.minimal {
                Some(m) => {
                    let _ = writeln!(out, "fewest preemptions ({}): racecheck replay {}", m.preemptions, m.handle);
                    ("trace (fewest preemptions)", &m.trace)
                }
                None => match &o.trace {
                    Some(t) => ("trace (as found)", t),
                    None => continue,
                },
            };
            let text = if trace.events.is_empty() { "  (no events)\n".to_owned() } else { trace.render() };
            if let Some((same, _)) = shown.iter().find(|(_, t)| *t == text) {
                let _ = writeln!(out, "{label}: the same as under {}", same.exploration.strategy);
            } else {
                let _ = writeln!(out, "{label}:\n{text}");
                shown.push((c, text));
            }
        }
    }
    out
}
