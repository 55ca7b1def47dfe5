#!/usr/bin/env python3
"""Draw the second random quantity sample (issue 27): seed 2712, 225 policy + 25 regulation sentences.

    git worktree add /tmp/at-6a5c52d 6a5c52d && python labels/quantities_reach/draw.py

Same candidate rule and exclusions as ``labels/tools/draw_quantity_sample.py`` (the golden tables as of
commit 6a5c52d, the sentences of ``labels/quantities_sample``); run it on that commit's golden tables to
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
    with open(ROOT / "labels" / "quantities_sample" / "sample.jsonl", encoding="utf-8") as fh:
        seen = {json.loads(line)["text"] for line in fh}
    golden = d._golden()
    pol = d.candidates(d.CORPUS / "policies.jsonl.xz", golden, seen)
    reg = d.candidates(d.CORPUS / "regulations.jsonl.xz", golden, seen)
    rng = random.Random(2712)
    drawn = rng.sample(pol, 225) + rng.sample(reg, 25)
    rng.shuffle(drawn)
    with open(ROOT / "labels" / "quantities_reach" / "sample.jsonl", "w", encoding="utf-8") as fh:
        for k, row in enumerate(drawn):
            rec = {"sid": f"qr-{k:03d}", "doc_source": f"{row['doc_source']}#s{row['sent_index']}", "text": row["text"]}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"candidates: policies {len(pol)}, regulations {len(reg)}; drawn {len(drawn)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
