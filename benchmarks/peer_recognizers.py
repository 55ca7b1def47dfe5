"""Run ``extract_quantities`` over the Microsoft Recognizers-Text Chinese specs in ../shared/peer/.

    python benchmarks/peer_recognizers.py [--peer DIR] [--show-misses MODEL]

The spec files are read in place (never copied into this repository). For each model it reports:

* ``expected``: expected results in the spec (cases: inputs);
* ``text+value``: an extracted quantity has exactly the expected text and value (bounds for ranges);
* ``value (overlap)``: an extracted quantity overlaps the expected span and has the expected value
  (our spans include the unit and cue words, so they are often longer than the spec's);
* ``parse_number(text)``: our number normaliser alone reads the expected text to the expected value
  (numbers only: NumberModel / the numeric part of the others);
* ``extra on empty``: quantities we extracted from inputs whose expected result list is empty.

Scope differences are expected: clausetag only extracts numbers that carry a unit (plain numbers such
as ``两百`` are NumberModel results but not quantities here), has no discount/成 percentages (``打对折``,
``7.2成``), no English units (``168cm``) and no dialogue-style ranges (``大于二十的同时小于等于三十五``).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.numbers import parse_number  # noqa: E402
from clausetag.quantities import extract_quantities  # noqa: E402

MODELS = ("NumberModel", "CurrencyModel", "PercentModel", "NumberRangeModel", "DimensionModel")
_INTERVAL = re.compile(r"^([\[(])\s*([^,]*)\s*,\s*([^\])]*)\s*([\])])$")


def _f(s: str) -> float | None:
    s = s.strip().rstrip("%")
    return float(s) if s not in ("", "∞", "+∞", "-∞", "Infinity") else None


def expected_value(model: str, res: dict) -> tuple:
    v = res["Resolution"].get("value")
    if v is None:
        return ("?",)
    if model == "NumberRangeModel":
        m = _INTERVAL.match(v.replace(" ", ""))
        if not m:
            return ("?", v)
        return ("range", _f(m.group(2)), _f(m.group(3)))
    try:
        return ("value", _f(v))
    except ValueError:
        return ("?", v)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def matches(model: str, q, exp: tuple) -> bool:
    if exp[0] == "range":
        return _close(q.low, exp[1]) and _close(q.high, exp[2])
    if exp[0] == "value":
        return _close(q.value, exp[1])
    return False


def run(peer: Path, show: str | None) -> list[str]:
    rows = []
    for model in MODELS:
        cases = json.loads((peer / f"{model}.json").read_text(encoding="utf-8-sig"))
        n_exp = tv = ov = parsed = extra = 0
        misses = []
        for case in cases:
            text = case["Input"]
            got = extract_quantities(text)
            if not case["Results"]:
                extra += len(got)
                if got and show == model:
                    misses.append(f"  extra: {text!r} -> {[q.text for q in got]}")
            for res in case["Results"]:
                n_exp += 1
                exp = expected_value(model, res)
                s, e = res["Start"], res["End"] + 1
                hit_tv = any(q.text == res["Text"] and matches(model, q, exp) for q in got)
                hit_ov = any(q.start < e and s < q.end and matches(model, q, exp) for q in got)
                tv += hit_tv
                ov += hit_ov
                if exp[0] == "value":
                    try:
                        parsed += _close(parse_number(res["Text"]), exp[1])
                    except (ValueError, IndexError):
                        pass
                if not hit_ov and show == model:
                    misses.append(f"  miss: {text!r} expected {res['Text']!r} {exp} got {[(q.text, q.value, q.low, q.high) for q in got]}")
        rows.append(f"| {model} | {len(cases)} | {n_exp} | {tv} ({tv / n_exp:.0%}) | {ov} ({ov / n_exp:.0%}) "
                    f"| {parsed} | {extra} |")
        for m in misses:
            print(m)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peer", type=Path, default=ROOT.parent / "shared" / "peer" / "recognizers-text")
    ap.add_argument("--show-misses", default=None, choices=MODELS)
    args = ap.parse_args(argv)
    if not args.peer.is_dir():
        print(f"peer suite not found at {args.peer}; skipped")
        return 0
    rows = run(args.peer, args.show_misses)
    print("| model | cases | expected | text+value | value (overlap) | parse_number(text) | extra on empty |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
