#!/usr/bin/env python3
"""The sample's gold: adjudicated lines where there are any, annotator A's lines elsewhere.

    python labels/tools/merge_qty_gold.py labels/quantities_sample/annotations_A.jsonl \
        labels/quantities_sample/adjudicated_000-099.jsonl > labels/quantities_sample/gold.jsonl
"""
from __future__ import annotations

import json
import sys


def main() -> int:
    base_path, *override_paths = sys.argv[1:]
    with open(base_path, encoding="utf-8") as fh:
        rows = {d["sid"]: d for d in map(json.loads, fh)}
    for path in override_paths:
        with open(path, encoding="utf-8") as fh:
            for d in map(json.loads, fh):
                if d["sid"] not in rows:
                    raise SystemExit(f"{path}: sid {d['sid']} is not in {base_path}")
                rows[d["sid"]] = d
    for d in rows.values():
        sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
