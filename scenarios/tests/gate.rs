//! The regression gate: every scenario runs, every variant gets its expected verdict, and every
//! report matches its snapshot in `reports/`.
//!
//! A verdict that changes fails the gate twice over: the expectation, and the snapshot. To accept
//! a deliberate change of report, run `INSTA_UPDATE=always cargo test -p scenarios gate` and
//! review the diff of `reports/` before committing it.

use std::path::Path;

use scenarios::report;
use scenarios::run::{self, Plan, Runner};
use scenarios::scenario;

fn runner() -> Runner {
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    Runner { program: env!("CARGO_BIN_EXE_racecheck").into(), jobs }
}

#[test]
fn every_scenario_meets_its_expectations_and_matches_its_report() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let registry = scenarios::registry();
    let all: Vec<scenario::Scenario> = scenario::all_files(dir)
        .expect("the scenario folder")
        .iter()
        .map(|f| scenario::load(f, |id| registry.find(id)).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert!(all.len() >= 2, "the scenario folder holds the scenarios");
    assert!(all.iter().any(|s| s.path.starts_with(dir.join("fuzz"))), "the gate runs the committed generated worlds");
    let plans: Vec<Plan<'_>> = all.iter().map(Plan::whole).collect();
    let runs = run::run(&runner(), &plans, |_, _| {});
    let mut unexpected = Vec::new();
    for r in &runs {
        let text = report::render(r, &registry);
        let config: Vec<String> = r
            .scenario
            .schedulers
            .iter()
            .map(|s| format!("{} budget {}", s.exploration.strategy, s.exploration.budget))
            .collect();
        insta::with_settings!({
            snapshot_path => "../../reports",
            prepend_module_to_snapshot => false,
            description => format!("racecheck run {}", r.scenario.id),
            info => &config,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(r.scenario.id.clone(), text);
        });
        if !r.ok() {
            unexpected.push(text.clone());
        }
        assert_minimal_is_no_longer_than_found(&text);
    }
    assert!(unexpected.is_empty(), "verdicts differ from the scenarios' expectations:\n{}", unexpected.join("\n"));
    let pictures: Vec<(String, String)> = runs.iter().flat_map(report::pictures).collect();
    check_pictures(&dir.join("../reports"), &pictures);
    let summary = scenarios::summary::render(&runs);
    let path = dir.join("../reports/README.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != summary {
        if std::env::var_os("INSTA_UPDATE").is_some_and(|v| v == "always") {
            std::fs::write(&path, &summary).expect("write reports/README.md");
        } else {
            panic!("reports/README.md is stale; regenerate it with `racecheck summary > reports/README.md`");
        }
    }
}

/// For every violation, the counterexample shown has no more preemptions than the one found.
fn assert_minimal_is_no_longer_than_found(report: &str) {
    let lines: Vec<&str> = report.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix("as found (") else { continue };
        let found: Option<u64> = match rest.split_once(" preemptions)") {
            Some((n, _)) => n.strip_prefix("at most ").unwrap_or(n).parse().ok(),
            None => None,
        };
        let minimal =
            lines.get(i + 1).and_then(|l| l.strip_prefix("fewest preemptions (")).and_then(|r| r.split_once(')'));
        if let (Some(found), Some((m, _))) = (found, minimal) {
            let m: u64 = m.parse().expect("a count");
            assert!(m <= found, "a counterexample with {m} preemptions shown for one found with {found}:\n{report}");
        }
    }
}

/// The committed pictures under `reports/svg/` are exactly the ones the reports link to.
fn check_pictures(reports: &Path, pictures: &[(String, String)]) {
    let update = std::env::var_os("INSTA_UPDATE").is_some_and(|v| v == "always");
    let svg = reports.join("svg");
    if update {
        let _ = std::fs::remove_dir_all(&svg);
        std::fs::create_dir_all(&svg).expect("create reports/svg");
    }
    for (file, content) in pictures {
        let path = reports.join(file);
        if update {
            std::fs::write(&path, content).expect("write a picture");
        } else {
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(committed == *content, "reports/{file} is stale or missing; regenerate the reports with `INSTA_UPDATE=always cargo test -p scenarios gate`");
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&svg)
        .map(|d| d.filter_map(Result::ok).map(|e| format!("svg/{}", e.file_name().to_string_lossy())).collect())
        .unwrap_or_default();
    on_disk.sort();
    let mut linked: Vec<String> = pictures.iter().map(|(f, _)| f.clone()).collect();
    linked.sort();
    assert_eq!(on_disk, linked, "reports/svg holds pictures no report links to, or misses some");
}
