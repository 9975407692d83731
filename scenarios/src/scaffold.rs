//! `racecheck new <race-id>`: the files of a new race, ready to fill in.
//!
//! Where, the registry's [`Layout`] says; here (`Layout::MODELS`) it writes
//! `models/src/races/<race_id>.rs` (a working check-then-act skeleton with the three variants,
//! one invariant and a race window), `scenarios/<race-id>.toml` (a portfolio of schedulers, and
//! `[expect]` verdicts left as `TODO`, so the first run stops at the one decision only a person
//! can make), and two lines in `models/src/races/mod.rs`: the module's plain `pub mod` line, in
//! its sorted place among the others (where `cargo fmt` keeps it), and its `RACE` in the
//! registry. A crate of its own (`Layout::CRATE`) gets the same under `src/races/`, its model
//! naming the simulated world as `models::world`. A registry without a layout is refused. Nothing
//! in `harness/` is touched; on an error nothing is written.

use std::path::{Path, PathBuf};

use crate::{Layout, Registry};

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

/// The longest race id: its file name, `<id>.toml`, must fit every file system (255 bytes).
const MAX_ID: usize = 64;

/// Rust's keywords, strict and reserved: a race's module cannot be called any of them.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Writes a new race `id` into the crate at `root` as `registry`'s layout says, its scenario file
/// into `scenarios`; an error says what is wrong with `id`, the registry or the crate, and writes
/// nothing.
pub fn new_race(registry: &Registry, root: &Path, scenarios: &Path, id: &str) -> Result<Scaffold, String> {
    let Some(layout) = registry.layout() else {
        return Err("this racecheck's registry has no layout for new races; expected \
                    `Registry::with_layout(...)` in its main, or write the race module and its registry line by hand"
            .to_owned());
    };
    let valid = id.len() >= 2
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && !id.contains("--")
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        let shown: String = id.chars().take(40).collect();
        return Err(format!("`{shown}` is not a race id; expected lowercase words joined by `-`, like `stale-cancel`"));
    }
    if id.len() > MAX_ID {
        return Err(format!("a race id has at most {MAX_ID} characters; this one has {}", id.len()));
    }
    if KEYWORDS.contains(&id.replace('-', "_").as_str()) {
        return Err(format!(
            "`{id}` cannot be a race id: `{}` is a Rust keyword, and the race's module needs its name",
            id.replace('-', "_")
        ));
    }
    if registry.find(id).is_some() {
        return Err(format!("race `{id}` already exists"));
    }
    let file = id.replace('-', "_");
    let title = id.replace('-', " ");
    let Layout { races, world } = layout;
    let fill = |template: &str| {
        template
            .replace("{{races}}", races)
            .replace("{{world}}", world)
            .replace("{{id}}", id)
            .replace("{{file}}", &file)
            .replace("{{title}}", &title)
            .replace("{{invariant}}", "at most one live entry order (TODO: the invariant the write-up promises)")
    };
    let model = root.join(races).join(format!("{file}.rs"));
    let scenario = scenarios.join(format!("{id}.toml"));
    let registry = root.join(races).join("mod.rs");
    for path in [&model, &scenario] {
        if path.exists() {
            return Err(format!("{} already exists", path.display()));
        }
    }
    let listed = std::fs::read_to_string(&registry).map_err(|e| format!("cannot read {}: {e}", registry.display()))?;
    let before = listed.clone();
    let Some(at) = listed.find(MARKER) else {
        return Err(format!("{} has no `{MARKER}` line", registry.display()));
    };
    let line_start = listed[..at].rfind('\n').map_or(0, |i| i + 1);
    let listed = format!("{}        {file}::RACE,\n{}", &listed[..line_start], &listed[line_start..]);
    let updated =
        with_mod_line(&listed, &file).ok_or_else(|| format!("{} has no `pub mod` lines", registry.display()))?;
    // All or nothing: each file is written beside its place first, then moved into place; a
    // failure at any point removes what this call wrote, so a second try starts clean.
    let staged = [(model.clone(), fill(MODEL)), (scenario.clone(), fill(SCENARIO)), (registry.clone(), updated)];
    let mut written: Vec<PathBuf> = Vec::new();
    let mut result = Ok(());
    for (path, text) in &staged {
        let temp = path.with_extension("racecheck-new");
        let step = std::fs::write(&temp, text)
            .and_then(|()| std::fs::rename(&temp, path))
            .map_err(|e| format!("cannot write {}: {e}", path.display()));
        let _ = std::fs::remove_file(&temp);
        if let Err(e) = step {
            result = Err(e);
            break;
        }
        written.push(path.clone());
    }
    if let Err(e) = result {
        for path in written {
            if path == registry {
                let _ = std::fs::write(&registry, &before);
            } else {
                let _ = std::fs::remove_file(&path);
            }
        }
        return Err(e);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder for one test.
    fn fresh(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("racecheck-scaffold-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        dir
    }

    #[test]
    fn a_registry_without_a_layout_is_refused_and_nothing_is_written() {
        let root = fresh("no-layout");
        let err = new_race(&Registry::new(), &root, &root.join("scenarios"), "stale-exit").expect_err("refused");
        assert!(err.contains("no layout for new races") && !err.contains('\n'), "{err}");
        assert_eq!(std::fs::read_dir(&root).expect("the folder").count(), 0);
    }

    #[test]
    fn a_crate_of_its_own_gets_its_race_under_src_races_naming_the_world_as_models() {
        let root = fresh("crate");
        std::fs::create_dir_all(root.join("src/races")).expect("src/races");
        std::fs::create_dir_all(root.join("scenarios")).expect("scenarios");
        let listed = format!("pub mod sell_twice;\n\npub fn all() -> Vec<&'static dyn Race> {{\n    vec![\n        sell_twice::RACE,\n        {MARKER}\n    ]\n}}\n");
        std::fs::write(root.join("src/races/mod.rs"), listed).expect("mod.rs");
        let registry = Registry::new().with_layout(Layout::CRATE);
        let made = new_race(&registry, &root, &root.join("scenarios"), "stale-exit").expect("written");
        assert_eq!(made.model, root.join("src/races/stale_exit.rs"));
        let model = std::fs::read_to_string(&made.model).expect("the model");
        assert!(model.contains("use models::world::{") && !model.contains("crate::world"), "{model}");
        let scenario = std::fs::read_to_string(root.join("scenarios/stale-exit.toml")).expect("the scenario");
        assert!(scenario.starts_with("# stale exit: see src/races/stale_exit.rs"), "{scenario}");
        let registry = std::fs::read_to_string(root.join("src/races/mod.rs")).expect("mod.rs");
        assert!(registry.contains("pub mod sell_twice;\npub mod stale_exit;\n"), "{registry}");
        assert!(registry.contains("        stale_exit::RACE,\n        // racecheck new"), "{registry}");
        std::fs::remove_dir_all(&root).expect("clean up");
    }
}
