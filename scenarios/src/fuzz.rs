//! `racecheck fuzz`: generated worlds × explored schedules, shrunk to the smallest failing world
//! and then to the schedule with the fewest preemptions.
//!
//! For each world proptest draws from the race's world space (see `models::worlds`), the harness explores the variant with
//! PCT, seeded from the world itself, so a world always gets the same schedules. A failing world
//! shrinks (proptest) while it still fails; the smallest is explored once more, its failure
//! minimised by preemption bounding, and written as a scenario file under `<scenarios>/fuzz/`,
//! so that its replay handle reproduces it bit for bit like any other. proptest keeps the seed of
//! every failing case in `<scenarios>/fuzz/<race>.proptest-regressions`, and runs those first,
//! forever.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use harness::{Exploration, Outcome, Race, Strategy};
use models::worlds::Space;

use crate::expect::Expected;
use proptest::test_runner::{
    Config, FileFailurePersistence, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};

/// What to fuzz.
#[derive(Clone)]
pub struct Fuzz {
    /// The race.
    pub race: &'static dyn Race,
    /// Its world space, which the worlds are drawn from.
    pub space: Space,
    /// The variant whose worlds are generated.
    pub variant: String,
    /// How many worlds.
    pub cases: u32,
    /// The seed of the world generator.
    pub seed: u64,
    /// PCT executions per world.
    pub budget: u64,
    /// PCT's depth.
    pub depth: usize,
    /// Whether an existing scenario file of the failing world may be rewritten.
    pub force: bool,
}

impl std::fmt::Debug for Fuzz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fuzz").field("race", &self.race.id()).field("variant", &self.variant).finish_non_exhaustive()
    }
}

/// A failing world, shrunk, with its scenario file and its outcome.
#[derive(Debug)]
pub struct Found {
    /// The shrunk world.
    pub world: toml::Table,
    /// The scenario file of the world.
    pub scenario: PathBuf,
    /// What became of that file.
    pub written: Written,
    /// Its scenario id (the file stem), the target of its replay handles.
    pub id: String,
    /// The exploration that fails on it, with its minimal counterexample.
    pub outcome: Outcome,
}

/// What became of a failing world's scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// It did not exist, and was written.
    New,
    /// It existed with the same text: nothing to write.
    Unchanged,
    /// It existed with other text and was left as it was (no `--force`).
    Kept,
    /// It existed with other text and was rewritten (`--force`): the diff is the user's to review.
    Rewritten,
}

/// A world's own seed for PCT: FNV-1a of its TOML text.
pub fn world_seed(world: &toml::Table) -> u64 {
    let text = toml::to_string(world).unwrap_or_default();
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    // A scenario file writes the seed as a TOML integer, which is signed: keep it below 2^63.
    hash & (i64::MAX as u64)
}

fn exploration(f: &Fuzz, world: &toml::Table) -> Exploration {
    Exploration::new(Strategy::Pct { seed: world_seed(world), depth: f.depth }, f.budget)
}

fn explore(f: &Fuzz, target: &str, variant: &str, world: &toml::Table) -> Result<Outcome, String> {
    let model = f.race.model(target, variant, world).map_err(|e| e.to_string())?;
    Ok(harness::explore(&model, &exploration(f, world)))
}

/// Runs the fuzzer; `Ok(None)` when no world failed.
pub fn run(f: &Fuzz, scenarios: &Path) -> Result<Option<Found>, String> {
    let strategy = f.space.strategy();
    f.race.check_variant(&f.variant).map_err(|e| e.to_string())?;
    let dir = scenarios.join("fuzz");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let regressions = dir.join(format!("{}.proptest-regressions", f.race.id()));
    let regressions: &'static str = Box::leak(regressions.display().to_string().into_boxed_str());
    let config = Config {
        cases: f.cases,
        max_shrink_iters: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        source_file: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let seed: Vec<u8> = f.seed.to_le_bytes().iter().copied().cycle().take(32).collect();
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let target = format!("fuzz/{}", f.variant);
    let result = runner.run(&strategy, |world| match explore(f, &target, &f.variant, &world) {
        Err(refused) => Err(TestCaseError::reject(refused)),
        Ok(o) if o.verdict.is_failure() => Err(TestCaseError::fail(o.verdict.to_string())),
        Ok(_) => Ok(()),
    });
    let world = match result {
        Ok(()) => return Ok(None),
        Err(TestError::Fail(_, world)) => world,
        Err(TestError::Abort(why)) => return Err(format!("the fuzzer stopped: {why}")),
    };
    let id = world_id(f.race, &world);
    let outcome = explore(f, &format!("{id}/{}", f.variant), &f.variant, &world)?;
    let note = format!("generated by racecheck fuzz (seed {}, variant {}), shrunk", f.seed, f.variant);
    let header = format!("A world `racecheck fuzz {}` generated and shrunk", f.race.id());
    let file = WorldFile { race: f.race, id: &id, header: &header, note: &note, world: &world };
    let portfolio = portfolio(f, &world);
    let (scenario, written) = file.write(&dir, &portfolio, f.force, &mut |variant| {
        let model = f.race.model(&format!("{id}/{variant}"), variant, &world).map_err(|e| e.to_string())?;
        let outcomes: Vec<Outcome> = portfolio.iter().map(|e| harness::explore(&model, e)).collect();
        Ok(Expected::of(&outcomes).expect("a portfolio is never empty"))
    })?;
    Ok(Some(Found { world, scenario, written, id, outcome }))
}

/// The portfolio a generated world's scenario file runs: the fuzzer's own PCT exploration, and
/// loom (bounded at 3 preemptions) where the race fits loom's threads, so that a variant that
/// holds can be expected to `holds` — proved for that world — rather than `holds-sampled`.
fn portfolio(f: &Fuzz, world: &toml::Table) -> Vec<Exploration> {
    let mut all = vec![exploration(f, world)];
    if f.race.threads() < harness::explore::LOOM_MAX_THREADS {
        all.push(Exploration::new(Strategy::Loom { preemption_bound: Some(3) }, LOOM_BUDGET));
    }
    all
}

/// The budget of a generated world's loom search: far above what these small worlds need.
const LOOM_BUDGET: u64 = 20_000;

/// The id of a generated world's scenario file: `<race>-<hash of its parameters>`.
pub fn world_id(race: &dyn Race, world: &toml::Table) -> String {
    format!("{}-{:08x}", race.id(), world_seed(world) as u32)
}

/// A generated world's scenario file, under `<scenarios>/fuzz/<id>.toml`: its parameters, the
/// portfolio that found it and, as every variant's expectation, what that portfolio concludes.
pub struct WorldFile<'a> {
    /// The race.
    pub race: &'a dyn Race,
    /// The scenario id (the file stem).
    pub id: &'a str,
    /// What made the world, for the file's opening comment.
    pub header: &'a str,
    /// The same for its `notes`.
    pub note: &'a str,
    /// The world's `[params]`.
    pub world: &'a toml::Table,
}

impl WorldFile<'_> {
    /// Writes the file under `dir` (the `fuzz/` folder) unless it exists with other text and
    /// `force` is off; `verdict` concludes each variant under `portfolio`.
    pub fn write(
        &self,
        dir: &Path,
        portfolio: &[Exploration],
        force: bool,
        verdict: &mut dyn FnMut(&str) -> Result<Expected, String>,
    ) -> Result<(PathBuf, Written), String> {
        let scenario = dir.join(format!("{}.toml", self.id));
        let text = self.text(portfolio, verdict)?;
        let written = match std::fs::read_to_string(&scenario) {
            Ok(old) if old == text => Written::Unchanged,
            Ok(_) if !force => Written::Kept,
            Ok(_) => Written::Rewritten,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Written::New,
            Err(e) => return Err(format!("cannot read {}: {e}", scenario.display())),
        };
        if matches!(written, Written::New | Written::Rewritten) {
            std::fs::write(&scenario, text).map_err(|e| format!("cannot write {}: {e}", scenario.display()))?;
        }
        Ok((scenario, written))
    }

    /// The file's text: an expectation the file's own schedulers can meet.
    fn text(
        &self,
        portfolio: &[Exploration],
        verdict: &mut dyn FnMut(&str) -> Result<Expected, String>,
    ) -> Result<String, String> {
        let (id, race) = (self.id, self.race.id());
        let mut text = format!(
            "# {}; replay its findings with\n# `racecheck replay {id}/<variant>/...`.\nrace = \"{race}\"\nnotes = [\"{}\"]\n\n",
            self.header, self.note
        );
        let params =
            toml::to_string(&toml::Table::from_iter([("params".to_owned(), toml::Value::Table(self.world.clone()))]))
                .map_err(|e| e.to_string())?;
        text.push_str(&params);
        for e in portfolio {
            let settings = match e.strategy {
                Strategy::Pct { seed, depth } => format!("scheduler = \"pct\"\ndepth = {depth}\nseed = {seed}\n"),
                Strategy::Loom { preemption_bound: Some(b) } => {
                    format!("scheduler = \"loom\"\npreemption_bound = {b}\n")
                }
                Strategy::Loom { preemption_bound: None } => "scheduler = \"loom\"\n".to_owned(),
                Strategy::Dfs => "scheduler = \"dfs\"\n".to_owned(),
                _ => unreachable!("a generated world runs PCT, loom or DFS"),
            };
            let _ = write!(text, "\n[[schedulers]]\n{settings}budget = {}\n", e.budget);
        }
        text.push_str("\n[expect]\n");
        for variant in self.race.variants() {
            let _ = writeln!(text, "{variant} = \"{}\"", verdict(variant)?);
        }
        Ok(text)
    }
}
