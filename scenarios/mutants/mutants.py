#!/usr/bin/env python3
"""The gate's own mutation check: plant a regression, see the gate turn red.

Each mutant below is one deliberate regression of the harness, the simulated world or a fix.
For each, this script copies the repository's tracked files into a scratch folder, applies the
mutant (an exact text replacement that must match once), builds that copy's `racecheck`, runs
`racecheck run` over every scenario and committed world, and expects exit code 1: an
expectation failed. A mutant the gate misses (exit 0) is a hole in the gate; say so.

    python3 scenarios/mutants/mutants.py            # every mutant (about 15 minutes on 2 cores)
    python3 scenarios/mutants/mutants.py pct-depth-1 service-no-point   # some of them
    MUTANT_SCENARIOS="selftest world-faults" python3 scenarios/mutants/mutants.py   # the pins only

It is documented rather than part of .ci/run: every mutant rebuilds a copy of the workspace.
The scratch folder and its target directory live under target/mutants/, so rebuilds are
incremental. No snapshot is involved: the exit code alone says whether the gate caught it.
"""

import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.path.join(ROOT, "target", "mutants")

# name: (file, old text, new text, why the gate must catch it)
MUTANTS = {
    "pct-depth-1": (
        "harness/src/explore/shuttle.rs",
        "run_with(model, PctScheduler::new_from_seed(seed, depth, iterations), e, false)",
        "run_with(model, PctScheduler::new_from_seed(seed, 1, iterations), e, false)",
        "PCT forced to depth 1 finds no preemption bug: selftest pins pct to find lost-update",
    ),
    "service-no-point": (
        "harness/src/sync/service.rs",
        "    state: Mutex<S>,\n}",
        "    state: std::sync::Mutex<S>,\n}",
        "Service::call no longer a scheduling point: selftest service-only must be violated",
    ),
    "loom-bound-ignored": (
        "harness/src/explore/loom.rs",
        "b.preemption_bound = preemption_bound;",
        "b.preemption_bound = None;",
        "loom run without its bound: selftest pins loom(<=1) to prove two-preemptions absent",
    ),
    "dfs-never-completes": (
        "harness/src/explore/shuttle.rs",
        "completed: ran.completed && !failed,",
        "completed: false,",
        "an exhaustive search that never says complete: no `holds` can be proved",
    ),
    "window-never-reached": (
        "harness/src/check.rs",
        "        if !reached.contains(&label) {\n            reached.push(label);\n        }",
        "        let _ = (&mut reached, label);",
        "race windows never reached: every holds becomes vacuous",
    ),
    "broker-cancels-filled": (
        "models/src/world/broker.rs",
        "Some(o) if o.status == Status::Live => {\n                    o.status = Status::Cancelled;",
        "Some(o) => {\n                    o.status = Status::Cancelled;",
        "the broker accepts a cancel of a filled order: world-faults cancel-filled must hold",
    ),
    "timeout-without-effect": (
        "models/src/world/broker.rs",
        "b.behaviour.timeouts -= 1;",
        "b.behaviour.timeouts -= 1;\n                b.orders.remove(&id);",
        "a timed-out order no longer takes effect: world-faults timeout-after-effect must be violated",
    ),
}

# The service mutant also needs its constructor and its lock call changed.
EXTRA = {
    "service-no-point": [
        ("harness/src/sync/service.rs", "state: Mutex::new(state) }", "state: std::sync::Mutex::new(state) }"),
        ("harness/src/sync/service.rs", "let mut state = self.state.lock();", "let mut state = self.state.lock().unwrap();"),
    ],
}


def copy_workspace(dest):
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    for f in files:
        target = os.path.join(dest, f)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # A fresh modification time on every file: cargo judges freshness by it, and a file put
        # back to its original text with its original time would keep the last mutant's build.
        shutil.copyfile(os.path.join(ROOT, f), target)


def replace_once(path, old, new):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    count = text.count(old)
    if count != 1:
        sys.exit(f"mutant text matches {count} times in {path}; update the mutant list")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace(old, new))


def check(name):
    file, old, new, why = MUTANTS[name]
    ws = os.path.join(WORK, "ws")
    copy_workspace(ws)
    replace_once(os.path.join(ws, file), old, new)
    for extra_file, o, n in EXTRA.get(name, []):
        replace_once(os.path.join(ws, extra_file), o, n)
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(WORK, "target"))
    build = subprocess.run(["cargo", "build", "-q", "-p", "scenarios", "--bin", "racecheck"], cwd=ws, env=env)
    if build.returncode != 0:
        return "did not build"
    racecheck = os.path.join(WORK, "target", "debug", "racecheck")
    started = time.time()
    # A mutant can make explorations hang (a service lock that no scheduler sees, say): each
    # exploration gets 30 s, then its verdict is `timeout`, which fails its expectation too.
    # `MUTANT_SCENARIOS="selftest world-faults"` runs only those scenarios: the gate is red when
    # any of its scenarios is, and a mutant that hangs every service call makes the whole run
    # long (each exploration waits out its 30 s).
    only = os.environ.get("MUTANT_SCENARIOS", "").split()
    run = subprocess.run(
        [racecheck, "run", "--timeout", "30", *only], cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    took = time.time() - started
    failed = [l for l in run.stdout.splitlines() if l.startswith("racecheck: expectations failed in:")]
    verdict = "caught" if run.returncode == 1 else f"MISSED (exit {run.returncode})"
    return f"{verdict} in {took:.0f} s: {why}" + (f"\n    {failed[0]}" if failed else "")


def main():
    names = sys.argv[1:] or list(MUTANTS)
    unknown = [n for n in names if n not in MUTANTS]
    if unknown:
        sys.exit(f"unknown mutant(s): {', '.join(unknown)}; expected some of: {', '.join(MUTANTS)}")
    caught = 0
    for name in names:
        result = check(name)
        caught += result.startswith("caught")
        print(f"{name}: {result}", flush=True)
    print(f"{caught} of {len(names)} mutants caught")
    sys.exit(0 if caught == len(names) else 1)


if __name__ == "__main__":
    main()
