//! `racecheck prove`: a correct fix holds over every small world, a documented fix fails in the
//! smallest one with a handle that replays, and prove agrees with fuzz.

use crate::support::{racecheck_on as racecheck, stdout_text as text};

/// A copy of the scenario folder's top-level files, so a proof writes its worlds elsewhere.
fn temp(name: &str) -> std::path::PathBuf {
    let dir = crate::support::fresh_dir("prove", name);
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for e in std::fs::read_dir(here).expect("the scenario folder") {
        let path = e.expect("an entry").path();
        if path.extension().is_some_and(|x| x == "toml") && path.file_name().is_some_and(|n| n != "Cargo.toml") {
            std::fs::copy(&path, dir.join(path.file_name().expect("a name"))).expect("copy a scenario");
        }
    }
    dir
}

/// The number of worlds a `holds for all N worlds` line names.
fn worlds_held(out: &str) -> usize {
    out.split("holds for all ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

#[test]
fn the_reentry_correct_fix_holds_in_every_small_world() {
    let dir = temp("correct");
    let o = racecheck(&dir, &["prove", "reentry", "--variant", "correct-fix"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(worlds_held(&out) >= 24, "{out}");
    assert!(out.contains("every interleaving by loom unbounded"), "{out}");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn the_reentry_documented_fix_fails_in_the_smallest_world_and_replays() {
    let dir = temp("documented");
    let o = racecheck(&dir, &["prove", "reentry", "--variant", "documented-fix"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("of size 0 (the first failing world in canonical order"), "{out}");
    let handle = out
        .lines()
        .find_map(|l| l.split_once("): racecheck replay ").filter(|_| l.trim_start().starts_with("fewest preemptions")))
        .expect(&out)
        .1;
    let file = out.lines().find_map(|l| l.trim().strip_prefix("scenario: ")).expect(&out);
    assert!(file.starts_with("fuzz/reentry-") && file.ends_with(".toml (written)"), "{out}");
    let replayed = racecheck(&dir, &["replay", handle]);
    assert_eq!(replayed.status.code(), Some(0), "{}", text(&replayed));
    assert!(text(&replayed).contains("verdict: violated"), "{}", text(&replayed));
    // A second proof finds the same world, and leaves its file as it is.
    let again = text(&racecheck(&dir, &["prove", "reentry", "--variant", "documented-fix"]));
    assert!(again.contains("(already there)"), "{again}");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn a_world_fuzz_finds_failing_is_in_proves_space_and_prove_finds_it_too() {
    let dir = temp("agree");
    let fuzzed = text(&racecheck(&dir, &["fuzz", "reentry", "--cases", "32"]));
    let world: Vec<String> = fuzzed
        .lines()
        .skip_while(|l| !l.starts_with("shrunk world"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_owned())
        .collect();
    assert!(!world.is_empty(), "{fuzzed}");
    let proved = text(&racecheck(&dir, &["prove", "reentry", "--variant", "before"]));
    let failing: Vec<String> = proved
        .lines()
        .skip_while(|l| !l.trim().starts_with("scenario: "))
        .skip(1)
        .take_while(|l| l.starts_with("    ") && !l.trim_start().starts_with("step"))
        .map(|l| l.trim().to_owned())
        .collect();
    // Fuzz shrinks toward the plainest world, which prove lists first: the same world.
    assert_eq!(world, failing, "fuzz:\n{fuzzed}\nprove:\n{proved}");
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}

#[test]
fn prove_refuses_what_it_cannot_prove() {
    let dir = temp("bad");
    let o = racecheck(&dir, &["prove", "no-such-race"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("neither a race nor a scenario"));
    let o = racecheck(&dir, &["prove", "reentry", "--variant", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}
