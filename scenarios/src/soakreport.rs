//! The report of a merged soak (see [`crate::merge`]): text, JSON or JUnit XML.
//!
//! Per scenario and per race's generated worlds, each variant's verdicts over the seeds, then
//! every contradiction with its handle and trace. Only what the items hold goes in: no timings,
//! no paths, no map order — the same soak gives the same bytes, however it was sharded.

use crate::export::xml;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::merge::{shown, Judged, Merged};

/// A variant's row: its expectation, how many seeds (or worlds × seeds) it was judged at, how
/// many times each verdict came, and how many contradicted.
struct Row<'a> {
    variant: &'a str,
    expected: &'static str,
    judged: usize,
    verdicts: BTreeMap<&'static str, usize>,
    contradictions: usize,
}

/// The sections of the report: each scenario, then each race's worlds, rows in item order.
fn sections<'a>(judged: &'a [Judged<'a>]) -> Vec<(String, Vec<Row<'a>>)> {
    let mut out: Vec<(String, Vec<Row<'a>>)> = Vec::new();
    for j in judged {
        let title = match j.world {
            None => format!("scenario {}", j.scenario),
            Some(_) => format!("generated worlds under the randomized portfolio of scenario {}", j.scenario),
        };
        if out.last().is_none_or(|(t, _)| *t != title) {
            out.push((title, Vec::new()));
        }
        let rows = &mut out.last_mut().expect("just pushed").1;
        if !rows.iter().any(|r| r.variant == j.variant) {
            rows.push(Row {
                variant: j.variant,
                expected: j.expected.name(),
                judged: 0,
                verdicts: BTreeMap::new(),
                contradictions: 0,
            });
        }
        let row = rows.iter_mut().find(|r| r.variant == j.variant).expect("just pushed");
        row.judged += 1;
        *row.verdicts.entry(j.verdict.name()).or_default() += 1;
        row.contradictions += usize::from(j.contradicts());
    }
    out
}

fn verdicts(row: &Row<'_>) -> String {
    row.verdicts.iter().map(|(v, n)| format!("{v} x{n}")).collect::<Vec<_>>().join(", ")
}

/// Where `j` is: `reentry/before, seed 3` or `reentry/world-0 (reentry-1a2b3c4d)/before, seed 3`.
fn place(j: &Judged<'_>) -> String {
    match j.world {
        None => format!("{}/{}, seed {}", j.scenario, j.variant, j.seed),
        Some(w) => format!("{}/world-{} ({})/{}, seed {}", j.scenario, w.index, w.id, j.variant, j.seed),
    }
}

/// Why `j` contradicts, in one line.
fn why(j: &Judged<'_>) -> String {
    match j.failing() {
        Some(d) => format!("expected `{}`, {} found {}", j.expected, d.exploration.strategy, d.outcome.verdict),
        None => {
            let ran: Vec<String> = j
                .items
                .iter()
                .map(|d| format!("{} ({} executions)", d.exploration.strategy, d.outcome.executions))
                .collect();
            format!("expected `{}`, found `{}`: {}", j.expected, j.verdict, ran.join(", "))
        }
    }
}

/// The report as text.
pub fn text(m: &Merged) -> String {
    let judged = m.judged();
    let s = &m.soak;
    let mut out = format!(
        "racecheck soak: seeds {}..{}, {} generated world(s) per race and seed, {} scenario(s), {} exploration(s), {} executions\n",
        s.seed_from,
        s.seed_to,
        s.worlds,
        s.scenarios.len(),
        s.items,
        m.executions()
    );
    for (title, rows) in sections(&judged) {
        let _ =
            write!(out, "\n{title}\n{:<20} {:<14} {:>6}  {:<40} result\n", "variant", "expected", "judged", "verdicts");
        for r in rows {
            let result =
                if r.contradictions == 0 { "ok".to_owned() } else { format!("CONTRADICTED x{}", r.contradictions) };
            let _ =
                writeln!(out, "{:<20} {:<14} {:>6}  {:<40} {result}", r.variant, r.expected, r.judged, verdicts(&r));
        }
    }
    let bad: Vec<&Judged<'_>> = judged.iter().filter(|j| j.contradicts()).collect();
    if !bad.is_empty() {
        let _ = writeln!(out, "\ncontradictions ({}):", bad.len());
    }
    for j in &bad {
        let _ = writeln!(out, "\n- {}: {}", place(j), why(j));
        if let Some(w) = j.world {
            let _ = writeln!(out, "  regression scenario: fuzz/{}.toml", w.id);
        }
        if let Some(d) = j.failing() {
            let (handle, trace, label) = shown(&d.outcome);
            if let Some(h) = handle {
                let _ = writeln!(out, "  {label}: racecheck replay {h}");
            }
            if let Some(t) = trace {
                let _ = writeln!(out, "  trace ({label}):");
                for line in t.render().lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "\nracecheck merge: {} variant x seed judgement(s), {} contradiction(s)",
        judged.len(),
        bad.len()
    );
    out
}

/// The report as JSON.
pub fn json(m: &Merged) -> String {
    let judged = m.judged();
    let sections: Vec<Value> = sections(&judged)
        .into_iter()
        .map(|(title, rows)| {
            let rows: Vec<Value> = rows
                .iter()
                .map(|r| json!({ "variant": r.variant, "expected": r.expected, "judged": r.judged, "verdicts": r.verdicts, "contradictions": r.contradictions }))
                .collect();
            json!({ "title": title, "variants": rows })
        })
        .collect();
    let bad: Vec<Value> = judged
        .iter()
        .filter(|j| j.contradicts())
        .map(|j| {
            let mut v = json!({
                "scenario": j.scenario,
                "world": j.world,
                "variant": j.variant,
                "seed": j.seed,
                "expected": j.expected.name(),
                "verdict": j.verdict.name(),
                "why": why(j),
            });
            if let Some(d) = j.failing() {
                let (handle, trace, _) = shown(&d.outcome);
                v["scheduler"] = json!(d.exploration.strategy.to_string());
                v["handle"] = json!(handle);
                v["trace"] = serde_json::to_value(trace).unwrap_or(Value::Null);
            }
            v
        })
        .collect();
    let doc = json!({
        "version": 1,
        "ok": bad.is_empty(),
        "soak": m.soak,
        "executions": m.executions(),
        "sections": sections,
        "contradictions": bad,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("a report always serializes");
    text.push('\n');
    text
}

/// The report as JUnit XML: a suite per section, a case per variant × seed (× world), failing
/// when it contradicts, with the handle and the trace.
pub fn junit(m: &Merged) -> String {
    let judged = m.judged();
    let mut suites: Vec<(String, Vec<String>, usize)> = Vec::new();
    for j in &judged {
        let suite = match j.world {
            None => j.scenario.to_owned(),
            Some(_) => format!("{}.worlds", j.scenario),
        };
        if suites.last().is_none_or(|(s, _, _)| *s != suite) {
            suites.push((suite.clone(), Vec::new(), 0));
        }
        let (_, cases, failed) = suites.last_mut().expect("just pushed");
        let name = match j.world {
            None => format!("seed={}", j.seed),
            Some(w) => format!("world-{} ({}) seed={}", w.index, w.id, j.seed),
        };
        let mut case =
            format!("    <testcase classname=\"{}.{}\" name=\"{}\">", xml(&suite), xml(j.variant), xml(&name));
        if j.contradicts() {
            *failed += 1;
            let mut body = String::new();
            if let Some(d) = j.failing() {
                let (handle, trace, _) = shown(&d.outcome);
                if let Some(h) = handle {
                    let _ = writeln!(body, "racecheck replay {h}");
                }
                body.push_str(&trace.map(harness::Trace::render).unwrap_or_default());
            }
            let _ = write!(case, "\n      <failure message=\"{}\">{}</failure>\n    ", xml(&why(j)), xml(&body));
        }
        case.push_str("</testcase>\n");
        cases.push(case);
    }
    let total: usize = suites.iter().map(|(_, c, _)| c.len()).sum();
    let failed_total: usize = suites.iter().map(|(_, _, f)| f).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"racecheck-soak\" tests=\"{total}\" failures=\"{failed_total}\" errors=\"0\">"
    );
    for (suite, cases, failed) in &suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">",
            xml(suite),
            cases.len()
        );
        out.push_str(&cases.concat());
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
