#!/usr/bin/env python3
"""Draw the held-out policy documents (issue 22) at random, before any policy label is made.

    python labels/tools/draw_heldout.py ../shared/corpus/policies.jsonl.xz --out labels/policy_heldout

Candidates are the corpus documents the splitter cuts into 20–250 clauses (a document a person can
annotate whole; the corpus median is 42); 12 of them are drawn with ``random.Random(SEED)``. The raw
text of each goes to ``<out>/<id>.txt`` (the corpus ``text`` field, byte for byte) and its metadata to
``<out>/documents.jsonl``. These documents are never training data: ``labels/policy_heldout`` is a set
of its own, and ``clausetag select`` and the training configs leave them out.
"""
from __future__ import annotations

import argparse
import json
import lzma
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clausetag.segment.splitter import split

SEED = 20261206
N_DOCS = 12
MIN_CLAUSES, MAX_CLAUSES = 20, 250


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "labels" / "policy_heldout")
    args = parser.parse_args()
    with lzma.open(args.corpus, "rt", encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    candidates = [d for d in docs if MIN_CLAUSES <= len(split(d["text"])) <= MAX_CLAUSES]
    drawn = random.Random(SEED).sample(candidates, N_DOCS)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "documents.jsonl").open("w", encoding="utf-8") as f:
        for d in sorted(drawn, key=lambda d: d["id"]):
            (args.out / f"{d['id']}.txt").write_text(d["text"], encoding="utf-8")
            meta = {"doc_id": d["id"], "title": d["title"], "date": d["date"], "source": d["source"], "url": d["url"]}
            f.write(json.dumps(meta, ensure_ascii=False) + "\n")
    print(f"{len(candidates)} candidates of {len(docs)}; drew {N_DOCS} (seed {SEED}) into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
