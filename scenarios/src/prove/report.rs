//! The text of a proof, as `racecheck prove` prints it and `reports/prove/` keeps it: for each
//! variant, the worlds it holds in and how each was searched, or its smallest failing world with
//! the fewest-preemptions replay handle and trace. Deterministic: no timings, no paths.

use std::fmt::Write as _;

use super::{Checked, Method, Prove, VariantProof};

/// The scenario file a failing world was written to: its name relative to the scenario folder,
/// and what became of it.
pub type FileNote = (&'static str, String);

/// The proof's text; `files` names, per variant, the scenario file of its failing world.
pub fn render(p: &Prove, worlds: usize, proofs: &[VariantProof], files: &[FileNote]) -> String {
    let mut t = String::new();
    let dims: Vec<&str> = p.space.dims.iter().map(|d| d.name).collect();
    let _ = writeln!(t, "prove {}: {worlds} worlds of size <= {} over {}", p.race.id(), p.size, dims.join(", "));
    for v in proofs {
        let expected = if v.expected_to_hold { "expected to hold" } else { "expected to fail" };
        match v.failure() {
            None => holds(&mut t, p, v, expected),
            Some(c) => fails(&mut t, v, c, expected, files.iter().find(|(n, _)| *n == v.variant).map(|f| f.1.as_str())),
        }
    }
    t
}

fn holds(t: &mut String, p: &Prove, v: &VariantProof, expected: &str) {
    let n = v.checked.len();
    let how: Vec<String> = v
        .methods()
        .iter()
        .map(|(m, k)| match m {
            Method::LoomUnbounded => format!("every interleaving by loom unbounded in {k}"),
            Method::Dfs => format!("every interleaving by dfs in {k}"),
            Method::LoomBounded => format!("every interleaving with <= 3 preemptions by loom in {k}"),
            Method::Incomplete => format!("no search completed in {k}"),
        })
        .collect();
    let every = v.methods().iter().all(|(m, _)| matches!(m, Method::LoomUnbounded | Method::Dfs));
    let claim = if every { "holds for all" } else { "no failure in" };
    let _ = writeln!(t, "{} ({expected}): {claim} {n} worlds of size <= {} ({})", v.variant, p.size, how.join("; "));
    let vacuous = v.vacuous();
    if vacuous > 0 {
        let _ = writeln!(t, "  of which {vacuous} never reach the race window");
    }
}

fn fails(t: &mut String, v: &VariantProof, c: &Checked, expected: &str, file: Option<&str>) {
    let verdict = c.verdict();
    let _ = writeln!(
        t,
        "{} ({expected}): {verdict} in world {} of size {} (the first failing world in canonical order; the {} before it hold)",
        v.variant,
        c.id,
        c.world.size,
        c.index
    );
    if let Some(file) = file {
        let _ = writeln!(t, "  scenario: {file}");
    }
    for line in c.world.params.to_string().lines() {
        let _ = writeln!(t, "    {line}");
    }
    let o = &c.outcome;
    let _ = writeln!(t, "  found by {}: {}", c.method.name(), o.verdict);
    let trace = match &o.minimal {
        Some(m) => {
            let _ = writeln!(t, "  fewest preemptions ({}): racecheck replay {}", m.preemptions, m.handle);
            Some(&m.trace)
        }
        None => {
            if let Some(h) = &o.handle {
                let _ = writeln!(t, "  as found: racecheck replay {h}");
            }
            o.trace.as_ref()
        }
    };
    if let Some(trace) = trace {
        for line in trace.render().lines() {
            let _ = writeln!(t, "    {line}");
        }
    }
}
