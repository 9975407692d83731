//! The nightly soak workflow: its shards and its merge job agree with the command line.

use yaml_rust2::{Yaml, YamlLoader};

fn workflow() -> Yaml {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../.github/workflows/soak.yml");
    let text = std::fs::read_to_string(path).expect("the soak workflow");
    YamlLoader::load_from_str(&text).expect("valid YAML").remove(0)
}

/// The `run` lines of a job's steps.
fn runs(job: &Yaml) -> Vec<String> {
    job["steps"].as_vec().expect("steps").iter().filter_map(|s| s["run"].as_str()).map(str::to_owned).collect()
}

#[test]
fn soak_workflow_runs_every_shard_and_merges_them_with_racecheck_merge() {
    let w = workflow();
    let shards = w["env"]["SHARDS"].as_i64().expect("env.SHARDS");
    let matrix: Vec<i64> = w["jobs"]["shard"]["strategy"]["matrix"]["shard"]
        .as_vec()
        .expect("a shard matrix")
        .iter()
        .filter_map(Yaml::as_i64)
        .collect();
    assert_eq!(matrix, (1..=shards).collect::<Vec<_>>(), "the matrix must list every shard 1..=SHARDS");
    let soak = runs(&w["jobs"]["shard"]).join("\n");
    assert!(soak.contains("racecheck soak") && soak.contains("--shard \"${{ matrix.shard }}/$SHARDS\""), "{soak}");
    let merge = &w["jobs"]["merge"];
    assert_eq!(merge["needs"].as_str(), Some("shard"));
    let lines = runs(merge).join("\n");
    assert!(lines.lines().any(|l| l.contains("racecheck") && l.contains(" merge ")), "{lines}");
    assert!(lines.contains("--format junit"), "{lines}");
    assert!(lines.contains("exit \"${PIPESTATUS[0]}\""), "the merge step must fail on a contradiction: {lines}");
}
