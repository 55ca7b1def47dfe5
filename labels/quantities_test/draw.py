#!/usr/bin/env python3
"""Draw the third random quantity sample (issue 27): seed 2713, 280 policy + 20 regulation sentences.

    git worktree add /tmp/at-6a5c52d 6a5c52d && python labels/quantities_test/draw.py

Same candidate rule and exclusions as ``labels/tools/draw_quantity_sample.py`` (the golden tables as of
commit 6a5c52d, the sentences of ``labels/quantities_sample`` and ``labels/quantities_reach``); run it on that commit's golden tables to
reproduce ``sample.jsonl`` exactly (later golden rows change the candidate list).
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "labels" / "tools"), str(ROOT)]

import draw_quantity_sample as d  # noqa: E402


def main() -> int:
    seen: set[str] = set()
    for name in ("quantities_sample", "quantities_reach"):
        with open(ROOT / "labels" / name / "sample.jsonl", encoding="utf-8") as fh:
            seen |= {json.loads(line)["text"] for line in fh}
    golden = d._golden()
    pol = d.candidates(d.CORPUS / "policies.jsonl.xz", golden, seen)
    reg = d.candidates(d.CORPUS / "regulations.jsonl.xz", golden, seen)
    rng = random.Random(2713)
    drawn = rng.sample(pol, 280) + rng.sample(reg, 20)
    rng.shuffle(drawn)
    with open(ROOT / "labels" / "quantities_test" / "sample.jsonl", "w", encoding="utf-8") as fh:
        for k, row in enumerate(drawn):
            rec = {"sid": f"qt-{k:03d}", "doc_source": f"{row['doc_source']}#s{row['sent_index']}", "text": row["text"]}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"candidates: policies {len(pol)}, regulations {len(reg)}; drawn {len(drawn)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
