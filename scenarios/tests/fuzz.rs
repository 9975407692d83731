//! `racecheck fuzz`: generated worlds find the `before` bugs, shrink, and replay bit for bit from
//! the printed handle; a correct fix survives; failing worlds are persisted for re-runs.

use crate::support::{racecheck_on as racecheck, stdout_text as text};

fn temp(name: &str) -> std::path::PathBuf {
    crate::support::fresh_dir("fuzz", name)
}

#[test]
fn fuzzing_finds_each_before_bug_shrinks_it_and_replays_it_bit_for_bit() {
    for race in ["reentry", "double-exit", "cooldown-bypass"] {
        let dir = temp(race);
        let found = racecheck(&dir, &["fuzz", race, "--cases", "32"]);
        let out = text(&found);
        assert_eq!(found.status.code(), Some(1), "{race}: {out}{}", String::from_utf8_lossy(&found.stderr));
        assert!(out.contains("found: violated:") && out.contains("shrunk world ("), "{race}: {out}");
        let handle = out
            .lines()
            .find_map(|l| l.split_once("): racecheck replay ").filter(|_| l.starts_with("minimal schedule")))
            .expect(&out)
            .1;
        let trace = out.split("trace (fewest preemptions):\n").nth(1).expect(&out).trim_end();
        let replayed = racecheck(&dir, &["replay", handle]);
        let again = text(&replayed);
        assert_eq!(replayed.status.code(), Some(0), "{race}: {again}{}", String::from_utf8_lossy(&replayed.stderr));
        assert!(again.contains(trace), "{race}: the replay differs:\n{again}\nexpected:\n{trace}");
        let regressions =
            std::fs::read_to_string(dir.join(format!("fuzz/{race}.proptest-regressions"))).expect("a regression file");
        assert!(regressions.lines().any(|l| l.starts_with("cc ")), "{regressions}");
        std::fs::remove_dir_all(&dir).expect("remove the temp dir");
    }
}

#[test]
fn the_shrunk_reentry_world_is_the_smallest_one() {
    let dir = temp("shrink");
    let out = text(&racecheck(&dir, &["fuzz", "reentry", "--cases", "32"]));
    let world: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("shrunk world"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::trim)
        .collect();
    assert!(world.contains(&"polls = 1"), "{out}");
    assert!(world.iter().any(|l| l.starts_with("ticks = [") && l.matches(',').count() == 0), "one tick: {out}");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn a_correct_fix_survives_the_fuzzer() {
    let dir = temp("correct");
    let o = racecheck(&dir, &["fuzz", "reentry", "--variant", "correct-fix", "--cases", "16"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("no world failed"));
    let bad = racecheck(&dir, &["fuzz", "selftest"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("has no world generator"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn the_committed_failing_worlds_are_re_run_first() {
    // scenarios/fuzz/ keeps proptest's regression file of each race's failing worlds: a run of
    // one case replays it before anything new, and finds the same shrunk world again.
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for race in ["reentry", "double-exit", "cooldown-bypass"] {
        let dir = temp(&format!("rerun-{race}"));
        std::fs::create_dir_all(dir.join("fuzz")).expect("a fuzz folder");
        let file = format!("{race}.proptest-regressions");
        std::fs::copy(here.join(&file), dir.join("fuzz").join(&file)).expect("the committed regression file");
        let o = racecheck(&dir, &["fuzz", race, "--cases", "1"]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{race}: {out}");
        let written =
            out.lines().find_map(|l| l.strip_prefix("shrunk world (written to ")).and_then(|l| l.strip_suffix("):"));
        let written = written.expect(&out);
        let id = std::path::Path::new(written).file_name().expect("a file name").to_owned();
        // The same world as the committed one (its file may come from `prove`, with another
        // portfolio): the same `[params]`.
        let params = |text: String| text.parse::<toml::Table>().expect("a scenario file").get("params").cloned();
        let committed = std::fs::read_to_string(here.join(&id)).expect("the committed world of that regression");
        let written = std::fs::read_to_string(written).expect("the world written");
        assert_eq!(params(written), params(committed), "{race}");
        std::fs::remove_dir_all(&dir).expect("remove the temp dir");
    }
}
