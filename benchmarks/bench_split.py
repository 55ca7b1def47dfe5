"""Throughput of clausetag.split on the five seed documents repeated to ~5 MB, beside JioNLP.

Run:  python benchmarks/bench_split.py [--target-mb 5] [--repeats 3]

Reports characters per second and UTF-8 megabytes per second (one process, one core). JioNLP's
``split_sentence`` (optional extra ``compare``) is timed on the same text when it is installed; it
is a general sentence splitter with no headings, spans or heading paths, so it is a speed reference,
not a like-for-like comparison. Wall time is the best of ``--repeats`` runs.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.splitter import split  # noqa: E402
from clausetag.text import read_text  # noqa: E402


def _best(fn, docs, repeats):
    best = float("inf")
    out = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = 0
        for d in docs:
            out += len(fn(d))
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target-mb", type=float, default=5.0, help="UTF-8 megabytes of input (default 5)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    seeds = [read_text(p) for p in sorted((ROOT / "labels" / "seed").glob("*.txt"))]
    seed_bytes = sum(len(s.encode("utf-8")) for s in seeds)
    reps = max(1, round(args.target_mb * 1e6 / seed_bytes))
    docs = seeds * reps
    n_chars = sum(map(len, docs))
    n_bytes = seed_bytes * reps
    split(docs[0])  # load rules

    rows = []
    dt, n = _best(split, docs, args.repeats)
    rows.append(("clausetag.splitter", dt, n, "clauses with spans, heading paths, units"))
    try:
        import jionlp  # type: ignore

        jionlp.split_sentence(docs[0])
        dt, n = _best(lambda d: jionlp.split_sentence(d, criterion="fine"), docs, args.repeats)
        rows.append((f"jionlp.split_sentence {jionlp.__version__} (fine)", dt, n, "sentences only"))
    except ImportError:
        rows.append(("jionlp.split_sentence", None, None, "skipped: jionlp not installed (pip install .[compare])"))

    print(f"input: 5 seed documents x {reps} = {len(docs)} documents, {n_chars / 1e6:.2f} M chars, "
          f"{n_bytes / 1e6:.2f} MB UTF-8; best of {args.repeats}; Python {sys.version.split()[0]}")
    print()
    print("| splitter | seconds | M chars/s | MB/s (UTF-8) | units out | note |")
    print("|---|---:|---:|---:|---:|---|")
    for name, dt, n, note in rows:
        if dt is None:
            print(f"| {name} | — | — | — | — | {note} |")
        else:
            print(f"| {name} | {dt:.2f} | {n_chars / dt / 1e6:.2f} | {n_bytes / dt / 1e6:.2f} | {n} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
