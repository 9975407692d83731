//! The gate's edges (issue: "a gate that is never green on nothing"): green only when something
//! was checked, no write where the user did not point, closed readers and failed writes, and
//! one-line errors. Each test pins one way the gate used to be green, or noisy, on nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_racecheck");
const HERE: &str = env!("CARGO_MANIFEST_DIR");

fn racecheck_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(dir).output().expect("racecheck runs")
}

fn racecheck(args: &[&str]) -> Output {
    racecheck_in(Path::new(HERE), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("racecheck-edges-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// The error of a bad input: exit 2, one line, no panic.
fn one_line_error(o: &Output) -> String {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stdout: {}\nstderr: {err}", text(&o.stdout));
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn an_empty_scenario_folder_checks_nothing_and_is_not_green() {
    let dir = temp("empty");
    let d = dir.display().to_string();
    for args in [
        &["--scenarios", &d, "run"][..],
        &["--scenarios", &d, "run", "--format", "json"],
        &["--scenarios", &d, "run", "--format", "junit"],
        &["--scenarios", &d, "summary"],
    ] {
        let err = one_line_error(&racecheck(args));
        assert!(err.contains("nothing was checked"), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn the_real_threads_baseline_alone_checks_nothing_and_is_not_green() {
    let o = racecheck(&["run", "selftest", "--scheduler", "threads", "--budget", "5"]);
    let err = one_line_error(&o);
    assert!(err.contains("nothing was checked"), "{err}");
    assert!(!text(&o.stdout).contains("every one met"), "{}", text(&o.stdout));
}

#[test]
fn the_committed_generated_worlds_meet_their_own_expectations() {
    let fuzz = format!("{HERE}/fuzz");
    let o = racecheck(&["--scenarios", &fuzz, "run"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("correct-fix        holds        holds        ok"), "{out}");
    // And the default run includes them: the gate runs every committed world, forever.
    let listed = racecheck(&["run", "reentry-173a97d1", "--variant", "before", "--scheduler", "pct"]);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed.stderr));
}

#[test]
fn junit_does_not_treat_holds_sampled_as_an_expected_failure() {
    let dir = temp("sampled");
    let scenario = "race = \"reentry\"\n\n[[schedulers]]\nscheduler = \"pct\"\ndepth = 3\nseed = 1\nbudget = 50\n\n[expect]\nbefore = \"violated\"\ndocumented-fix = \"violated\"\ncorrect-fix = \"holds-sampled\"\ncorrect-fix-mutant = \"violated\"\n";
    std::fs::write(dir.join("sampled.toml"), scenario).expect("write the scenario");
    let d = dir.display().to_string();
    let o = racecheck(&["--scenarios", &d, "run", "--variant", "correct-fix", "--format", "junit"]);
    let xml = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{xml}");
    assert!(xml.contains("failures=\"0\""), "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn outside_a_checkout_nothing_is_written_and_the_error_says_where_to_point() {
    let dir = temp("elsewhere");
    for args in [&["new", "some-race"][..], &["run"], &["fuzz", "reentry", "--cases", "1"]] {
        let err = one_line_error(&racecheck_in(&dir, args));
        assert!(err.contains("no `scenarios/` folder") && err.contains("--scenarios"), "{args:?}: {err}");
    }
    let left: Vec<_> = std::fs::read_dir(&dir).expect("the temp dir").collect();
    assert!(left.is_empty(), "racecheck wrote into {}: {left:?}", dir.display());
    assert!(!Path::new(HERE).join("some-race.toml").exists(), "racecheck wrote into its own source tree");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn fuzz_never_rewrites_a_committed_world_unless_forced() {
    let dir = temp("fuzz-force");
    let d = dir.display().to_string();
    let args = ["--scenarios", &d, "fuzz", "reentry", "--cases", "8"];
    let first = racecheck(&args);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stdout));
    let world = std::fs::read_dir(dir.join("fuzz"))
        .expect("the fuzz folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "toml"))
        .expect("a world file");
    let edited = std::fs::read_to_string(&world).expect("the world").replace("budget = 200", "budget = 300");
    std::fs::write(&world, &edited).expect("edit the world");
    let again = racecheck(&args);
    assert!(text(&again.stdout).contains("--force rewrites it"), "{}", text(&again.stdout));
    assert_eq!(std::fs::read_to_string(&world).expect("the world"), edited, "the world file was rewritten");
    let forced = racecheck(&["--scenarios", &d, "fuzz", "reentry", "--cases", "8", "--force"]);
    assert!(text(&forced.stdout).contains("rewritten in"), "{}", text(&forced.stdout));
    assert_ne!(std::fs::read_to_string(&world).expect("the world"), edited);
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn absurd_numbers_on_the_command_line_are_refused() {
    for args in [
        &["run", "reentry", "--jobs", "18446744073709551615"][..],
        &["run", "reentry", "--jobs", "0"],
        &["run", "reentry", "--budget", "0"],
        &["run", "reentry", "--budget", "1000000000000"],
        &["fuzz", "reentry", "--depth", "1000000000000"],
        &["fuzz", "reentry", "--budget", "0"],
    ] {
        let err = one_line_error(&racecheck(args));
        assert!(err.contains("invalid value"), "{args:?}: {err}");
    }
}

#[test]
fn a_scheduler_added_on_the_command_line_keeps_the_scenarios_step_limit() {
    let o = racecheck(&["run", "selftest", "--variant", "spin", "--scheduler", "random", "--budget", "3"]);
    let out = text(&o.stdout);
    let ran = out.lines().find_map(|l| l.split_once("stopped after ")).expect(&out).1.to_owned();
    let handle =
        out.lines().find_map(|l| l.split_once("as found (")).and_then(|(_, r)| r.split_once("racecheck replay "));
    let handle = handle.expect(&out).1;
    let replayed = text(&racecheck(&["replay", handle, "--as-found"]).stdout);
    assert!(replayed.contains(&format!("stopped after {ran}")), "run: {ran}\nreplay:\n{replayed}");
}

#[test]
fn a_closed_reader_is_a_quiet_141_everywhere() {
    for args in [&["run", "reentry", "--variant", "before"][..], &["list"], &["fuzz", "reentry", "--cases", "2"]] {
        let dir = temp("pipe");
        let mut full = vec!["--scenarios".to_owned(), format!("{HERE}")];
        if args[0] == "fuzz" {
            full[1] = dir.display().to_string();
        }
        full.extend(args.iter().map(|a| (*a).to_owned()));
        // The reader is gone before racecheck starts: its first write meets a closed pipe,
        // whatever the machine's load (no race with a reader that closes later).
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let o = Command::new(BIN).args(&full).stdout(writer).stderr(Stdio::piped()).output().expect("racecheck");
        assert_eq!(o.status.code(), Some(141), "{args:?}: {}", text(&o.stderr));
        assert_eq!(text(&o.stderr), "", "{args:?}");
        std::fs::remove_dir_all(&dir).expect("remove the temp dir");
    }
}

#[test]
fn a_failed_write_is_an_error_and_a_closed_output_is_refused() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let o = Command::new(BIN).args(["list"]).current_dir(HERE).stdout(full).output().expect("racecheck runs");
    let err = one_line_error(&o);
    assert!(err.contains("cannot write to standard output"), "{err}");
    let closed =
        Command::new("sh").args(["-c", "exec \"$0\" list >&-", BIN]).current_dir(HERE).output().expect("sh runs");
    let err = one_line_error(&closed);
    assert!(err.contains("standard output is closed"), "{err}");
}

#[test]
fn errors_are_one_line_and_never_echo_a_whole_input() {
    for args in [
        &["run", "--scheduler", "fifo"][..],
        &["run", "--budget"],
        &["frobnicate"],
        &["run", "--no-such-flag"],
        &["replay"],
    ] {
        one_line_error(&racecheck(args));
    }
    let long = format!("reentry/before/shuttle:0.{}", "z".repeat(100_000));
    let err = one_line_error(&racecheck(&["replay", &long]));
    assert!(err.len() < 1_000, "{} bytes of error", err.len());
    let dir = temp("toml");
    std::fs::write(dir.join("broken.toml"), "race = \"reentry\"\n[params\n").expect("write");
    let err = one_line_error(&racecheck(&["--scenarios", &dir.display().to_string(), "run"]));
    assert!(err.contains("broken.toml:2"), "{err}");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn racecheck_new_refuses_keywords_and_long_names_and_writes_all_or_nothing() {
    let dir = temp("new");
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("a scenario folder");
    std::fs::create_dir_all(dir.join("models/src/races")).expect("a races folder");
    let registry = "pub mod reentry;\n\npub fn all() {\n    // racecheck new: registry lines go above this one.\n}\n";
    std::fs::write(dir.join("models/src/races/mod.rs"), registry).expect("a registry");
    let d = scenarios.display().to_string();
    let long = format!("a{}", "-b".repeat(125));
    for (name, expected) in [("fn", "Rust keyword"), ("self", "Rust keyword"), (long.as_str(), "at most 64")] {
        let err = one_line_error(&racecheck(&["--scenarios", &d, "new", name]));
        assert!(err.contains(expected), "{name}: {err}");
    }
    // A registry that cannot be written (a folder in its way) leaves nothing behind either.
    std::fs::create_dir_all(scenarios.join("blocked-race.toml")).expect("a folder in the way");
    let err = one_line_error(&racecheck(&["--scenarios", &d, "new", "blocked-race"]));
    assert!(err.contains("already exists"), "{err}");
    std::fs::remove_dir_all(scenarios.join("blocked-race.toml")).expect("clear the way");
    let models = std::fs::read_dir(dir.join("models/src/races")).expect("the races folder").count();
    assert_eq!(models, 1, "only the registry is there");
    assert_eq!(std::fs::read_to_string(dir.join("models/src/races/mod.rs")).expect("the registry"), registry);
    let made = racecheck(&["--scenarios", &d, "new", "fine-race"]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    assert!(dir.join("models/src/races/fine_race.rs").is_file() && scenarios.join("fine-race.toml").is_file());
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn an_exploration_past_its_wall_clock_limit_is_a_timeout_not_a_hang() {
    let dir = temp("timeout");
    let scenario = "race = \"selftest\"\nstep_limit = 10000000\ntimeout_secs = 1\n\n[[schedulers]]\nscheduler = \"random\"\nseed = 1\nbudget = 1000\n\n[expect]\nlost-update = \"violated\"\nlocked-update = \"holds-sampled\"\ndeadlock = \"deadlock\"\nspin = \"timeout\"\nmodel-panic = \"model-panic\"\nservice-only = \"violated\"\ntwo-preemptions = \"violated\"\nretry-update = \"holds-sampled\"\n";
    std::fs::write(dir.join("slow.toml"), scenario).expect("write the scenario");
    let started = std::time::Instant::now();
    let o = racecheck(&["--scenarios", &dir.display().to_string(), "run", "--variant", "spin"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(out.contains("spin             timeout      timeout      ok"), "{out}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "took {:?}", started.elapsed());
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn a_budget_bounds_the_minimiser_and_a_huge_world_is_refused_at_load() {
    // Random finds the two-preemption bug at its 11th execution; `--budget 11` leaves the
    // minimiser 11 executions, too few for bounds 0 to 2, and the report says so.
    let args = ["run", "selftest", "--variant", "two-preemptions", "--scheduler", "random", "--budget", "11"];
    let out = text(&racecheck(&args).stdout);
    assert!(out.contains("random(seed=1) found: violated"), "{out}");
    assert!(out.contains("fewest preemptions: not found within the minimiser's budget of 11 executions"), "{out}");
    assert!(out.contains("trace (as found):"), "{out}");
    let dir = temp("huge");
    let ticks = vec!["\"99.50\""; 3000].join(", ");
    let scenario = format!("race = \"emergency-stop\"\n[params]\nticks = [{ticks}]\n[[schedulers]]\nscheduler = \"random\"\nseed = 1\nbudget = 1\n[expect]\nbefore = \"violated\"\ndocumented-fix = \"violated\"\ncorrect-fix = \"holds\"\n");
    std::fs::write(dir.join("huge.toml"), scenario).expect("write the scenario");
    let err = one_line_error(&racecheck(&["--scenarios", &dir.display().to_string(), "run"]));
    assert!(err.contains("huge.toml:2") && err.contains("3000 entries"), "{err}");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn a_stale_handle_is_one_line_and_exit_2() {
    for handle in [
        "reentry/documented-fix/shuttle:0.a3c7b9ac2a5zzzz",
        "reentry/documented-fix/shuttle:0.a3c7b9ac2a5b9999",
        "reentry/correct-fix/shuttle:0.a3c7b9ac2a5",
        "reentry/documented-fix/shuttle:0.a3c7",
    ] {
        let o = racecheck(&["replay", handle]);
        let err = one_line_error(&o);
        assert!(err.contains("does not reproduce an execution"), "{handle}: {err}");
        assert_eq!(text(&o.stdout), "", "{handle}: nothing is printed before the error");
    }
    let err = one_line_error(&racecheck(&[
        "replay",
        "reentry/documented-fix/loom:3:18",
        "--loom-checkpoint",
        "/nonexistent/dir/f",
    ]));
    assert!(err.contains("does not exist"), "{err}");
}
