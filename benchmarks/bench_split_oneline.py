"""Linear time on one-line documents: the five seeds with their line breaks replaced by spaces,
repeated to ``--mb`` megabytes of UTF-8 (default 16) as ONE line, split once.

Run:  taskset -c 0 python benchmarks/bench_split_oneline.py [--mb 16] [--check]

Prints the size and the wall time at 1/4, 1/2 and the full size, so growth can be read off
(linear: time doubles with size). ``--check`` exits 1 if the full size takes more than 3 s.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.segment.splitter import Splitter  # noqa: E402
from clausetag.segment.text import read_text  # noqa: E402


def one_line(target_bytes: int) -> str:
    seeds = " ".join(read_text(p).replace("\n", " ") for p in sorted((ROOT / "labels" / "seed").glob("*.txt")))
    reps = max(1, target_bytes // len(seeds.encode("utf-8")) + 1)
    text = " ".join([seeds] * reps)
    # cut at a character boundary so the UTF-8 size is about target_bytes
    return text[: int(len(text) * target_bytes / len(text.encode("utf-8")))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=16.0, help="UTF-8 megabytes (default 16)")
    ap.add_argument("--check", action="store_true", help="exit 1 if the full size takes more than 3 s")
    args = ap.parse_args()
    splitter = Splitter()
    full = one_line(int(args.mb * 1e6))
    dt = 0.0
    for frac in (0.25, 0.5, 1.0):
        text = full[: int(len(full) * frac)]
        t0 = time.perf_counter()
        clauses = splitter.split(text)
        dt = time.perf_counter() - t0
        print(f"{len(text.encode('utf-8')) / 1e6:6.1f} MB ({len(text) / 1e6:.2f} M chars, one line): "
              f"{dt:6.2f} s, {len(clauses)} clauses, {len(text) / dt / 1e6:.2f} M chars/s")
    return 1 if args.check and dt > 3.0 else 0


if __name__ == "__main__":
    sys.exit(main())
