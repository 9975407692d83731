//! The machine-readable outputs: JSON valid against the schema kept in the repo, JUnit XML that
//! parses, with a failing case carrying its trace.

use std::process::Command;

fn racecheck_in(dir: &str, args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_racecheck"))
        .args(["--scenarios", dir])
        .args(args)
        .output()
        .expect("racecheck runs");
    (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned())
}

const HERE: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn json_output_validates_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{HERE}/schema/report.schema.json")).expect("the schema"),
    )
    .expect("the schema is JSON");
    let validator = crate::schema::Schema::new(&schema).expect("the schema uses the keywords the validator checks");
    let (code, out) = racecheck_in(HERE, &["run", "reentry", "selftest", "--format", "json"]);
    assert_eq!(code, Some(0), "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("the output is JSON");
    let errors = validator.errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["scenarios"].as_array().map(Vec::len), Some(2));
    let before = &doc["scenarios"][0]["variants"][0];
    assert_eq!((before["variant"].as_str(), before["verdict"].as_str()), (Some("before"), Some("violated")));
    let minimal = &before["explorations"][0]["minimal"];
    assert!(minimal["trace"].as_array().is_some_and(|t| t.iter().any(|s| s["kind"] == "violation")), "{minimal}");
    // And a document that breaks the schema is caught: the validator is not vacuous.
    let mut broken = doc.clone();
    broken["scenarios"][0]["variants"][0]["verdict"] = serde_json::json!("fine");
    assert_eq!(validator.errors(&broken).len(), 1, "{:?}", validator.errors(&broken));
}

#[test]
fn junit_output_parses_with_one_case_per_variant_and_scheduler() {
    let (code, out) = racecheck_in(HERE, &["run", "reentry", "--format", "junit"]);
    assert_eq!(code, Some(0), "{out}");
    let doc = roxmltree::Document::parse(&out).expect("JUnit XML parses");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let cases: Vec<_> = root.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 4 * 5, "4 variants x 5 schedulers");
    assert_eq!(root.attribute("failures"), Some("0"));
    let before_pct = cases
        .iter()
        .find(|c| {
            c.attribute("classname") == Some("reentry.before") && c.attribute("name") == Some("pct(depth=3, seed=1)")
        })
        .expect("the case reentry.before / pct");
    let out = before_pct.children().find(|n| n.has_tag_name("system-out")).and_then(|n| n.text()).unwrap_or_default();
    assert!(out.contains("VIOLATION (main): 2 live entry orders for ABC"), "{out}");
}

#[test]
fn a_failing_junit_case_carries_the_trace() {
    let dir = std::env::temp_dir().join(format!("racecheck-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let text = std::fs::read_to_string(format!("{HERE}/reentry.toml")).expect("the scenario");
    std::fs::write(
        dir.join("reentry.toml"),
        text.replace("correct-fix-mutant = \"violated\"", "correct-fix-mutant = \"holds\""),
    )
    .expect("write the scenario");
    let (code, out) = racecheck_in(
        &dir.display().to_string(),
        &["run", "reentry", "--variant", "correct-fix-mutant", "--format", "junit"],
    );
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
    assert_eq!(code, Some(1), "{out}");
    let doc = roxmltree::Document::parse(&out).expect("JUnit XML parses");
    let failures: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("failure")).collect();
    assert_eq!(failures.len(), 5, "every scheduler's case fails: {out}");
    for f in failures {
        assert!(f.attribute("message").is_some_and(|m| m.contains("expected `holds`")), "{out}");
        let body = f.text().unwrap_or_default();
        assert!(
            body.contains("racecheck replay reentry/correct-fix-mutant/") && body.contains("VIOLATION (main)"),
            "{body}"
        );
    }
}
