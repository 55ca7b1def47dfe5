#!/usr/bin/env python3
"""Expand annotator A's compact quantity notes into the annotation format of labels/quantities_sample/FORMAT.md.

    python labels/tools/compact_quantities.py SAMPLE.jsonl COMPACT_DIR OUT.jsonl

One compact line per sid: ``NNN`` alone (no quantity) or ``NNN q1 ; q2 ; …`` with each quantity as
``text value unit comparator role year indicator [hi=HIGH] [n=NTH]`` (role T/A/C/H/O for
target/actual/cap/threshold/other; ``-`` for a null year or indicator). ``kind``, ``low``, ``high`` and
``ratio`` follow from these fields by the rules of FORMAT.md; every ``text`` must occur in the sentence.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROLES = {"T": "target", "A": "actual", "C": "cap", "H": "threshold", "O": "other"}
MONEY = {"元": "CNY", "美元": "USD", "欧元": "EUR"}
PERCENT = {"%": 100.0, "个百分点": 100.0}
RATIO = {"‰": 1000.0, "‱": 10000.0, "成": 10.0, "倍": 1.0, "分之": 1.0}
MEASURE = {"米", "公里", "亩", "公顷", "平方米", "立方米", "吨", "千瓦", "千伏", "升", "CM", "千瓦时"}


def kind_of(unit: str) -> str:
    if unit in MONEY:
        return "money"
    if unit in PERCENT:
        return "percent"
    if unit in RATIO:
        return "ratio"
    if unit in MEASURE:
        return "measure"
    return "count"


def expand(sid: str, text: str, spec: str) -> dict:
    parts = spec.split()
    if len(parts) < 7 or any("=" not in p for p in parts[7:]):
        raise SystemExit(f"{sid}: cannot read {spec!r}")
    span, value, unit, cmp, role, year, ind = parts[:7]
    span = span.replace("␣", " ")  # a blank inside a span
    extra = dict(p.split("=", 1) for p in parts[7:])
    v = float(value)
    nth = int(extra.get("n", 1))
    pos = -1
    for _ in range(nth):
        pos = text.find(span, pos + 1)
    if pos < 0:
        raise SystemExit(f"{sid}: span {span!r} (n={nth}) not in the sentence")
    if cmp == "range":
        low, high = v, float(extra["hi"])
    elif cmp == "=":
        low = high = v
    elif cmp in (">", ">="):
        low, high = v, None
    elif cmp in ("<", "<="):
        low, high = None, v
    elif cmp == "~":
        low = high = None
    else:
        raise SystemExit(f"{sid}: comparator {cmp!r}")
    kind = kind_of(unit)
    if sid == "qs-412" and unit == "分":
        kind = "money"
    ratio = None
    if kind == "percent":
        ratio = round(v / PERCENT[unit], 10)
    elif kind == "ratio":
        ratio = round(v / RATIO[unit], 10)
    return {"text": span, "nth": nth, "kind": kind, "value": v, "unit": unit, "comparator": cmp,
            "low": low, "high": high, "ratio": ratio, "role": ROLES[role],
            "year": None if year == "-" else int(year), "indicator": None if ind == "-" else ind}


def main() -> int:
    sample_path, compact_dir, out = map(Path, sys.argv[1:4])
    texts = {}
    with open(sample_path, encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            texts[d["sid"]] = d["text"]
    rows: dict[str, list[dict]] = {}
    for f in sorted(compact_dir.glob("*.txt")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            num, _, rest = line.partition(" ")
            sid = f"qs-{int(num):03d}"
            specs = [s.strip() for s in rest.split(" ; ") if s.strip()]
            rows[sid] = [expand(sid, texts[sid], s) for s in specs]
    missing = sorted(set(texts) - set(rows))
    if missing:
        raise SystemExit(f"{compact_dir}: no line for {len(missing)} sids, e.g. {missing[:5]}")
    with open(out, "w", encoding="utf-8") as fh:
        for sid in texts:
            fh.write(json.dumps({"sid": sid, "quantities": rows[sid]}, ensure_ascii=False) + "\n")
    n = sum(len(v) for v in rows.values())
    tac = sum(1 for v in rows.values() if any(q["role"] in ("target", "actual", "cap") for q in v))
    print(f"{len(rows)} sentences, {n} quantities, {tac} sentences with a target/actual/cap -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
