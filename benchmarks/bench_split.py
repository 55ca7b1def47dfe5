"""Throughput of clausetag.split on the five seed documents repeated to ~5 MB, beside JioNLP.

Run:  python benchmarks/bench_split.py [--target-mb 5] [--repeats 3]

Reports characters per second and UTF-8 megabytes per second (one process, one core). JioNLP's
``split_sentence`` (optional extra ``compare``) is timed on the same text when it is installed; it
is a general sentence splitter with no headings, spans or heading paths, so it is a speed reference,
not a like-for-like comparison. Wall time is the best of ``--repeats`` runs; the two splitters
are timed in turn within each repeat, so the machine's speed drifting hits both alike.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _best(fns, docs, repeats):
    """Best wall time and output count of each function, the functions timed in turn within each
    repeat (so a drift in the machine's speed hits all of them alike and their ratio stays fair)."""
    best = [float("inf")] * len(fns)
    outs = [0] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            out = 0
            for d in docs:
                out += len(fn(d))
            best[i] = min(best[i], time.perf_counter() - t0)
            outs[i] = out
    return list(zip(best, outs))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target-mb", type=float, default=5.0, help="UTF-8 megabytes of input (default 5)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--root", type=Path, default=ROOT,
                    help="checkout whose clausetag and seeds are timed (default: this one; for before/after runs)")
    args = ap.parse_args()
    root = args.root.resolve()
    sys.path.insert(0, str(root))
    from clausetag.segment.splitter import split
    from clausetag.segment.text import read_text

    seeds = [read_text(p) for p in sorted((root / "labels" / "seed").glob("*.txt"))]
    seed_bytes = sum(len(s.encode("utf-8")) for s in seeds)
    reps = max(1, round(args.target_mb * 1e6 / seed_bytes))
    docs = seeds * reps
    n_chars = sum(map(len, docs))
    n_bytes = seed_bytes * reps
    split(docs[0])  # load rules

    fns = [split]
    try:
        import jionlp  # type: ignore

        jionlp.split_sentence(docs[0])
        fns.append(lambda d: jionlp.split_sentence(d, criterion="fine"))
    except ImportError:
        jionlp = None
    timed = _best(fns, docs, args.repeats)
    rows = [("clausetag.segment.splitter", *timed[0], "clauses with spans, heading paths, units")]
    if jionlp is not None:
        rows.append((f"jionlp.split_sentence {jionlp.__version__} (fine)", *timed[1], "sentences only"))
    else:
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
