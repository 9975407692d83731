//! `racecheck new <race-id>`: the files of a new race, ready to fill in.
//!
//! Writes `models/src/races/<race_id>.rs` (a working check-then-act skeleton with the three
//! variants, one invariant and a race window), `scenarios/<race-id>.toml` (a portfolio of
//! schedulers, and `[expect]` verdicts left as `TODO`, so the first run stops at the one decision
//! only a person can make), and two lines in `models/src/races/mod.rs`: the module's plain
//! `pub mod` line, in its sorted place among the others (where `cargo fmt` keeps it), and its
//! `RACE` in the registry. Nothing in `harness/` is touched; on an error nothing is written.

use std::path::{Path, PathBuf};

const MODEL: &str = include_str!("../templates/race.rs.tmpl");
const SCENARIO: &str = include_str!("../templates/scenario.toml.tmpl");
const MARKER: &str = "// racecheck new: registry lines go above this one.";

/// The files a scaffold wrote or changed.
#[derive(Debug)]
pub struct Scaffold {
    /// The new race module.
    pub model: PathBuf,
    /// The new scenario file.
    pub scenario: PathBuf,
    /// The registry, with the module's line and its registry line added.
    pub registry: PathBuf,
}

/// Writes a new race `id` into the workspace at `root`; an error says what is wrong with `id`
/// or the workspace, and writes nothing.
pub fn new_race(root: &Path, id: &str) -> Result<Scaffold, String> {
    let valid = id.len() >= 2
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && !id.contains("--")
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(format!("`{id}` is not a race id; expected lowercase words joined by `-`, like `stale-cancel`"));
    }
    if crate::find_race(id).is_some() {
        return Err(format!("race `{id}` already exists"));
    }
    let file = id.replace('-', "_");
    let title = id.replace('-', " ");
    let fill = |template: &str| {
        template
            .replace("{{id}}", id)
            .replace("{{file}}", &file)
            .replace("{{title}}", &title)
            .replace("{{invariant}}", "at most one live entry order (TODO: the invariant the write-up promises)")
    };
    let model = root.join("models/src/races").join(format!("{file}.rs"));
    let scenario = root.join("scenarios").join(format!("{id}.toml"));
    let registry = root.join("models/src/races/mod.rs");
    for path in [&model, &scenario] {
        if path.exists() {
            return Err(format!("{} already exists", path.display()));
        }
    }
    let listed = std::fs::read_to_string(&registry).map_err(|e| format!("cannot read {}: {e}", registry.display()))?;
    let Some(at) = listed.find(MARKER) else {
        return Err(format!("{} has no `{MARKER}` line", registry.display()));
    };
    let line_start = listed[..at].rfind('\n').map_or(0, |i| i + 1);
    let listed = format!("{}        {file}::RACE,\n{}", &listed[..line_start], &listed[line_start..]);
    let updated =
        with_mod_line(&listed, &file).ok_or_else(|| format!("{} has no `pub mod` lines", registry.display()))?;
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(&model, &fill(MODEL))?;
    write(&scenario, &fill(SCENARIO))?;
    write(&registry, &updated)?;
    Ok(Scaffold { model, scenario, registry })
}

/// `listed` with `pub mod <file>;` added in its sorted place among its `pub mod` lines (the
/// order `cargo fmt` keeps), or `None` if it has none.
fn with_mod_line(listed: &str, file: &str) -> Option<String> {
    let line = format!("pub mod {file};");
    let mods: Vec<(usize, &str)> = listed.lines().enumerate().filter(|(_, l)| l.starts_with("pub mod ")).collect();
    let (last, _) = *mods.last()?;
    let at = mods.iter().find(|(_, l)| *l > line.as_str()).map_or(last + 1, |(i, _)| *i);
    let mut lines: Vec<&str> = listed.lines().collect();
    lines.insert(at, &line);
    Some(lines.join("\n") + "\n")
}
