//! The text report of a scenario run: what `racecheck run` prints and what `reports/` keeps.
//!
//! Deterministic to the byte: no timings, no paths, fixed orders. For each variant the verdict
//! against the expectation; for each variant × scheduler the verdict, executions explored,
//! whether an exhaustive search completed, the first failing execution, how many executions
//! reached the race window, and the replay handle; and the trace of each violation.

use std::fmt::Write as _;

use crate::run::{Cell, ScenarioRun};
use crate::Registry;

/// Renders a scenario run; `registry` says whether its race has a proof over every small world.
pub fn render(run: &ScenarioRun<'_>, registry: &Registry) -> String {
    let s = run.scenario;
    let mut out = String::new();
    let _ = writeln!(out, "scenario {}: race `{}`, {}", s.id, s.race.id(), s.race.title());
    let _ = writeln!(out, "source: {}", s.race.source());
    for note in &s.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(out);
    let w = s.race.variants().iter().map(|v| v.len()).max().unwrap_or(0).max(16);
    let _ = writeln!(out, "{:<w$} {:<12} {:<12} result", "variant", "expected", "verdict");
    for (variant, expected, actual) in run.expectations() {
        let result = if expected == actual { "ok" } else { "UNEXPECTED" };
        let _ = writeln!(out, "{variant:<w$} {:<12} {:<12} {result}", expected.name(), actual.name());
    }
    let held: Vec<_> = run.expectations().into_iter().filter(|(_, _, actual)| !actual.is_failure()).collect();
    if !held.is_empty() {
        let _ = writeln!(out);
    }
    for (variant, _, _) in held {
        let cells: Vec<&Cell> = run.cells.iter().filter(|c| c.variant == variant && c.counts()).collect();
        let proven = registry.space(s.race.id()).is_some();
        let _ = writeln!(out, "scope of {variant}: {}", scope(s.race.id(), proven, &cells));
    }
    let pinned = run.cells.iter().any(|c| c.expect.is_some());
    for (variant, _) in &s.expect {
        let cells: Vec<&Cell> = run.cells.iter().filter(|c| c.variant == *variant).collect();
        if cells.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {variant}\n");
        let _ = write!(
            out,
            "{:<26} {:<12} {:>10} {:>10}  {:<10}  {:>13}  {:>6}",
            "scheduler", "verdict", "budget", "executions", "coverage", "first failure", "window"
        );
        let _ = writeln!(out, "{}", if pinned { "  pinned" } else { "" });
        for c in &cells {
            let o = &c.outcome;
            let first = o.first_failure.map_or_else(|| "-".to_owned(), |n| n.to_string());
            let _ = write!(
                out,
                "{:<26} {:<12} {:>10} {:>10}  {:<10}  {:>13}  {:>6}",
                ran(c),
                o.verdict.name(),
                ran_budget(c),
                o.executions,
                o.coverage.name(),
                first,
                o.reached_window
            );
            let own = match c.expect {
                Some(e) if e == c.concluded() => format!("  {e}: ok"),
                Some(e) => format!("  {e}: UNEXPECTED ({})", c.concluded()),
                None if pinned => "  -".to_owned(),
                None => String::new(),
            };
            let _ = writeln!(out, "{own}");
        }
        for c in cells.iter().filter(|c| c.exploration.strategy == harness::Strategy::Threads) {
            let o = &c.outcome;
            let _ = writeln!(
                out,
                "\nthreads (baseline, not a verdict): the bug showed in {} of {} runs on real OS threads",
                o.failures, o.executions
            );
        }
        if let Some((file, _)) = picture(s.id.as_str(), variant, &cells) {
            let _ = writeln!(out, "\npicture: {file}");
        }
        let mut shown: Vec<(&Cell, String)> = Vec::new();
        for c in cells.iter().filter(|c| c.outcome.verdict.is_failure()) {
            let o = &c.outcome;
            let _ = writeln!(out, "\n{} found: {}", ran(c), o.verdict);
            let first = o.preemptions_as_found(Some(&c.exploration.strategy));
            if let Some(h) = &o.handle {
                let _ = writeln!(out, "as found ({first}): racecheck replay {h}");
            }
            match (&o.minimal, &o.handle, &o.ran) {
                (Some(m), _, _) => {
                    let _ = writeln!(out, "fewest preemptions ({}): racecheck replay {}", m.preemptions, m.handle);
                }
                (None, Some(_), Some(ran)) => {
                    let _ = writeln!(
                        out,
                        "fewest preemptions: not found within the minimiser's budget of {} executions",
                        ran.minimize_budget
                    );
                }
                _ => {}
            }
            let Some(view) = o.shown(false) else { continue };
            if view.verdict != &o.verdict {
                // The fewest-preemptions execution fails the same way with other values: its
                // own violation goes with its own trace.
                let _ = writeln!(out, "which fails with: {}", view.verdict);
            }
            let label = format!("trace ({})", view.label());
            let text = if view.trace.events.is_empty() { "  (no events)\n".to_owned() } else { view.trace.render() };
            if let Some((same, _)) = shown.iter().find(|(_, t)| *t == text) {
                let _ = writeln!(out, "{label}: the same as under {}", ran(same));
            } else {
                let _ = writeln!(out, "{label}:\n{text}");
                shown.push((c, text));
            }
        }
    }
    out
}

/// What a verdict that held covers: this scenario's one world; each search that held, with the
/// interleavings it covered (all of them, or those within a preemption bound, or a sample) and
/// its executions; and, for a race with a world space (`proven`), where the proof over every
/// small world is kept.
fn scope(race: &str, proven: bool, cells: &[&Cell]) -> String {
    let mut searches = Vec::new();
    let (mut sampled, mut samplers) = (0, Vec::new());
    for c in cells.iter().filter(|c| !c.outcome.verdict.is_failure()) {
        let o = &c.outcome;
        let name = ran_strategy(c).name();
        match (ran_strategy(c), o.coverage) {
            (harness::Strategy::Loom { preemption_bound: Some(b) }, harness::Coverage::Complete) => searches
                .push(format!("every interleaving with <= {b} preemptions ({name}, {} executions)", o.executions)),
            (_, harness::Coverage::Complete) => {
                searches.push(format!("every interleaving ({name}, {} executions)", o.executions));
            }
            (_, harness::Coverage::Incomplete) => {
                searches.push(format!("part of the interleavings ({name} stopped at {} executions)", o.executions));
            }
            (_, harness::Coverage::Sampled) => {
                sampled += o.executions;
                samplers.push(name);
            }
        }
    }
    if sampled > 0 {
        searches.push(format!("{sampled} sampled executions ({})", samplers.join(", ")));
    }
    let worlds = if proven { format!("; every small world: reports/prove/{race}.snap") } else { String::new() };
    format!("1 world (this scenario's); {}{worlds}", searches.join("; "))
}

/// The scheduler as it ran (its own account), else as it was asked for.
fn ran_strategy(c: &Cell) -> &harness::Strategy {
    c.outcome.ran.as_ref().map_or(&c.exploration.strategy, |r| &r.strategy)
}

/// The scheduler's label, with the settings that ran.
fn ran(c: &Cell) -> String {
    ran_strategy(c).to_string()
}

/// The budget that ran, else the one asked for.
fn ran_budget(c: &Cell) -> u64 {
    c.outcome.ran.as_ref().map_or(c.exploration.budget, |r| r.budget)
}

/// The picture of a variant's counterexample: its file name under `reports/` and its SVG, from
/// the first failing cell's shown counterexample.
fn picture(scenario: &str, variant: &str, cells: &[&Cell]) -> Option<(String, String)> {
    let c = cells.iter().find(|c| c.outcome.verdict.is_failure())?;
    let view = c.outcome.shown(false)?;
    let title = format!("{scenario} / {variant}: {}", view.verdict);
    let count = view.preemptions.map_or_else(String::new, |p| format!(" ({p} preemptions)"));
    let subtitle = format!("racecheck replay {}{count}", view.handle);
    Some((format!("svg/{scenario}.{variant}.svg"), harness::svg::render(view.trace, &title, &subtitle)))
}

/// Every picture a scenario run's report links to: file name under `reports/`, and SVG.
pub fn pictures(run: &ScenarioRun<'_>) -> Vec<(String, String)> {
    let s = run.scenario;
    s.expect
        .iter()
        .filter_map(|(variant, _)| {
            let cells: Vec<&Cell> = run.cells.iter().filter(|c| c.variant == *variant).collect();
            picture(&s.id, variant, &cells)
        })
        .collect()
}
