"""Tag a folder with a slow stub classifier, through :func:`clausetag.tagging.batch.run_batch` (the engine behind
``clausetag tag``), in a process of its own: the kill/resume tests send it SIGTERM or SIGKILL mid-way
(and call :func:`tag` in-process for the reference run and the resume).

    python tests/helpers/slow_tag.py IN_DIR OUT_DIR [--jobs N] [--resume] [--delay S]
"""
from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from clausetag.io.readers import iter_inputs
from clausetag.tagging import parallel
from clausetag.tagging.batch import run_batch
from clausetag.tagging.pipeline import Tagger

LABELS = ("funding", "talent", "planning", "organization")


class SlowClassifier:
    """Sleeps ``delay`` seconds per call; labels by a hash of the text (deterministic)."""

    classes_ = np.array(LABELS, dtype=object)

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def predict_proba(self, texts: list[str], contexts: list[str] | None = None) -> np.ndarray:
        time.sleep(self.delay)
        proba = np.full((len(texts), len(LABELS)), 0.1)
        for i, t in enumerate(texts):
            proba[i, zlib.crc32(t.encode()) % len(LABELS)] = 0.7
        return proba


def tag(inp: str | Path, out: str | Path, *, jobs: int = 1, resume: bool = False, delay: float = 0.0) -> int:
    """Tag ``inp`` into ``out``/clauses.jsonl with one document per committed batch; the exit status."""
    shard_docs = parallel.SHARD_DOCS
    parallel.SHARD_DOCS = 1  # one document per committed batch
    try:
        out = Path(out)
        tagger = Tagger(SlowClassifier(delay))
        return run_batch(list(iter_inputs([str(inp)])), tagger, out / "clauses.jsonl", "jsonl", out,
                         jobs=jobs, resume=resume, progress=False)
    finally:
        parallel.SHARD_DOCS = shard_docs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--delay", type=float, default=0.0)
    args = ap.parse_args()
    return tag(args.inp, args.out, jobs=args.jobs, resume=args.resume, delay=args.delay)


if __name__ == "__main__":
    sys.exit(main())
