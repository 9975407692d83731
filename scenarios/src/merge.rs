//! `racecheck merge`: shard files of one soak (see [`crate::soak`]) back into one soak, judged.
//!
//! The shards are checked first — one format, one soak, one N, every K from 1 to N exactly once,
//! every item index exactly once — and their items sorted by index: whatever the number of shards
//! and the order of the files, the merged soak is the unsharded one, and its report the same bytes.
//!
//! Judgement. A soak judges each scenario variant **per seed**: the variant's verdict at a seed is
//! [`Expected::of`] the outcomes of its randomized schedulers at that seed (the gate's portfolio
//! without the exhaustive searches). A seed contradicts the variant's expectation when the variant
//! was expected not to fail (`holds`, `holds-sampled`, `vacuous`) and the seed found a failure, or
//! was expected to fail and the seed found another verdict (missed it, or failed otherwise).
//!
//! A generated world has no expectation of its own. A variant is expected not to fail on it only
//! when *every* scenario of its race in the soak expects it not to fail — as a proof expects a
//! variant to hold in every world only when its race's scenarios say so: a fix that some scenario
//! pins as failing (the cooldown lock whose expiry a slow broker outlasts) is known to fail in some
//! worlds, and another such world is no news; the world's expectation is then that scenario's
//! failure (the first by scenario id). A world contradicts only when a variant expected not to fail
//! on it fails; a flawed variant that some world does not break is no news either. So a nightly
//! soak turns red on a fix that fails where no scenario says it may, not every night on the flaws
//! the gate already pins.

use std::collections::BTreeMap;

use harness::Outcome;

use crate::expect::Expected;
use crate::soak::{Done, Params, ShardFile, World, FORMAT};

/// One variant at one seed (of a scenario, or of a generated world): its items, judged.
#[derive(Debug)]
pub struct Judged<'a> {
    /// The scenario (for a world, the one whose portfolio it ran).
    pub scenario: &'a str,
    /// The generated world, if any.
    pub world: Option<&'a World>,
    /// The variant.
    pub variant: &'a str,
    /// The seed.
    pub seed: u64,
    /// Its items, in portfolio order.
    pub items: Vec<&'a Done>,
    /// The variant's expectation.
    pub expected: Expected,
    /// What its items concluded.
    pub verdict: Expected,
}

impl Judged<'_> {
    /// Whether this seed contradicts the expectation (see the module's rule).
    pub fn contradicts(&self) -> bool {
        match (self.world.is_some(), self.expected.is_failure()) {
            (_, false) => self.verdict.is_failure(),
            (true, true) => false,
            (false, true) => self.verdict != self.expected,
        }
    }

    /// The first failing item, the one whose failure the verdict names.
    pub fn failing(&self) -> Option<&Done> {
        self.items.iter().copied().find(|d| d.outcome.verdict.is_failure())
    }
}

/// A merged soak.
#[derive(Debug)]
pub struct Merged {
    /// The soak's parameters.
    pub soak: Params,
    /// Every item, in index order.
    pub items: Vec<Done>,
}

impl Merged {
    /// Every variant × seed judged, in item order.
    pub fn judged(&self) -> Vec<Judged<'_>> {
        let expect: BTreeMap<(&str, &str), Expected> = self
            .soak
            .scenarios
            .iter()
            .flat_map(|s| s.expect.iter().map(move |(v, e)| ((s.id.as_str(), v.as_str()), e)))
            .filter_map(|(k, e)| Some((k, Expected::from_name(e)?)))
            .collect();
        // Per race and variant, the first failure a scenario expects (scenarios are sorted by id):
        // what a generated world of that race expects of the variant (see the module docs).
        let race: BTreeMap<&str, &str> = self.soak.scenarios.iter().map(|s| (s.id.as_str(), s.race.as_str())).collect();
        let mut fails_in_some_world: BTreeMap<(&str, &str), Expected> = BTreeMap::new();
        for ((scenario, variant), e) in &expect {
            if let (true, Some(race)) = (e.is_failure(), race.get(scenario)) {
                fails_in_some_world.entry((race, variant)).or_insert(*e);
            }
        }
        let mut groups: Vec<Judged<'_>> = Vec::new();
        let mut at: BTreeMap<(&str, Option<&str>, &str, u64), usize> = BTreeMap::new();
        for d in &self.items {
            let Some(&base) = expect.get(&(d.scenario.as_str(), d.variant.as_str())) else { continue };
            let elsewhere =
                race.get(d.scenario.as_str()).and_then(|r| fails_in_some_world.get(&(*r, d.variant.as_str())));
            let expected = match (&d.world, elsewhere) {
                (Some(_), Some(&failure)) if !base.is_failure() => failure,
                _ => base,
            };
            let key = (d.scenario.as_str(), d.world.as_ref().map(|w| w.id.as_str()), d.variant.as_str(), d.seed);
            let i = *at.entry(key).or_insert_with(|| {
                groups.push(Judged {
                    scenario: &d.scenario,
                    world: d.world.as_ref(),
                    variant: &d.variant,
                    seed: d.seed,
                    items: Vec::new(),
                    expected,
                    verdict: expected,
                });
                groups.len() - 1
            });
            groups[i].items.push(d);
        }
        for g in &mut groups {
            g.verdict = Expected::of(g.items.iter().map(|d| &d.outcome)).expect("a group has an item");
        }
        groups
    }

    /// How many executions the soak ran.
    pub fn executions(&self) -> u64 {
        self.items.iter().map(|d| d.outcome.executions).sum()
    }
}

/// One shard file, read: its name (as given) and contents.
pub type Named = (String, ShardFile);

/// Reads a shard file's text; the error names the file and what was expected.
pub fn parse(name: &str, text: &str) -> Result<ShardFile, String> {
    let file: ShardFile = serde_json::from_str(text).map_err(|e| {
        format!("{name}: not a racecheck soak shard file (expected the JSON `racecheck soak` writes): {e}")
    })?;
    if file.format != FORMAT {
        return Err(format!("{name}: format `{}`; expected `{FORMAT}`", file.format));
    }
    Ok(file)
}

/// Merges shard files into one soak: an error names the files that are missing, duplicated, or
/// of another soak.
pub fn merge(files: Vec<Named>) -> Result<Merged, String> {
    let Some((first_name, first)) = files.first() else {
        return Err("no shard files; expected one or more files written by `racecheck soak`".into());
    };
    for (name, f) in &files[1..] {
        if f.soak != first.soak {
            return Err(format!(
                "shards of different soaks: {first_name} and {name} differ in {}",
                differs(&first.soak, &f.soak)
            ));
        }
        if f.shards != first.shards {
            return Err(format!(
                "shards of different splits: {first_name} is one of {} shards, {name} one of {}",
                first.shards, f.shards
            ));
        }
    }
    let n = first.shards;
    let mut by_k: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for (name, f) in &files {
        if f.shard == 0 || f.shard > n {
            return Err(format!("{name}: shard {}/{n} is out of range; expected 1..={n}", f.shard));
        }
        by_k.entry(f.shard).or_default().push(name);
    }
    if let Some((k, names)) = by_k.iter().find(|(_, names)| names.len() > 1) {
        return Err(format!("shard {k}/{n} given more than once: {}", names.join(", ")));
    }
    let missing: Vec<String> = (1..=n).filter(|k| !by_k.contains_key(k)).map(|k| format!("{k}/{n}")).collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing shard(s) {} of this soak; expected every shard from 1/{n} to {n}/{n}",
            missing.join(", ")
        ));
    }
    let soak = first.soak.clone();
    let mut slots: Vec<Option<Done>> = vec![None; soak.items];
    for (name, f) in files {
        for d in f.items {
            let wrong = d.index % n as usize != (f.shard - 1) as usize;
            match slots.get_mut(d.index) {
                Some(slot @ None) if !wrong => *slot = Some(d),
                _ => {
                    return Err(format!("{name}: item {} (`{}`) does not belong there or is repeated", d.index, d.key))
                }
            }
        }
    }
    let items: Vec<Done> = slots.iter().flatten().cloned().collect();
    if items.len() != soak.items {
        let first_missing = slots.iter().position(Option::is_none).unwrap_or_default();
        return Err(format!(
            "{} of {} items are missing (the first is item {first_missing}); a shard file was cut short",
            soak.items - items.len(),
            soak.items
        ));
    }
    Ok(Merged { soak, items })
}

/// What two soaks differ in, in words.
fn differs(a: &Params, b: &Params) -> String {
    let mut what = Vec::new();
    if a.scenarios != b.scenarios {
        what.push("their scenarios or expectations");
    }
    if (a.seed_from, a.seed_to) != (b.seed_from, b.seed_to) {
        what.push("their seeds");
    }
    if a.worlds != b.worlds {
        what.push("their worlds");
    }
    if what.is_empty() {
        what.push("their items");
    }
    what.join(", ")
}

/// The handle and trace a failure is shown with: the fewest-preemptions one when the outcome has
/// it, else the one as found.
pub fn shown(o: &Outcome) -> (Option<String>, Option<&harness::Trace>, String) {
    match &o.minimal {
        Some(m) => (Some(m.handle.to_string()), Some(&m.trace), format!("fewest preemptions ({})", m.preemptions)),
        None => (o.handle.as_ref().map(ToString::to_string), o.trace.as_ref(), "as found".to_owned()),
    }
}
