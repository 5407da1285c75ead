"""Run the benchmarks of bench/run_all.py on another git ref and on this tree, interleaved,
and print each figure's ratio (this tree / the other ref).

    python bench/compare_refs.py REF [--rounds N] [--only a_bench.py,b_bench.py] [--full]

The other ref is checked out in a temporary ``git worktree`` and runs with the same Python
(the same virtual environment): ``PYTHONPATH`` points at that checkout's ``src`` first, so it
imports its own distillr, and its own bench scripts run. Each round runs both sides of a bench
one after the other, the order flipping every round, so that a change in the machine's load
falls on both. A figure is every number of a bench's output, matched between the two sides by
its line (the line with its numbers blanked) and its place; numbers that are the same in
every run (row counts, settings) are left out. A figure moved by less than its own spread
across rounds, or by less than 5%, is marked as noise.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from run_all import BENCHES  # noqa: E402

_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")
#: how far a figure may move before it counts, however steady the runs were
THRESHOLD = 0.05


def figures(output: str) -> dict[tuple[str, int, int], float]:
    """Every number of a bench's output, keyed by its line's shape, that line's occurrence
    and the number's place in it.

    >>> figures("plan:  1.50 ms (3 runs)")
    {('plan: # ms (# runs)', 0, 0): 1.5, ('plan: # ms (# runs)', 0, 1): 3.0}
    """
    out: dict[tuple[str, int, int], float] = {}
    seen: dict[str, int] = defaultdict(int)
    for line in output.splitlines():
        numbers = _NUMBER.findall(line)
        if not numbers:
            continue
        shape = " ".join(_NUMBER.sub("#", line).split())
        k = seen[shape]
        seen[shape] += 1
        for i, text in enumerate(numbers):
            out[(shape, k, i)] = float(text.replace(",", ""))
    return out


def _env(tree: Path) -> dict[str, str]:
    """The environment that makes this Python import ``tree``'s distillr and bench helpers."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree / "src"), str(tree / "bench")]))


def imports_own_sources(tree: Path) -> bool:
    found = subprocess.run(
        [sys.executable, "-c", "import distillr; print(distillr.__file__)"],
        env=_env(tree),
        capture_output=True,
        text=True,
    ).stdout.strip()
    return Path(found).resolve().is_relative_to((tree / "src").resolve())


def run_bench(tree: Path, name: str, args: list[str], timeout: float) -> str | None:
    """One bench script of ``tree`` run against ``tree``'s own sources; its stdout."""
    script = tree / "bench" / name
    if not script.exists():
        return None
    env = _env(tree)
    try:
        done = subprocess.run(
            [sys.executable, str(script), *args],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        print(f"  {name} in {tree}: over {timeout:.0f} s, left out", flush=True)
        return None
    if done.returncode != 0:
        tail = "\n    ".join(done.stderr.strip().splitlines()[-5:])
        print(f"  {name} in {tree}: failed ({done.returncode})\n    {tail}", flush=True)
        return None
    return done.stdout


def spread(values: list[float]) -> float:
    """How far apart a figure's runs were, as a fraction of their median."""
    if len(values) < 2:
        return 0.0
    mid = statistics.median(values)
    return (max(values) - min(values)) / abs(mid) if mid else 0.0


def report(name: str, old: list[dict], new: list[dict]) -> list[tuple[str, float, bool]]:
    """Print one bench's figures side by side; (figure, ratio, within noise) of each."""
    rows = []
    keys = [k for k in new[0] if all(k in run for run in old + new)]
    for key in keys:
        a = [run[key] for run in old]
        b = [run[key] for run in new]
        if len(set(a + b)) == 1:
            continue  # a setting or a count, the same in every run
        ma, mb = statistics.median(a), statistics.median(b)
        if ma == 0:
            continue
        ratio = mb / ma
        noise = max(spread(a), spread(b), THRESHOLD)
        quiet = abs(ratio - 1) <= noise
        shape, k, i = key
        label = f"{shape} [#{i + 1}{f', line {k + 1}' if k else ''}]"
        rows.append((label, ratio, quiet))
        mark = "noise" if quiet else "MOVED"
        print(f"  {ratio:6.3f}x  {mark:5}  old {ma:<12g} new {mb:<12g} {label}")
    if not rows:
        print("  (no figure that varies)")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ref", help="the git ref to compare this tree with, e.g. main")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each side per bench")
    parser.add_argument("--only", default="", help="comma-separated bench file names")
    parser.add_argument("--full", action="store_true", help="full settings, not quick ones")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per bench run")
    opts = parser.parse_args()
    only = [n.strip() for n in opts.only.split(",") if n.strip()]
    unknown = [n for n in only if n not in BENCHES]
    if unknown:
        parser.error(f"not in bench/run_all.py: {', '.join(unknown)}")
    names = only or list(BENCHES)
    rev = subprocess.run(
        ["git", "rev-parse", "--short", opts.ref], cwd=ROOT, capture_output=True, text=True
    )
    if rev.returncode != 0:
        parser.error(f"'{opts.ref}' is not a git ref here: {rev.stderr.strip()}")
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    new_name = head + ("+changes" if dirty else "")
    print(f"old: {opts.ref} ({rev.stdout.strip()})   new: this tree ({new_name})")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    moved = []
    with tempfile.TemporaryDirectory(prefix="distillr-ref-") as tmp:
        old_tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(old_tree), opts.ref],
            cwd=ROOT,
            check=True,
        )
        try:
            for tree in (old_tree, ROOT):
                if not imports_own_sources(tree):
                    print(f"{tree}: this Python does not import distillr from it", file=sys.stderr)
                    return 1
            for name in names:
                args = [] if opts.full else BENCHES[name]
                print(f"\n=== {name} {' '.join(args)} ===", flush=True)
                runs: dict[str, list[dict]] = {"old": [], "new": []}
                t0 = time.perf_counter()
                for r in range(opts.rounds):
                    order = [("old", old_tree), ("new", ROOT)]
                    for side, tree in order if r % 2 == 0 else order[::-1]:
                        out = run_bench(tree, name, args, opts.timeout)
                        if out is not None:
                            runs[side].append(figures(out))
                if not runs["old"] or not runs["new"]:
                    print("  (not run on both sides)")
                    continue
                print(f"  ({opts.rounds} rounds, {time.perf_counter() - t0:.0f} s)")
                moved += [(name, *row) for row in report(name, runs["old"], runs["new"])]
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT, check=False
            )
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    out_of_noise = [m for m in moved if not m[3]]
    print(f"{len(moved)} figures, {len(out_of_noise)} moved beyond their noise and 5%:")
    for name, label, ratio, _ in out_of_noise:
        print(f"  {ratio:6.3f}x  {name}: {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
