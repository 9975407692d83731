//! Machine-readable results for CI dashboards: JSON (its schema is `schema/report.schema.json`)
//! and JUnit XML (one test case per scenario × variant × scheduler).
//!
//! Both are as deterministic as the text reports: no timings, no paths.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::expect::Expected;
use crate::run::{Cell, ScenarioRun};

fn trace_json(trace: &harness::Trace) -> Value {
    let steps: Vec<Value> = trace
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut step = json!({ "step": i + 1, "actor": e.actor, "text": e.text });
            let kind = match &e.kind {
                harness::trace::EventKind::Step => json!("step"),
                harness::trace::EventKind::Call { service } => {
                    step["service"] = json!(service);
                    json!("call")
                }
                harness::trace::EventKind::Preempted { next } => {
                    step["next"] = json!(next);
                    json!("preempted")
                }
                harness::trace::EventKind::Violation => json!("violation"),
            };
            step["kind"] = kind;
            step
        })
        .collect();
    Value::Array(steps)
}

fn cell_json(c: &Cell) -> Value {
    let o = &c.outcome;
    let mut cell = json!({
        "scheduler": c.exploration.strategy.name(),
        "strategy": o.ran.as_ref().map_or(&c.exploration.strategy, |r| &r.strategy).to_string(),
        "budget": o.ran.as_ref().map_or(c.exploration.budget, |r| r.budget),
        "verdict": o.verdict.name(),
        "executions": o.executions,
        "coverage": o.coverage.name(),
        "first_failure": o.first_failure,
        "failures": o.failures,
        "reached_window": o.reached_window,
        "handle": o.handle.as_ref().map(ToString::to_string),
        "preemptions": o.preemptions,
    });
    if o.verdict.is_failure() {
        cell["details"] = json!(o.verdict.to_string());
    }
    if let Some(e) = c.expect {
        cell["expected"] = json!(e.name());
        cell["concluded"] = json!(c.concluded().name());
    }
    if let Some(m) = &o.minimal {
        cell["minimal"] = json!({
            "handle": m.handle.to_string(),
            "preemptions": m.preemptions,
            "details": m.verdict.to_string(),
            "trace": trace_json(&m.trace),
        });
    }
    if let Some(t) = &o.trace {
        cell["trace"] = trace_json(t);
    }
    cell
}

/// The runs as one JSON document.
pub fn json(runs: &[ScenarioRun<'_>]) -> String {
    let scenarios: Vec<Value> = runs
        .iter()
        .map(|r| {
            let variants: Vec<Value> = r
                .expectations()
                .into_iter()
                .map(|(variant, expected, actual)| {
                    let cells: Vec<Value> = r.cells.iter().filter(|c| c.variant == variant).map(cell_json).collect();
                    json!({ "variant": variant, "expected": expected.name(), "verdict": actual.name(), "ok": expected == actual, "explorations": cells })
                })
                .collect();
            json!({
                "id": r.scenario.id,
                "race": r.scenario.race.id(),
                "title": r.scenario.race.title(),
                "source": r.scenario.race.source(),
                "ok": r.ok(),
                "variants": variants,
            })
        })
        .collect();
    let doc = json!({ "version": 1, "ok": runs.iter().all(ScenarioRun::ok), "scenarios": scenarios });
    let mut text = serde_json::to_string_pretty(&doc).expect("a report always serializes");
    text.push('\n');
    text
}

/// `text` escaped for XML, control characters but newline and tab left out.
pub(crate) fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

/// Why a cell contradicts an expectation, if it does: its own (a pinned scheduler), or its
/// variant's. A cell contradicts its variant's expectation when it found another failure than the
/// one expected, or when the variant missed its expectation and this cell is on the wrong side:
/// it found a failure where none was expected, or found none where one was.
fn failure(c: &Cell, expected: Expected, variant_ok: bool) -> Option<String> {
    if !c.counts() {
        return None;
    }
    if let Some(own) = c.expect.filter(|e| *e != c.concluded()) {
        return Some(format!("this scheduler was expected to conclude `{own}`; it concluded `{}`", c.concluded()));
    }
    let found = c.outcome.verdict.is_failure();
    if found && expected.is_failure() && c.concluded() != expected {
        return Some(format!("expected `{expected}`, found `{}`", c.outcome.verdict));
    }
    if !variant_ok && (expected.is_failure() != found) {
        return Some(format!("the variant was expected `{expected}`; this scheduler concluded `{}`", c.concluded()));
    }
    None
}

/// The runs as JUnit XML: a suite per scenario, a case per variant × scheduler. A case fails
/// when it contradicts its variant's expected verdict; a failing case carries the trace.
pub fn junit(runs: &[ScenarioRun<'_>]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: usize = runs.iter().map(|r| r.cells.len()).sum();
    let mut failed_total = 0;
    let mut suites = String::new();
    for r in runs {
        let mut cases = String::new();
        let mut failed = 0;
        for (variant, expected, actual) in r.expectations() {
            for c in r.cells.iter().filter(|c| c.variant == variant) {
                let o = &c.outcome;
                let _ = write!(
                    cases,
                    "    <testcase classname=\"{}.{}\" name=\"{}\">",
                    xml(&r.scenario.id),
                    xml(variant),
                    xml(&c.exploration.strategy.to_string())
                );
                let view = o.shown(false);
                let trace = view.map(|v| v.trace.render()).unwrap_or_default();
                let replay =
                    view.map(|v| format!("racecheck replay {}\n{}\n", v.handle, v.verdict)).unwrap_or_default();
                if let Some(why) = failure(c, expected, expected == actual) {
                    failed += 1;
                    let _ = write!(
                        cases,
                        "\n      <failure message=\"{}\">{}{}</failure>\n    ",
                        xml(&why),
                        xml(&replay),
                        xml(&trace)
                    );
                } else if o.verdict.is_failure() {
                    let _ = write!(
                        cases,
                        "\n      <system-out>{}: {}\n{}{}</system-out>\n    ",
                        o.verdict.name(),
                        xml(&o.verdict.to_string()),
                        xml(&replay),
                        xml(&trace)
                    );
                }
                cases.push_str("</testcase>\n");
            }
        }
        failed_total += failed;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">",
            xml(&r.scenario.id),
            r.cells.len()
        );
        suites.push_str(&cases);
        suites.push_str("  </testsuite>\n");
    }
    let _ = writeln!(out, "<testsuites name=\"racecheck\" tests=\"{total}\" failures=\"{failed_total}\" errors=\"0\">");
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}
