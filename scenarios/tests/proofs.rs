//! The proofs are part of the gate: for every race, `racecheck prove <race>` over its default
//! small-world space — every variant expected to hold proven (or its scope said), every flawed
//! variant's smallest failing world found — kept as a snapshot report under `reports/prove/`.
//!
//! Each proof runs in a fresh copy of the scenario files (they say which variants are expected
//! to hold), so its failing worlds are written there; those
//! world files must be the ones committed under `scenarios/fuzz/`, so that every handle in
//! `reports/prove/` replays from the repository (and the gate runs those worlds, forever). To
//! accept a deliberate change, run `INSTA_UPDATE=always cargo test -p scenarios proofs`: it
//! writes the snapshots and copies the new world files; review both diffs before committing.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const HERE: &str = env!("CARGO_MANIFEST_DIR");

/// What `racecheck prove <race>` printed, in a fresh copy of the scenario files.
struct Proof {
    race: &'static str,
    dir: std::path::PathBuf,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn prove(race: &'static str) -> Proof {
    let dir = std::env::temp_dir().join(format!("racecheck-proofs-{race}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    // The race's expectations come from the scenario files, as in the repository.
    for file in scenarios::scenario::files(Path::new(HERE)).expect("the scenario folder") {
        std::fs::copy(&file, dir.join(file.file_name().expect("a file name"))).expect("copy a scenario");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_racecheck"))
        .args(["--scenarios", &dir.display().to_string(), "prove", race, "--jobs", "2"])
        .output()
        .expect("racecheck runs");
    Proof {
        race,
        dir,
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[test]
fn every_race_is_proven_over_its_small_worlds_and_matches_its_proof_report() {
    let update = std::env::var_os("INSTA_UPDATE").is_some_and(|v| v == "always");
    let races: Vec<&'static str> = models::races::all().iter().map(|r| r.id()).collect();
    assert!(races.len() >= 12, "every documented race");
    // Two proofs at a time: one race's last, longest world no longer leaves a core idle. Each
    // report is the same bytes whatever runs beside it; they are compared in race order.
    let next = AtomicUsize::new(0);
    let proofs: Mutex<Vec<Proof>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some(&race) = races.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let proof = prove(race);
                    proofs.lock().expect("no proof panicked").push(proof);
                }
            });
        }
    });
    let mut proofs = proofs.into_inner().expect("no proof panicked");
    proofs.sort_by_key(|p| races.iter().position(|r| *r == p.race));
    let mut unexpected = Vec::new();
    for Proof { race, dir, code, stdout, stderr } in proofs {
        if code != Some(0) {
            unexpected.push(format!("{race}: exit {code:?}\n{stdout}{stderr}"));
        }
        insta::with_settings!({
            snapshot_path => "../../reports/prove",
            prepend_module_to_snapshot => false,
            description => format!("racecheck prove {race}"),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(race, stdout);
        });
        check_worlds(&dir.join("fuzz"), update);
        std::fs::remove_dir_all(&dir).expect("remove the temp dir");
    }
    assert!(unexpected.is_empty(), "proofs that did not meet their expectations:\n{}", unexpected.join("\n"));
}

/// The world files a proof wrote are committed, byte for byte, under `scenarios/fuzz/`.
fn check_worlds(written: &Path, update: bool) {
    let Ok(entries) = std::fs::read_dir(written) else { return };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let made = std::fs::read_to_string(&path).expect("a world file");
        let committed_path = Path::new(HERE).join("fuzz").join(entry.file_name());
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        if committed == made {
            continue;
        }
        if update {
            std::fs::write(&committed_path, made).expect("commit the world file");
        } else {
            panic!(
                "{} is missing or stale; regenerate with `INSTA_UPDATE=always cargo test -p scenarios proofs`",
                committed_path.display()
            );
        }
    }
}
