//! `racecheck new` and the guide, end to end: a race added by following only `models/GUIDE.md`
//! compiles, stops first at the verdicts to decide, then runs and gets its report.
//!
//! It works on a copy of the workspace under `target/scaffold-test/` (a fixed place, so the copy's
//! build is incremental from one run to the next) and builds the copy's own `racecheck`, renamed,
//! into the workspace's target directory, sharing its dependencies.

use std::path::{Path, PathBuf};
use std::process::Command;

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("create a folder of the copy");
        let mut names = Vec::new();
        for entry in std::fs::read_dir(from).expect("read a folder") {
            let entry = entry.expect("a folder entry");
            copy(&entry.path(), &to.join(entry.file_name()));
            names.push(entry.file_name());
        }
        // A file removed or renamed in the workspace must not linger in the copy.
        for entry in std::fs::read_dir(to).expect("read a folder of the copy") {
            let entry = entry.expect("a folder entry");
            if !names.contains(&entry.file_name()) {
                let path = entry.path();
                let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            }
        }
    } else {
        // Unchanged files keep their timestamps, so the copy's build stays incremental.
        let same = std::fs::read(to).ok() == std::fs::read(from).ok();
        if !same {
            std::fs::copy(from, to).expect("copy a file");
        }
    }
}

/// A copy of the workspace's sources (not its `target/` or `reports/`), fresh but for timestamps.
fn workspace_copy(root: &Path, ws: &Path) {
    std::fs::create_dir_all(ws).expect("create the copy");
    for dir in ["harness", "models", "scenarios"] {
        let _ = std::fs::remove_dir_all(ws.join(dir).join("src/races"));
        let _ = std::fs::remove_file(ws.join("scenarios/demo-race.toml"));
    }
    for item in ["Cargo.toml", "Cargo.lock", "rustfmt.toml", "harness", "models", "scenarios"] {
        copy(&root.join(item), &ws.join(item));
    }
}

fn guide_verdicts(guide: &str) -> Vec<(String, String)> {
    let section = guide.split("## 6.").nth(1).expect("the guide has a section 6");
    let block = section.split("```toml").nth(1).and_then(|b| b.split("```").next()).expect("a toml block in section 6");
    block
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

/// The version the copy's own crates carry: cargo names a path crate's artifacts by its
/// workspace-relative path and its version, so with the same version the copy's `models` and
/// `scenarios` — built into the same target directory — would replace the workspace's own, and
/// the next `cargo build` there would find them fresh: the workspace's `racecheck` would be the
/// copy's, scaffolded race and all.
const COPY_VERSION: &str = "0.1.0-scaffold-copy";

/// Makes the copy build only what a new race changes: its `models` and `scenarios` get
/// [`COPY_VERSION`], and it depends on the workspace's own `harness` (which `racecheck new` never
/// touches) and its patched `generator`, so what the tests were built with is reused, not
/// compiled again.
fn build_only_what_the_race_changes(root: &Path, ws: &Path) {
    let manifest = ws.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("the copy's workspace manifest");
    // `name = { path = "<path>" }` in the workspace manifest, and the same with the workspace's own copy.
    let own = |name: &str, path: &str| {
        let relative = format!("{name} = {{ path = {path:?} }}");
        (relative, format!("{name} = {{ path = {:?} }}", root.join(path).display().to_string()))
    };
    let (harness_here, harness) = own("harness", "harness");
    let (generator_here, generator) = own("generator", "harness/vendor/generator");
    let edited = text
        .replacen("\nversion = \"0.1.0\"\n", &format!("\nversion = \"{COPY_VERSION}\"\n"), 1)
        .replacen("members = [\"harness\", \"models\", \"scenarios\"]", "members = [\"models\", \"scenarios\"]", 1)
        .replacen(&harness_here, &harness, 1)
        .replacen(&generator_here, &generator, 1);
    let version = format!("version = \"{COPY_VERSION}\"");
    for expected in [version.as_str(), "members = [\"models\", \"scenarios\"]", harness.as_str(), generator.as_str()] {
        assert!(edited.contains(expected), "the workspace manifest no longer reads as this test expects: {expected}");
    }
    std::fs::write(&manifest, edited).expect("edit the copy's manifest");
    let lock = ws.join("Cargo.lock");
    let mut text = std::fs::read_to_string(&lock).expect("the copy's lock file");
    for name in ["models", "scenarios"] {
        let entry = format!("name = \"{name}\"\nversion = \"0.1.0\"\n");
        assert!(text.contains(&entry), "the lock file has {name} 0.1.0");
        text = text.replace(&entry, &format!("name = \"{name}\"\nversion = \"{COPY_VERSION}\"\n"));
    }
    std::fs::write(&lock, text).expect("version the copy's lock file");
}

#[test]
fn a_race_added_with_racecheck_new_and_the_guide_runs_and_gets_its_report() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("the workspace");
    let base = root.join("target/scaffold-test");
    let ws = base.join("ws");
    workspace_copy(&root, &ws);
    let harness_before: Vec<u8> = std::fs::read(ws.join("harness/src/lib.rs")).expect("the harness");
    let registry_before = std::fs::read_to_string(ws.join("models/src/races/mod.rs")).expect("the registry");

    // 1. Scaffold it.
    let made = Command::new(env!("CARGO_BIN_EXE_racecheck"))
        .args(["--scenarios", &ws.join("scenarios").display().to_string(), "new", "demo-race"])
        .output()
        .expect("racecheck new runs");
    assert_eq!(made.status.code(), Some(0), "{}", String::from_utf8_lossy(&made.stderr));
    assert!(ws.join("models/src/races/demo_race.rs").is_file());
    let scenario_path = ws.join("scenarios/demo-race.toml");
    assert!(scenario_path.is_file());
    let registry = std::fs::read_to_string(ws.join("models/src/races/mod.rs")).expect("the registry");
    let added: Vec<&str> = registry.lines().filter(|l| !registry_before.lines().any(|b| b == *l)).collect();
    assert_eq!(added, ["pub mod demo_race;", "        demo_race::RACE,"], "one mod line and one registry line");
    assert_eq!(std::fs::read(ws.join("harness/src/lib.rs")).expect("the harness"), harness_before);

    // It compiles as it is, and the first run stops at the verdicts to decide.
    // The copy builds into the workspace's own target directory, so the dependencies built for
    // the tests are reused (a fresh clone builds them once, not twice); its binary is renamed,
    // so the workspace's own `racecheck`, which the other tests run, is never replaced, and its
    // crates get a version of their own, so their artifacts never replace the workspace's; it
    // uses the workspace's own harness, already built.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = Path::new(env!("CARGO_BIN_EXE_racecheck")).parent().and_then(Path::parent).expect("the target dir");
    let manifest = ws.join("scenarios/Cargo.toml");
    let renamed = std::fs::read_to_string(&manifest)
        .expect("the copy's manifest")
        .replace("name = \"racecheck\"", "name = \"racecheck-scaffold-test\"");
    std::fs::write(&manifest, renamed).expect("rename the copy's binary");
    build_only_what_the_race_changes(&root, &ws);
    // `--offline`, not `--locked`: the lock file sheds the harness's dev-dependencies (the harness
    // is no longer a member), and every crate is already in the local cache.
    let build = Command::new(&cargo)
        .args(["build", "-q", "--offline", "-p", "scenarios", "--bin", "racecheck-scaffold-test"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(&ws)
        .output()
        .expect("cargo builds the copy");
    assert!(build.status.success(), "the scaffold does not compile:\n{}", String::from_utf8_lossy(&build.stderr));
    let racecheck: PathBuf = target.join("debug/racecheck-scaffold-test");
    let run = |args: &[&str]| Command::new(&racecheck).args(args).current_dir(&ws).output().expect("racecheck runs");
    let first = run(&["run", "demo-race"]);
    let err = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(2), "{err}");
    assert!(err.contains("demo-race.toml:") && err.contains("unknown verdict `TODO`"), "{err}");

    // 6. Decide the expected verdicts, as the guide says for the skeleton, and run.
    let guide = std::fs::read_to_string(root.join("models/GUIDE.md")).expect("the guide");
    let mut scenario = std::fs::read_to_string(&scenario_path).expect("the scenario");
    for (variant, verdict) in guide_verdicts(&guide) {
        scenario = scenario.replace(&format!("{variant} = \"TODO\""), &format!("{variant} = \"{verdict}\""));
    }
    std::fs::write(&scenario_path, scenario).expect("write the scenario");
    let second = run(&["run", "demo-race"]);
    let report = String::from_utf8_lossy(&second.stdout);
    assert_eq!(second.status.code(), Some(0), "{report}{}", String::from_utf8_lossy(&second.stderr));
    assert!(report.contains("scenario demo-race: race `demo-race`"), "{report}");
    let row = |variant: &str| {
        report.lines().find(|l| l.starts_with(&format!("{variant} "))).map(|l| l.split_whitespace().collect::<Vec<_>>())
    };
    assert_eq!(row("before"), Some(vec!["before", "violated", "violated", "ok"]), "{report}");
    assert_eq!(row("correct-fix"), Some(vec!["correct-fix", "holds", "holds", "ok"]), "{report}");
    assert!(report.contains("trace (fewest preemptions):"), "{report}");
    assert!(report.contains("every one met"), "{report}");
}
