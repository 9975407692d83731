//! The gate, as racecheck's own: every scenario meets its expectations and matches its report in
//! `reports/` (and its pictures, `reports/svg/`), and every race with a world space is proven over its small worlds
//! (`reports/prove/`), its smallest failing worlds committed under `scenarios/fuzz/` (which
//! `run` and this gate then run forever). To accept a deliberate change, run
//! `INSTA_UPDATE=always cargo test` and review the diff of `reports/` and `scenarios/fuzz/`.

use std::path::Path;
use std::process::Command;

use scenarios::run::{self, Plan, Runner};
use scenarios::{report, scenario};

const HERE: &str = env!("CARGO_MANIFEST_DIR");

fn runner() -> Runner {
    Runner { program: env!("CARGO_BIN_EXE_my-bot").into(), jobs: 2 }
}

#[test]
fn every_scenario_meets_its_expectations_and_matches_its_report() {
    let update = std::env::var_os("INSTA_UPDATE").is_some_and(|v| v == "always");
    let registry = my_bot::registry();
    let dir = Path::new(HERE).join("scenarios");
    let all: Vec<scenario::Scenario> = scenario::all_files(&dir)
        .expect("the scenario folder")
        .iter()
        .map(|f| scenario::load(f, |id| registry.find(id)).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let plans: Vec<Plan<'_>> = all.iter().map(Plan::whole).collect();
    for r in run::run(&runner(), &plans, |_, _| {}) {
        let text = report::render(&r, &registry);
        insta::with_settings!({
            snapshot_path => "../reports",
            prepend_module_to_snapshot => false,
            description => format!("my-bot run {}", r.scenario.id),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(r.scenario.id.clone(), text);
        });
        assert!(r.ok(), "verdicts differ from the scenario's expectations:\n{text}");
        for (file, svg) in report::pictures(&r) {
            let path = Path::new(HERE).join("reports").join(file);
            if update {
                std::fs::create_dir_all(path.parent().expect("reports/svg")).expect("reports/svg");
                std::fs::write(&path, &svg).expect("write a picture");
            }
            let kept = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(kept == svg, "{} is missing or stale; INSTA_UPDATE=always cargo test", path.display());
        }
    }
}

#[test]
fn every_race_is_proven_over_its_small_worlds() {
    let update = std::env::var_os("INSTA_UPDATE").is_some_and(|v| v == "always");
    let registry = my_bot::registry();
    for race in registry.races().filter(|r| registry.space(r.id()).is_some()) {
        // A copy of the scenario files (they say which variants must hold): the proof writes its
        // failing worlds there, and they must be the committed ones.
        let copy = std::env::temp_dir().join(format!("my-bot-prove-{}-{}", race.id(), std::process::id()));
        let _ = std::fs::remove_dir_all(&copy);
        std::fs::create_dir_all(&copy).expect("a temp dir");
        for file in scenario::files(&Path::new(HERE).join("scenarios")).expect("the scenario folder") {
            std::fs::copy(&file, copy.join(file.file_name().expect("a file name"))).expect("copy a scenario");
        }
        let o = Command::new(env!("CARGO_BIN_EXE_my-bot"))
            .args(["--scenarios", &copy.display().to_string(), "prove", race.id(), "--jobs", "2"])
            .output()
            .expect("my-bot runs");
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert_eq!(o.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&o.stderr));
        insta::with_settings!({
            snapshot_path => "../reports/prove",
            prepend_module_to_snapshot => false,
            description => format!("my-bot prove {}", race.id()),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(race.id(), text);
        });
        for written in std::fs::read_dir(copy.join("fuzz")).into_iter().flatten().filter_map(Result::ok) {
            let made = std::fs::read_to_string(written.path()).expect("a world file");
            let committed = Path::new(HERE).join("scenarios/fuzz").join(written.file_name());
            if update {
                std::fs::create_dir_all(committed.parent().expect("the fuzz folder")).expect("the fuzz folder");
                std::fs::write(&committed, &made).expect("commit the world file");
            }
            let kept = std::fs::read_to_string(&committed).unwrap_or_default();
            assert_eq!(kept, made, "{} is missing or stale; INSTA_UPDATE=always cargo test", committed.display());
        }
        std::fs::remove_dir_all(&copy).expect("remove the temp dir");
    }
}
