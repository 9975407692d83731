//! `racecheck prove`: reads the command line's choices into a [`crate::prove::Prove`], runs it,
//! writes each failing world as a scenario file under `<scenarios>/fuzz/` (so its handle
//! replays), prints the proof and picks the exit code; and serves the children it starts.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use harness::isolate::{self, Job};

use super::out::out;
use super::{bad, program};
use crate::expect::Expected;
use crate::fuzz::{WorldFile, Written};
use crate::prove::{self, report, Checked, Prove};
use crate::run::Runner;
use crate::Registry;

/// What the command line asked for.
pub(super) struct ProveOptions {
    pub target: String,
    pub variant: Option<String>,
    pub size: Option<usize>,
    pub jobs: Option<u64>,
}

pub(super) fn prove(registry: &Registry, dir: &Path, o: &ProveOptions) -> Result<ExitCode> {
    let (race, base) = match registry.find(&o.target) {
        Some(race) => (race, toml::Table::new()),
        None => {
            let ids: Vec<String> = vec![o.target.clone()];
            let found = super::run::load(registry, dir, &ids).map_err(|_| {
                bad(format!(
                    "`{}` is neither a race nor a scenario; expected a race (one of: {}) or a scenario id",
                    o.target,
                    registry.with_worlds()
                ))
            })?;
            let s = found.into_iter().next().ok_or_else(|| bad("no such scenario"))?;
            (s.race, s.params)
        }
    };
    let space = registry.space(race.id()).cloned().ok_or_else(|| {
        bad(format!("race `{}` has no world space; expected one of: {}", race.id(), registry.with_worlds()))
    })?;
    let hold = prove::expected_to_hold(registry, race, dir);
    let variants: Vec<(&'static str, bool)> = match &o.variant {
        Some(v) => {
            race.check_variant(v).map_err(|e| bad(e.to_string()))?;
            let v = race.variants().iter().copied().find(|w| w == v).expect("a checked variant");
            vec![(v, hold.contains(&v))]
        }
        None => race.variants().iter().map(|v| (*v, hold.contains(v))).collect(),
    };
    let size = o.size.unwrap_or(space.default_size);
    let p = Prove { race, variants, space, base, size };
    let worlds = p.worlds().len();
    if worlds == 0 {
        return Err(bad(format!(
            "no world of size <= {size} is accepted by race `{}`; expected a larger --size",
            race.id()
        )));
    }
    let runner = Runner { program: program()?, jobs: super::jobs(o.jobs) };
    let proofs = prove::prove(&runner, &p);
    let mut files = Vec::new();
    for v in &proofs {
        if let Some(c) = v.failure() {
            files.push((v.variant, write_world(dir, &runner, race, c)?));
        }
    }
    out!("{}", report::render(&p, worlds, &proofs, &files).trim_end());
    // With `--variant`, any failure is the answer (exit 1). Over the whole race, a contradiction
    // is: a variant expected to hold that fails, or one expected to fail that no world fails
    // (the harness lost the bug).
    let failed = proofs.iter().any(|v| match (v.failure().is_some(), o.variant.is_some()) {
        (found, true) => found,
        (found, false) => found == v.expected_to_hold,
    });
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Writes the failing world `c` as `fuzz/<id>.toml` (never over another file), its portfolio
/// the exploration that found the failure; returns the file's name and what became of it.
fn write_world(dir: &Path, runner: &Runner, race: &'static dyn harness::Race, c: &Checked) -> Result<String> {
    let fuzz = dir.join("fuzz");
    std::fs::create_dir_all(&fuzz).map_err(|e| bad(format!("cannot create the fuzz/ folder: {e}")))?;
    let header = format!("A world `racecheck prove {}` found failing (size {})", race.id(), c.world.size);
    let note = format!("found by racecheck prove ({}), the smallest failing world", c.method.name());
    let file = WorldFile { race, id: &c.id, header: &header, note: &note, world: &c.world.params };
    let portfolio: Vec<harness::Exploration> = c.exploration.iter().cloned().collect();
    let (_, written) = file
        .write(&fuzz, &portfolio, false, &mut |variant| {
            let args = prove::child_args(race, &c.id, variant, &c.world.params);
            let outcomes: Vec<harness::Outcome> = portfolio
                .iter()
                .map(|e| isolate::run_in_child(&runner.program, &args, &Job::Explore(e.clone())))
                .collect();
            Ok(Expected::of(&outcomes).expect("a portfolio is never empty"))
        })
        .map_err(bad)?;
    let name = format!("fuzz/{}.toml", c.id);
    Ok(match written {
        Written::New => format!("{name} (written)"),
        Written::Unchanged | Written::Rewritten => format!("{name} (already there)"),
        Written::Kept => format!("{name} (exists with other settings; left as it is)"),
    })
}

/// Serves one exploration of a world for a parent `racecheck prove` (see `harness::isolate`).
pub(super) fn child(
    registry: &Registry,
    race: &str,
    id: &str,
    variant: &str,
    world: &str,
    job: &str,
) -> Result<ExitCode> {
    let race = registry.find(race).ok_or_else(|| bad(format!("unknown race `{race}`")))?;
    let params: toml::Table = world.parse().map_err(|e| bad(format!("the world is not a TOML table: {e}")))?;
    let job = Job::from_arg(job).map_err(|e| bad(e.to_string()))?;
    let model = race.model(&format!("{id}/{variant}"), variant, &params).map_err(|e| bad(e.to_string()))?;
    isolate::serve(&model, &job);
    Ok(ExitCode::SUCCESS)
}
