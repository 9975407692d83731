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
fn list_shows_the_races_with_their_variants() {
    let o = racecheck(&["list"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("reentry"), "{out}");
    assert!(out.contains("variants: before, documented-fix, correct-fix"), "{out}");
}

#[test]
fn run_prints_verdict_executions_first_failure_and_handle_and_exits_0() {
    let o = racecheck(&["run", "reentry", "--jobs", "2"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    for needle in [
        "before           violated     violated     ok",
        "correct-fix      holds        holds        ok",
        "replay: racecheck replay reentry/before/shuttle:",
        "replay: racecheck replay reentry/before/loom:3:",
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

/// Each handle in a run's output, with the trace printed under it.
fn handles_and_traces(out: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = out.lines().collect();
    let mut found = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(handle) = l.strip_prefix("replay: racecheck replay ") else {
            continue;
        };
        if lines.get(i + 1) != Some(&"trace:") {
            continue;
        }
        let trace: Vec<&str> = lines[i + 2..].iter().take_while(|l| !l.is_empty()).copied().collect();
        found.push((handle.to_owned(), trace.join("\n")));
    }
    found
}

#[test]
fn replay_in_a_fresh_process_prints_the_identical_trace_every_time() {
    let out = stdout(&racecheck(&["run", "reentry", "--variant", "before", "--variant", "documented-fix"]));
    let found = handles_and_traces(&out);
    assert!(found.len() >= 4, "{out}");
    assert!(found.iter().any(|(h, _)| h.contains("/loom:")) && found.iter().any(|(h, _)| h.contains("/shuttle:")));
    for (handle, trace) in found {
        for _ in 0..2 {
            let o = racecheck(&["replay", &handle]);
            let replayed = stdout(&o);
            assert_eq!(o.status.code(), Some(0), "{replayed}");
            assert!(replayed.contains("verdict: violated: 2 live entry orders for ABC"), "{replayed}");
            assert!(replayed.contains(&trace), "replay of {handle} differs:\n{replayed}\nexpected:\n{trace}");
        }
    }
}

#[test]
fn a_loom_deadlock_is_contained_and_replayable() {
    let o = racecheck(&["run", "selftest", "--variant", "deadlock", "--scheduler", "loom"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let (handle, trace) = handles_and_traces(&out).pop().expect("a deadlock handle");
    assert!(handle.starts_with("selftest/deadlock/loom:"), "{handle}");
    let replayed = stdout(&racecheck(&["replay", &handle]));
    assert!(replayed.contains("verdict: deadlock"), "{replayed}");
    assert!(replayed.contains(&trace), "{replayed}");
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
    assert_bad_input(&["frobnicate"], "unrecognized subcommand");
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
            "race = \"reentry\"\n[params]\ntiks = 3\n[[schedulers]]\nscheduler = \"dfs\"\nbudget = 1\n[expect]\nbefore = \"violated\"\ndocumented-fix = \"violated\"\ncorrect-fix = \"holds\"\n",
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
