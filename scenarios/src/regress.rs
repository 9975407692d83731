//! Regression scenarios from a soak: a generated world on which a variant expected not to fail
//! failed is written as `<scenarios>/fuzz/<world id>.toml`, never over an existing file.
//!
//! The file runs the world under the one scheduler (and seed) that found the failure, and expects
//! of every variant what that scheduler concluded on it in the soak: an expectation it meets, so
//! the gate replays the finding (and its handle) forever. Its note names the variant that should
//! not have failed: once the model is fixed, that expectation is the one to change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use harness::Strategy;

use crate::merge::{Judged, Merged};

/// What became of one regression scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrote {
    /// Written.
    New(PathBuf),
    /// A file of that name exists: left as it is.
    Exists(PathBuf),
}

/// The scenario file of the failing world of `j`.
fn file(m: &Merged, j: &Judged<'_>) -> Option<String> {
    let w = j.world?;
    let failing = j.failing()?;
    let race = &m.soak.scenarios.iter().find(|s| s.id == j.scenario)?.race;
    let settings = match failing.exploration.strategy {
        Strategy::Random { seed } => format!("scheduler = \"random\"\nseed = {seed}\n"),
        Strategy::Urw { seed } => format!("scheduler = \"urw\"\nseed = {seed}\n"),
        Strategy::Pct { seed, depth } => format!("scheduler = \"pct\"\ndepth = {depth}\nseed = {seed}\n"),
        _ => return None,
    };
    let mut text = format!(
        "# A world `racecheck soak` generated (seed {}, world {} under scenario {}) on which `{}`, expected\n# `{}`, was found `{}`. Replay with `racecheck replay {}/<variant>/...`.\nrace = \"{race}\"\nstep_limit = {}\nnotes = [\"found by racecheck soak: {} expected {}, found {}; the expectation below pins the finding\"]\n\n[params]\n{}",
        j.seed, w.index, j.scenario, j.variant, j.expected, j.verdict, w.id,
        failing.exploration.step_limit, j.variant, j.expected, j.verdict, w.params
    );
    let _ = write!(text, "\n[[schedulers]]\n{settings}budget = {}\n\n[expect]\n", failing.exploration.budget);
    let same = |d: &&crate::soak::Done| {
        d.world.as_ref().is_some_and(|x| x.id == w.id) && d.seed == j.seed && d.exploration == failing.exploration
    };
    for d in m.items.iter().filter(|d| same(d)) {
        let concluded = crate::expect::Expected::of([&d.outcome]).expect("one outcome concludes");
        let _ = writeln!(text, "{} = \"{concluded}\"", d.variant);
    }
    Some(text)
}

/// Writes a regression scenario under `<scenarios>/fuzz/` for every world that contradicts.
pub fn write(m: &Merged, scenarios: &Path) -> Result<Vec<Wrote>, String> {
    let mut wrote = Vec::new();
    for j in m.judged().iter().filter(|j| j.contradicts()) {
        let (Some(w), Some(text)) = (j.world, file(m, j)) else { continue };
        let dir = scenarios.join("fuzz");
        let path = dir.join(format!("{}.toml", w.id));
        if wrote.iter().any(|x| matches!(x, Wrote::New(p) | Wrote::Exists(p) if *p == path)) {
            continue;
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let made = std::fs::OpenOptions::new().write(true).create_new(true).open(&path);
        match made {
            Ok(mut f) => {
                std::io::Write::write_all(&mut f, text.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                wrote.push(Wrote::New(path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => wrote.push(Wrote::Exists(path)),
            Err(e) => return Err(format!("cannot write {}: {e}", path.display())),
        }
    }
    Ok(wrote)
}
