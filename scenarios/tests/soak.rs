//! `racecheck soak` and `racecheck merge`: shards merged in any order are the unsharded soak, byte
//! for byte; missing, duplicated and foreign shards are errors that name them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn racecheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_racecheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("racecheck runs")
}

/// A fresh folder for this test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("soak-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Runs `racecheck soak reentry --seeds 1..6` (shard `shard`), into `dir/<file>`.
fn soak(dir: &Path, shard: &str, file: &str) -> String {
    let path = dir.join(file).display().to_string();
    let o = racecheck(&["soak", "reentry", "--seeds", "1..6", "--jobs", "2", "--shard", shard, "--out", &path]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("racecheck soak: shard {shard}: ")));
    path
}

fn merge(files: &[&str], format: &str) -> Output {
    let mut args = vec!["merge", "--format", format];
    args.extend_from_slice(files);
    racecheck(&args)
}

#[test]
fn three_shards_merged_in_any_order_are_the_unsharded_soak_byte_for_byte() {
    let dir = scratch("identity");
    let whole = soak(&dir, "1/1", "whole.json");
    let shards = [soak(&dir, "1/3", "a.json"), soak(&dir, "2/3", "b.json"), soak(&dir, "3/3", "c.json")];
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for format in ["text", "json", "junit"] {
        let expected = merge(&[&whole], format);
        assert_eq!(expected.status.code(), Some(0), "{}", String::from_utf8_lossy(&expected.stderr));
        assert!(!expected.stdout.is_empty());
        for order in orders {
            let files: Vec<&str> = order.iter().map(|&i| shards[i].as_str()).collect();
            let merged = merge(&files, format);
            assert_eq!(merged.status.code(), Some(0), "{format} {order:?}");
            assert!(merged.stdout == expected.stdout, "{format}, shards in order {order:?}: not the unsharded report");
        }
    }
    let text = String::from_utf8_lossy(&merge(&[&whole], "text").stdout).into_owned();
    assert!(text.contains("correct-fix          holds               5  holds-sampled x5"), "{text}");
    assert!(text.contains("0 contradiction(s)"), "{text}");
    // The same soak twice: the same bytes.
    let again = soak(&dir, "1/1", "again.json");
    assert_eq!(std::fs::read(&whole).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn missing_duplicated_and_foreign_shards_are_errors_naming_them() {
    let dir = scratch("errors");
    let a = soak(&dir, "1/2", "a.json");
    let err = |o: Output| {
        assert_eq!(o.status.code(), Some(2));
        let e = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(e.lines().count(), 1, "{e}");
        e
    };
    assert!(err(merge(&[&a], "text")).contains("missing shard(s) 2/2"));
    assert!(err(merge(&[&a, &a], "text")).contains("shard 1/2 given more than once"));
    let other = dir.join("other.json").display().to_string();
    let o = racecheck(&["soak", "reentry", "--seeds", "1..2", "--shard", "2/2", "--out", &other]);
    assert_eq!(o.status.code(), Some(0));
    let e = err(merge(&[&a, &other], "text"));
    assert!(e.contains("shards of different soaks") && e.contains("a.json") && e.contains("other.json"), "{e}");
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{}").unwrap();
    assert!(err(merge(&[junk.to_str().unwrap()], "text")).contains("not a racecheck soak shard file"));
    for bad in [["--seeds", "5..2"], ["--seeds", "x"]] {
        err(racecheck(&["soak", "reentry", bad[0], bad[1]]));
    }
    err(racecheck(&["soak", "reentry", "--seeds", "1..2", "--shard", "3/2"]));
}

#[test]
fn a_generated_world_that_contradicts_becomes_a_regression_scenario_the_gate_runs() {
    let dir = scratch("regress");
    // Claim the mutant holds: the soak's generated worlds have to prove that wrong.
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("reentry.toml")).expect("the scenario");
    let claimed = text.replace("correct-fix-mutant = \"violated\"", "correct-fix-mutant = \"holds\"");
    assert_ne!(claimed, text, "reentry.toml expects the mutant to be violated");
    std::fs::write(dir.join("reentry.toml"), claimed).expect("write the scenario");
    let scenarios = dir.display().to_string();
    let out = dir.join("soak.json").display().to_string();
    let soaked =
        racecheck(&["--scenarios", &scenarios, "soak", "reentry", "--seeds", "1..2", "--worlds", "2", "--out", &out]);
    assert_eq!(soaked.status.code(), Some(0), "soak writes outcomes; merge judges them");

    let merged = racecheck(&["merge", "--scenarios", &scenarios, &out]);
    let err = String::from_utf8_lossy(&merged.stderr).into_owned();
    assert_eq!(merged.status.code(), Some(1), "{err}");
    let written: Vec<PathBuf> =
        std::fs::read_dir(dir.join("fuzz")).expect("merge made fuzz/").map(|e| e.expect("an entry").path()).collect();
    assert_eq!(written.len(), 1, "one regression scenario: {written:?}");
    let file = &written[0];
    let id = file.file_stem().and_then(|s| s.to_str()).expect("a file name").to_owned();
    assert!(
        id.starts_with("reentry-") && err.contains(&format!("wrote regression scenario {}", file.display())),
        "{err}"
    );
    let regression = std::fs::read_to_string(file).expect("the regression scenario");
    for line in ["race = \"reentry\"", "correct-fix-mutant = \"violated\"", "[[schedulers]]", "[params]"] {
        assert!(regression.contains(line), "{line} in\n{regression}");
    }
    assert!(regression.contains("correct-fix-mutant expected holds, found violated"), "{regression}");

    // The gate runs it, and it meets its expectations: the finding replays, forever.
    let run = racecheck(&["--scenarios", &scenarios, "run", &id]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stdout));
    // A second merge finds it there and leaves it as it is.
    let again = racecheck(&["merge", "--scenarios", &scenarios, &out]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists: left as it is"));
    assert_eq!(std::fs::read_to_string(file).expect("still there"), regression);
}

#[test]
fn a_world_that_breaks_a_fix_another_scenario_pins_as_failing_is_no_news() {
    // cooldown-bypass's documented fix holds in its own world, and cooldown-bypass-slow-broker pins
    // it violated (its lock expires while the broker call is in flight). Seed 2's generated world
    // has a lock TTL shorter than the broker's latency, and breaks it.
    let soak_and_merge = |name: &str, scenarios: &[&str]| {
        let dir = scratch(name);
        for s in scenarios {
            let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("{s}.toml"));
            std::fs::copy(from, dir.join(format!("{s}.toml"))).expect("copy a scenario");
        }
        let (dir_arg, out) = (dir.display().to_string(), dir.join("soak.json").display().to_string());
        let mut args = vec!["--scenarios", &dir_arg, "soak"];
        args.extend_from_slice(scenarios);
        args.extend_from_slice(&["--seeds", "1..3", "--worlds", "1", "--out", &out]);
        assert_eq!(racecheck(&args).status.code(), Some(0));
        let merged = racecheck(&["merge", "--scenarios", &dir_arg, &out]);
        (dir, merged.status.code(), String::from_utf8_lossy(&merged.stdout).into_owned())
    };
    let world_row = |report: &str| {
        let mut worlds = report.split("generated worlds under the randomized portfolio of scenario cooldown-bypass\n");
        let section = worlds.nth(1).expect("the base scenario's worlds").split("\n\n").next().expect("a section");
        section.lines().find(|l| l.starts_with("documented-fix ")).expect("the documented fix's row").to_owned()
    };

    // Soaked alone, nothing says the fix may fail anywhere: the world contradicts it.
    let (dir, code, report) = soak_and_merge("unpinned", &["cooldown-bypass"]);
    assert_eq!(code, Some(1), "{report}");
    let row = world_row(&report);
    assert!(row.contains(" holds ") && row.contains("violated x1") && row.ends_with("CONTRADICTED x1"), "{row}");
    assert!(dir.join("fuzz").is_dir(), "a regression scenario was written");

    // Beside the scenario that pins the flaw: the same world and failure, expected, no news.
    let (dir, code, report) = soak_and_merge("pinned", &["cooldown-bypass", "cooldown-bypass-slow-broker"]);
    assert_eq!(code, Some(0), "{report}");
    let row = world_row(&report);
    assert!(row.contains(" violated ") && row.contains("violated x1") && row.ends_with(" ok"), "{row}");
    assert!(!dir.join("fuzz").exists(), "no regression scenario");
}
