//! The command line's contract: exit codes, one-line errors, byte-identical output, replay.

use std::process::{Command, Output};

fn racecheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_racecheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("racecheck runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn list_shows_the_races_with_their_variants_and_runtimes() {
    let o = racecheck(&["list"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("reentry"), "{out}");
    assert!(out.contains("variants: before, documented-fix, correct-fix"), "{out}");
    for (race, runtime) in
        [("reentry", "threads"), ("cooldown-bypass", "processes"), ("ticker-double-buy", "Node.js event loop")]
    {
        let shown = out.lines().skip_while(|l| !l.starts_with(race)).find(|l| l.trim_start().starts_with("runtime: "));
        assert_eq!(shown.map(str::trim), Some(format!("runtime: {runtime}").as_str()), "{race}:\n{out}");
    }
}

#[test]
fn run_prints_verdict_executions_first_failure_and_handle_and_exits_0() {
    let o = racecheck(&["run", "reentry", "--jobs", "2"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    for needle in [
        "before             violated     violated     ok",
        "correct-fix        holds        holds        ok",
        "): racecheck replay reentry/before/shuttle:",
        "as found (at most 3 preemptions): racecheck replay reentry/before/loom:3:",
    ] {
        assert!(out.contains(needle), "missing `{needle}` in:\n{out}");
    }
    for scheduler in ["random(seed=1)", "pct(depth=3, seed=1)", "urw(seed=1)", "dfs ", "loom(preemptions<=3)"] {
        let caught =
            out.lines().skip_while(|l| *l != "## before").any(|l| l.starts_with(scheduler) && l.contains("violated"));
        assert!(caught, "`before` not caught by {scheduler}:\n{out}");
    }
}

#[test]
fn the_same_run_twice_prints_byte_identical_output() {
    let a = racecheck(&["run", "reentry", "selftest", "--jobs", "2"]);
    let b = racecheck(&["run", "reentry", "selftest", "--jobs", "1"]);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(stdout(&a), stdout(&b));
}

#[test]
fn the_scheduler_libraries_environment_changes_nothing() {
    // SHUTTLE_RANDOM_SEED replaces every shuttle seed, LOOM_* loom's settings, PROPTEST_* the
    // shrinking: none of them may reach an exploration.
    let plain = racecheck(&["run", "reentry", "--variant", "before"]);
    let polluted = Command::new(env!("CARGO_BIN_EXE_racecheck"))
        .args(["run", "reentry", "--variant", "before"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SHUTTLE_RANDOM_SEED", "12345")
        .env("LOOM_MAX_PREEMPTIONS", "1")
        .env("LOOM_MAX_BRANCHES", "not-a-number")
        .env("PROPTEST_MAX_SHRINK_TIME", "1")
        .output()
        .expect("racecheck runs");
    assert_eq!(polluted.status.code(), Some(0));
    assert_eq!(stdout(&plain), stdout(&polluted));
}

/// Each handle in a run's output with the trace printed for it: the fewest-preemptions
/// counterexample's where there is one, else the execution as found.
fn handles_and_traces(out: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = out.lines().collect();
    let mut found = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some((_, handle)) = l.split_once("): racecheck replay ") else { continue };
        // A counterexample whose own violation differs from the one found says so first.
        let at = if lines.get(i + 1).is_some_and(|l| l.starts_with("which fails with: ")) { i + 2 } else { i + 1 };
        let Some(label) = lines.get(at) else { continue };
        if !(label.starts_with("trace (") && label.ends_with("):")) {
            continue;
        }
        let trace: Vec<&str> = lines[at + 1..].iter().take_while(|l| !l.is_empty()).copied().collect();
        found.push((handle.to_owned(), trace.join("\n")));
    }
    found
}

#[test]
fn replay_in_a_fresh_process_prints_the_identical_trace_every_time() {
    let out = stdout(&racecheck(&["run", "reentry", "--variant", "before", "--variant", "documented-fix"]));
    let found = handles_and_traces(&out);
    assert!(found.len() >= 2, "{out}");
    for (handle, trace) in found {
        for _ in 0..2 {
            let o = racecheck(&["replay", &handle]);
            let replayed = stdout(&o);
            assert_eq!(o.status.code(), Some(0), "{replayed}");
            assert!(replayed.contains("verdict: violated: 2 live entry orders for ABC"), "{replayed}");
            assert!(replayed.contains("(no execution with fewer fails this way)"), "{replayed}");
            assert!(replayed.contains(&trace), "replay of {handle} differs:\n{replayed}\nexpected:\n{trace}");
        }
    }
}

#[test]
fn replay_shows_the_fewest_preemptions_by_default_and_the_original_on_request() {
    let out = stdout(&racecheck(&["run", "reentry", "--variant", "documented-fix", "--scheduler", "random"]));
    let as_found = out.lines().find_map(|l| l.split_once("as found (6 preemptions): racecheck replay ")).expect(&out).1;
    let minimal = stdout(&racecheck(&["replay", as_found]));
    assert!(minimal.contains("preemptions: 6 as found; the same failure with the fewest, 1:"), "{minimal}");
    assert!(minimal.contains("trace (fewest preemptions):"), "{minimal}");
    let original = stdout(&racecheck(&["replay", as_found, "--as-found"]));
    assert!(original.contains("preemptions: 6\ntrace:\n"), "{original}");
    for (handle, count) in [(as_found, "6"), ("reentry/documented-fix/loom:3:18", "not counted under loom")] {
        let o = stdout(&racecheck(&["replay", handle, "--as-found"]));
        assert!(o.contains(&format!("preemptions: {count}")), "{o}");
    }
}

#[test]
fn a_loom_deadlock_is_contained_and_replayable() {
    let o = racecheck(&["run", "selftest", "--variant", "deadlock", "--scheduler", "loom"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let handle = out.lines().find_map(|l| l.split_once("): racecheck replay selftest/deadlock/loom:")).expect(&out).1;
    let replayed = stdout(&racecheck(&["replay", &format!("selftest/deadlock/loom:{handle}"), "--as-found"]));
    assert!(replayed.contains("verdict: deadlock"), "{replayed}");
    assert!(replayed.contains("holds b, takes a") && replayed.contains("holds a, takes b"), "{replayed}");
}

#[test]
fn replay_steps_through_the_trace_and_draws_it() {
    use std::io::Write as _;
    let handle = "reentry/documented-fix/loom:3:18";
    let whole = stdout(&racecheck(&["replay", handle]));
    let svg = std::env::temp_dir().join(format!("racecheck-cli-{}.svg", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_racecheck"))
        .args(["replay", handle, "--step", "--svg", &svg.display().to_string()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("racecheck runs");
    child.stdin.take().expect("stdin").write_all(b"\n\n\n").expect("answer the prompts");
    let stepped = child.wait_with_output().expect("racecheck ends");
    let stepped = String::from_utf8_lossy(&stepped.stdout).into_owned();
    // Without a terminal there is no prompt: every step, the same as the whole trace.
    let steps = |t: &str| {
        t.lines()
            .skip_while(|l| !l.starts_with("step "))
            .take_while(|l| !l.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert!(steps(&whole).len() > 5, "{whole}");
    assert_eq!(steps(&stepped), steps(&whole));
    let picture = std::fs::read_to_string(&svg).expect("the picture");
    assert!(picture.starts_with("<svg") && picture.contains("VIOLATION"), "{picture}");
    std::fs::remove_file(&svg).expect("remove the picture");
}

#[test]
fn a_loom_handle_exports_a_checkpoint_loom_replays_first() {
    let path = std::env::temp_dir().join(format!("racecheck-cli-checkpoint-{}.json", std::process::id()));
    let path_arg = path.display().to_string();
    let o = racecheck(&["replay", "reentry/documented-fix/loom:3:18", "--loom-checkpoint", &path_arg]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("loom checkpoint: "), "{out}");
    assert!(std::fs::metadata(&path).is_ok_and(|m| m.len() > 0));
    std::fs::remove_file(&path).expect("remove the checkpoint");
    assert_bad_input(&["replay", "reentry/before/shuttle:1.ab", "--loom-checkpoint", &path_arg], "needs a loom handle");
}

#[test]
fn the_real_threads_baseline_counts_runs_and_never_decides_a_verdict() {
    let o = racecheck(&["run", "reentry", "--variant", "before", "--scheduler", "threads", "--budget", "50"]);
    let out = stdout(&o);
    // The baseline alone decides nothing, so the run is not green: it says so, exit 2.
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(stderr(&o).contains("nothing was checked"), "{}", stderr(&o));
    assert!(out.contains("runs on real OS threads"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("threads ") && l.contains(" 50 ")), "{out}");
}

#[test]
fn a_fix_broken_by_one_line_turns_the_gate_red() {
    // The same scenario, but claiming the mutant (the correct fix with its reservation moved out
    // of the lock) holds: the run must fail with exit code 1 and say which expectation failed.
    let dir = std::env::temp_dir().join(format!("racecheck-mutant-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/reentry.toml")).expect("the scenario");
    let claimed = text.replace("correct-fix-mutant = \"violated\"", "correct-fix-mutant = \"holds\"");
    assert_ne!(text, claimed);
    std::fs::write(dir.join("reentry.toml"), claimed).expect("write the scenario");
    let o = Command::new(env!("CARGO_BIN_EXE_racecheck"))
        .args(["--scenarios", &dir.display().to_string(), "run", "reentry", "--variant", "correct-fix-mutant"])
        .output()
        .expect("racecheck runs");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("correct-fix-mutant holds        violated     UNEXPECTED"), "{out}");
    assert!(out.contains("racecheck: expectations failed in: reentry"), "{out}");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

fn assert_bad_input(args: &[&str], expected: &str) {
    let o = racecheck(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(expected), "{args:?}: `{expected}` not in: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
}

#[test]
fn bad_arguments_are_one_line_errors_with_exit_code_2() {
    assert_bad_input(&["run", "no-such-race"], "unknown scenario `no-such-race`; expected one of:");
    assert_bad_input(&["run", "reentry", "--variant", "fixed"], "unknown variant `fixed`; expected one of:");
    assert_bad_input(&["run", "reentry", "--scheduler", "fifo"], "unknown scheduler `fifo`; expected one of:");
    assert_bad_input(&["run", "reentry", "--budget", "lots"], "invalid value 'lots'");
    assert_bad_input(&["replay", "reentry/before/shuttle:zz"], "malformed replay handle");
    assert_bad_input(&["replay", "nonsense"], "malformed replay handle");
    assert_bad_input(&["replay", "reentry/before/loom:x:1"], "malformed replay handle");
    assert_bad_input(&["replay", "reentry/fixed/loom:3:1"], "has no variant `fixed`");
    assert_bad_input(&["replay", "reentry/before/shuttle:0."], "does not reproduce an execution of this scenario");
    assert_bad_input(
        &["replay", "reentry/correct-fix/loom:3:100000"],
        "does not reproduce an execution of this scenario",
    );
    assert_bad_input(&["replay", "reentry/before/shuttle:0.ab18446744073709551615"], "malformed replay handle");
    assert_bad_input(&["frobnicate"], "unrecognized subcommand");
    let weak = racecheck(&["run", "reentry", "--variant", "correct-fix", "--budget", "1"]);
    assert_eq!(weak.status.code(), Some(1), "a fix is not `holds` on one execution: {}", stdout(&weak));
    assert!(stdout(&weak).contains("holds-sampled"), "{}", stdout(&weak));
    for args in [&["run", "no-such-race"][..], &["replay", "nonsense"]] {
        assert_eq!(stderr(&racecheck(args)).trim_end().lines().count(), 1, "{args:?}");
    }
}

#[test]
fn a_bad_scenario_file_names_the_file_and_line() {
    let dir = std::env::temp_dir().join(format!("racecheck-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let cases = [
        ("race = \"reentry\"\nfoo = 1\n", ":2: unknown field `foo`"),
        ("race = \"nope\"\n[[schedulers]]\nscheduler = \"pct\"\nseed = 1\ndepth = 2\nbudget = 1\n[expect]\n", ":1: unknown race `nope`"),
        ("race = \"reentry\"\n[[schedulers]]\nscheduler = \"fifo\"\nbudget = 1\n[expect]\nbefore = \"violated\"\n", ":3: unknown scheduler `fifo`"),
        (
            "race = \"reentry\"\n[[schedulers]]\nscheduler = \"dfs\"\nbudget = 1\n[expect]\nbefore = \"violated\"\nfixed = \"holds\"\n",
            ":7: race `reentry` has no variant `fixed`",
        ),
        (
            "race = \"reentry\"\n[params]\ntiks = 3\n[[schedulers]]\nscheduler = \"dfs\"\nbudget = 1\n[expect]\nbefore = \"violated\"\ndocumented-fix = \"violated\"\ncorrect-fix = \"holds\"\ncorrect-fix-mutant = \"violated\"\n",
            ":2: [params]: parameters of race `reentry`: unknown field `tiks`",
        ),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let path = dir.join(format!("case{i}.toml"));
        std::fs::write(&path, text).expect("write the scenario");
        let o = Command::new(env!("CARGO_BIN_EXE_racecheck"))
            .args(["--scenarios", &dir.display().to_string(), "run", &format!("case{i}")])
            .output()
            .expect("racecheck runs");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "case {i}: {err}");
        assert!(err.contains(&format!("case{i}.toml{expected}")), "case {i}: {err}");
        std::fs::remove_file(&path).expect("remove the scenario");
    }
}
