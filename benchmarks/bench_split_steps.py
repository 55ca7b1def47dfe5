"""Instructions per input character of each step of the splitter (valgrind cachegrind), for one
checkout: ``split`` (everything), ``normalise`` (decode-free normalisation and the whole-text scan,
residue included), ``paragraphs`` and ``soft`` (soft boundaries); what ``split`` has beyond their
sum is the clause walk and the heading post-pass.

Run:  python benchmarks/bench_split_steps.py [--tree DIR] [--reps 30] [--steps split,normalise,...] [--doc TEXT]

Each step runs ``--reps`` times over the five seed documents in one process and zero times in
another; the difference of the two instruction counts over the characters is the cost per
character. The garbage collector is off in both (its timing made counts of the same code differ by
up to ±5 per character), so these numbers sit a few instructions per character away from
``bench_split_instr.py``'s; compare them only with each other. ``--tree`` measures another checkout
(e.g. a ``git archive`` of an older commit) on this checkout's seeds. ``--doc TEXT`` splits that
one document (100 copies a pass) instead and reports instructions per document: the fixed cost of
a call. Needs valgrind on PATH.
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("split", "normalise", "paragraphs", "soft")


def _work(tree: str, step: str, reps: int, doc: str) -> None:
    sys.path.insert(0, tree)
    import clausetag.segment.splitter as S
    from clausetag.segment.text import read_text, residue_spans

    seeds = [doc] * 100 if doc else [read_text(p) for p in sorted((ROOT / "labels" / "seed").glob("*.txt"))]
    sp = S.Splitter()
    r = sp.rules
    sp.split(seeds[0])
    pre = []
    for t in seeds:
        norm, scan = S._scan(t, r, residue_spans(t, r.residue))
        n_nl = len(scan.newlines)
        pre.append((t, norm, scan, r.scraped_min > 0 and (n_nl == 0 or r.scraped_min * (n_nl + 1) <= len(t))))
    gc.collect()
    gc.disable()
    for _ in range(reps):
        for t, norm, scan, scraped in pre:
            if step == "split":
                sp.split(t)
            elif step == "normalise":
                S._scan(t, r, residue_spans(t, r.residue))
            elif step == "paragraphs":
                S._paragraphs(norm, r, scan, S._breaks(t, r, len(scan.newlines)) if scraped else [])
            elif step == "soft":
                S._soft_ends(norm, r, scraped)
    print(f"chars={(len(seeds) if doc else sum(map(len, seeds))) * reps}")


def _count(tree: str, step: str, reps: int, doc: str) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        proc = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}",
             sys.executable, __file__, "--child", tree, step, str(reps), doc],
            capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
        chars = int(re.search(r"chars=(\d+)", proc.stdout).group(1))  # type: ignore[union-attr]
        return chars, int(re.search(r"^summary: (\d+)", out.read_text(), re.M).group(1))  # type: ignore[union-attr]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _work(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", default=str(ROOT), help="checkout to measure (default: this one)")
    ap.add_argument("--reps", type=int, default=30, help="passes over the seeds (default 30)")
    ap.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of {', '.join(STEPS)}")
    ap.add_argument("--doc", default="", help="split this one document instead (instructions per document)")
    args = ap.parse_args()
    for step in args.steps.split(","):
        if step not in STEPS:
            ap.error(f"unknown step {step!r} (steps: {', '.join(STEPS)})")
        _, base = _count(args.tree, step, 0, args.doc)
        chars, total = _count(args.tree, step, args.reps, args.doc)
        print(f"{step}: {(total - base) / chars:,.1f} instructions per {'document' if args.doc else 'char'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
