//! `racecheck soak`: a deep search over many seeds and generated worlds, cut into shards that
//! separate machines (a CI job matrix) run alone, and that [`crate::merge`] puts back together.
//!
//! A soak is a canonical, sorted list of [`Item`]s — scenario × variant × randomized scheduler of
//! its portfolio (random, pct, urw: the exhaustive ones are deterministic and belong to the gate)
//! × seed, then, with `--worlds N`, the same for N generated worlds per race that has a world
//! generator, each world drawn from its seed. Seeds vary fastest. Shard K of N runs the items
//! whose index is K−1 modulo N: for the same soak the list is the same, so an item always lands in
//! the same shard and any shard can be re-run alone; and since consecutive seeds of one
//! (scenario, variant, scheduler) go to consecutive shards, every shard gets an equal share of
//! each group's cost (a stable hash of the key would keep an item's shard when the list changes,
//! but balance the shards only statistically, and a merge refuses shards of different lists anyway).
//!
//! A shard file ([`ShardFile`]) holds the soak's [`Params`] (with each scenario's expectations),
//! N and K, and every item it ran with its key, its index in the whole list and its outcome. No
//! timings, no paths: the same soak gives the same bytes.

use harness::isolate::{self, Job};
use harness::{Exploration, Outcome, Race, Strategy};
use proptest::strategy::{Strategy as _, ValueTree as _};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::{Deserialize, Serialize};

use crate::run::{child_args, Runner};
use crate::scenario::Scenario;
use crate::Registry;

/// The format tag every shard file carries.
pub const FORMAT: &str = "racecheck-soak/1";

/// A scenario as the soak ran it: what merge needs to judge its items without the files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// The scenario id.
    pub id: String,
    /// Its race.
    pub race: String,
    /// The expected verdict of each variant, in the race's variant order.
    pub expect: Vec<(String, String)>,
}

/// What a soak runs: every shard of one soak has the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// The scenarios, sorted by id.
    pub scenarios: Vec<ScenarioInfo>,
    /// The first seed.
    pub seed_from: u64,
    /// One past the last seed.
    pub seed_to: u64,
    /// Generated worlds per race with a world generator, per seed.
    pub worlds: u32,
    /// How many items the whole soak has.
    pub items: usize,
}

/// A generated world an item runs on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct World {
    /// Which of the seed's worlds (from 0).
    pub index: u32,
    /// Its scenario id, `<race>-<hash>`: the target of its handles, and the stem of the regression
    /// scenario a failure writes under `fuzz/`.
    pub id: String,
    /// The world, as a scenario's `[params]` in TOML.
    pub params: String,
}

/// One exploration of a soak.
#[derive(Clone, Debug)]
pub struct Item {
    /// Its place in the canonical list.
    pub index: usize,
    /// Its key: `<scenario>[/world-<w>]/<variant>/<scheduler>`.
    pub key: String,
    /// The scenario it belongs to (a world: the scenario whose portfolio it runs).
    pub scenario: String,
    /// The generated world, if it runs on one.
    pub world: Option<World>,
    /// The variant.
    pub variant: &'static str,
    /// The seed.
    pub seed: u64,
    /// The exploration.
    pub exploration: Exploration,
    /// The arguments of the child that runs it (a scenario file's path: never written out).
    args: Vec<String>,
}

/// One item's result, as a shard file keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    /// The item's index in the whole list.
    pub index: usize,
    /// The item's key.
    pub key: String,
    /// The scenario.
    pub scenario: String,
    /// The generated world, if any.
    pub world: Option<World>,
    /// The variant.
    pub variant: String,
    /// The seed.
    pub seed: u64,
    /// The exploration.
    pub exploration: Exploration,
    /// What it found.
    pub outcome: Outcome,
}

/// One shard's file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardFile {
    /// [`FORMAT`].
    pub format: String,
    /// The soak.
    pub soak: Params,
    /// How many shards (N).
    pub shards: u32,
    /// Which shard this is (K, from 1).
    pub shard: u32,
    /// The items it ran, in index order.
    pub items: Vec<Done>,
}

impl ShardFile {
    /// The file's text: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a shard always serializes");
        text.push('\n');
        text
    }
}

/// A world's id: the race and FNV-1a of its TOML text, as `racecheck fuzz` names its worlds.
fn world_id(race: &str, params: &str) -> String {
    let hash = params.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{race}-{:08x}", hash as u32)
}

/// World `index` of seed `seed` for `race`: drawn by its generator (from `registry`'s world
/// space of it) from a ChaCha stream seeded by both; a world the race refuses is drawn again (the
/// next attempt is part of the seed).
pub fn world(registry: &Registry, race: &'static dyn Race, seed: u64, index: u32) -> Option<World> {
    let strategy = registry.space(race.id())?.strategy();
    for attempt in 0..64u32 {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..12].copy_from_slice(&index.to_le_bytes());
        bytes[12..16].copy_from_slice(&attempt.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
        let mut runner = TestRunner::new_with_rng(Config::default(), rng);
        let table = strategy.new_tree(&mut runner).ok()?.current();
        let params = toml::to_string(&table).ok()?;
        let id = world_id(race.id(), &params);
        let fits = race.variants().iter().all(|v| race.model(&format!("{id}/{v}"), v, &table).is_ok());
        if fits {
            return Some(World { index, id, params });
        }
    }
    None
}

/// Whether a scheduler is a randomized one, the kind a soak runs.
fn randomized(strategy: &Strategy) -> bool {
    matches!(strategy, Strategy::Random { .. } | Strategy::Pct { .. } | Strategy::Urw { .. })
}

/// `strategy` with seed `seed`.
fn reseeded(strategy: &Strategy, seed: u64) -> Strategy {
    let mut s = strategy.clone();
    if let Strategy::Random { seed: old } | Strategy::Urw { seed: old } | Strategy::Pct { seed: old, .. } = &mut s {
        *old = seed;
    }
    s
}

/// The soak's parameters and its whole canonical item list. `scenarios` are sorted by id here;
/// the generated worlds come from `registry`'s world spaces.
pub fn plan(
    registry: &Registry,
    scenarios: &mut [Scenario],
    seeds: std::ops::Range<u64>,
    worlds: u32,
) -> (Params, Vec<Item>) {
    scenarios.sort_by(|a, b| a.id.cmp(&b.id));
    let mut items = Vec::new();
    let mut push = |scenario: &str, variant: &'static str, e: &Exploration, args: &[String]| {
        for seed in seeds.clone() {
            let mut exploration = e.clone();
            exploration.strategy = reseeded(&e.strategy, seed);
            items.push(Item {
                index: items.len(),
                key: format!("{scenario}/{variant}/{}", exploration.strategy),
                scenario: scenario.to_owned(),
                world: None,
                variant,
                seed,
                exploration,
                args: args.to_vec(),
            });
        }
    };
    for s in scenarios.iter() {
        for variant in s.race.variants() {
            for e in s.schedulers.iter().filter(|e| randomized(&e.exploration.strategy)) {
                push(&s.id, variant, &e.exploration, &child_args(s, variant));
            }
        }
    }
    // Worlds: per race with a generator, under the portfolio of its first scenario (by id).
    let mut races: Vec<&Scenario> = Vec::new();
    for s in scenarios.iter() {
        if registry.space(s.race.id()).is_some() && !races.iter().any(|r| r.race.id() == s.race.id()) {
            races.push(s);
        }
    }
    races.sort_by_key(|s| s.race.id());
    for s in races {
        for w in 0..worlds {
            for variant in s.race.variants() {
                for e in s.schedulers.iter().filter(|e| randomized(&e.exploration.strategy)) {
                    // Each seed has its own world.
                    for seed in seeds.clone() {
                        let Some(world) = world(registry, s.race, seed, w) else { continue };
                        let mut exploration = e.exploration.clone();
                        exploration.strategy = reseeded(&exploration.strategy, seed);
                        let args = ["__world", s.race.id(), &world.id, variant, &world.params].map(str::to_owned);
                        items.push(Item {
                            index: items.len(),
                            key: format!("{}/world-{w}/{variant}/{}", s.id, exploration.strategy),
                            scenario: s.id.clone(),
                            world: Some(world),
                            variant,
                            seed,
                            exploration,
                            args: args.to_vec(),
                        });
                    }
                }
            }
        }
    }
    let params = Params {
        scenarios: scenarios
            .iter()
            .map(|s| ScenarioInfo {
                id: s.id.clone(),
                race: s.race.id().to_owned(),
                expect: s.expect.iter().map(|(v, e)| ((*v).to_owned(), e.name().to_owned())).collect(),
            })
            .collect(),
        seed_from: seeds.start,
        seed_to: seeds.end,
        worlds,
        items: items.len(),
    };
    (params, items)
}

/// The items of shard `k` (from 1) of `n`: those whose index is `k − 1` modulo `n`.
pub fn shard(items: Vec<Item>, k: u32, n: u32) -> Vec<Item> {
    items.into_iter().filter(|i| i.index % n as usize == (k - 1) as usize).collect()
}

/// Runs `items`, `runner.jobs` children at once, calling `progress` with each outcome as it comes
/// in; results in item order.
pub fn run(runner: &Runner, items: &[Item], progress: impl FnMut(&Outcome) + Send) -> Vec<Done> {
    let explore = |index: usize| {
        let item = &items[index];
        isolate::run_in_child(&runner.program, &item.args, &Job::Explore(item.exploration.clone()))
    };
    let outcomes = crate::run::in_parallel(runner.jobs, items.len(), explore, progress);
    items
        .iter()
        .zip(outcomes)
        .map(|(i, o)| Done {
            index: i.index,
            key: i.key.clone(),
            scenario: i.scenario.clone(),
            world: i.world.clone(),
            variant: i.variant.to_owned(),
            seed: i.seed,
            exploration: i.exploration.clone(),
            outcome: o,
        })
        .collect()
}
