"""Instructions per input character of the splitter, counted by valgrind (cachegrind): a number that
does not depend on the machine's speed or on other load, unlike wall time.

Run:  python benchmarks/bench_split_instr.py [--mb 0.5]

Runs this script twice under ``valgrind --tool=cachegrind``: once splitting the five seed documents
repeated to ``--mb`` megabytes of UTF-8, once splitting one seed only (imports, rule loading); the
difference of the two instruction counts divided by the extra characters is the cost per character.
Needs valgrind on PATH (apt package ``valgrind``); takes about a minute.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _work(mb: float) -> None:
    sys.path.insert(0, str(ROOT))
    from clausetag.segment.splitter import Splitter
    from clausetag.segment.text import read_text

    seeds = [read_text(p) for p in sorted((ROOT / "labels" / "seed").glob("*.txt"))]
    splitter = Splitter()
    splitter.split(seeds[0])
    if mb > 0:
        reps = max(1, round(mb * 1e6 / sum(len(s.encode("utf-8")) for s in seeds)))
        for d in seeds * reps:
            splitter.split(d)
        print(f"chars={sum(map(len, seeds)) * reps}")
    else:
        print("chars=0")


def _count(mb: float) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        proc = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}",
             sys.executable, __file__, "--child", str(mb)],
            capture_output=True, text=True, check=True,
            # one thread: numpy's BLAS threads would add start-up instructions that vary from run to run
            env={**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
        chars = int(re.search(r"chars=(\d+)", proc.stdout).group(1))
        summary = re.search(r"^summary: (\d+)", out.read_text(), re.M)
        return chars, int(summary.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=0.5, help="UTF-8 megabytes of input (default 0.5)")
    ap.add_argument("--child", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        _work(args.child)
        return 0
    subprocess.run([sys.executable, __file__, "--child", "0"], check=True, capture_output=True)  # fresh .pyc
    _, base = _count(0)
    chars, total = _count(args.mb)
    print(f"{chars / 1e6:.3f} M chars: {total - base:,} instructions for the splitting "
          f"({base:,} for start-up), {(total - base) / chars:.0f} instructions per char")
    return 0


if __name__ == "__main__":
    sys.exit(main())
