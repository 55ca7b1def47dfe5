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

In-scope rate: ``benchmarks/peer_scope.yaml`` lists, with a reason each, the currency and percent results
that are out of scope for policy text (discounts, traditional characters, spaced-out input, ...); the
second table gives how many of the remaining, in-scope results are found (value + overlapping span).

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

from clausetag.quantities.extract import extract_quantities  # noqa: E402
from clausetag.quantities.numbers import parse_number  # noqa: E402

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


# the spec resolves 千分之三 to 0.3 and 七成 to 70 (percent); we keep 3 ‰ and 7 成 (value in the unit as
# written, docs/quantities.md) with ``ratio`` 0.003 / 0.7: compare in percent
_PER_CENT = {"‰": 0.1, "‱": 0.01, "成": 10.0}


def matches(model: str, q, exp: tuple) -> bool:
    f = _PER_CENT.get(q.unit, 1.0)
    if exp[0] == "range":
        lo, hi = (None if q.low is None else q.low * f), (None if q.high is None else q.high * f)
        return _close(lo, exp[1]) and _close(hi, exp[2])
    if exp[0] == "value":
        return _close(q.value * f, exp[1])
    return False


def load_scope() -> dict:
    import yaml

    scope = yaml.safe_load((ROOT / "benchmarks" / "peer_scope.yaml").read_text(encoding="utf-8"))
    for rule in scope["out_of_scope"]:
        for key in ("pattern", "input_pattern"):
            if key in rule:
                rule[key] = re.compile(rule[key])
    return scope


def out_of_scope(scope: dict, text: str, res: dict, exp: tuple) -> str | None:
    """The reason an expected result is out of scope, or None when it is in scope."""
    for rule in scope["out_of_scope"]:  # every condition a rule gives must hold
        checks = []
        if rule.get("value_unknown"):
            checks.append(exp[0] == "?")
        if "pattern" in rule:
            checks.append(rule["pattern"].search(res["Text"]) is not None)
        if "input_pattern" in rule:
            checks.append(rule["input_pattern"].search(text) is not None)
        if checks and all(checks):
            return rule["reason"]
    return None


def run(peer: Path, show: str | None, scope: dict | None = None, scope_rows: list[str] | None = None) -> list[str]:
    rows = []
    for model in MODELS:
        cases = json.loads((peer / f"{model}.json").read_text(encoding="utf-8-sig"))
        n_exp = tv = ov = parsed = extra = 0
        in_n = in_hit = 0
        reasons: dict[str, int] = {}
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
                if scope is not None and model in scope["models"]:
                    why = out_of_scope(scope, text, res, exp)
                    if why is None:
                        in_n += 1
                        in_hit += hit_ov
                        if not hit_ov and show == model:
                            misses.append(f"  IN-SCOPE miss: {text!r} expected {res['Text']!r} {exp}")
                    else:
                        reasons[why] = reasons.get(why, 0) + 1
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
        if scope is not None and model in scope["models"] and scope_rows is not None:
            scope_rows.append(f"| {model} | {n_exp} | {n_exp - in_n} | {in_n} | {in_hit} ({in_hit / max(in_n, 1):.1%}) |")
            for why, k in sorted(reasons.items(), key=lambda kv: -kv[1]):
                scope_rows.append(f"|   out of scope: {why} | | {k} | | |")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_peer = next((p for p in (ROOT.parent / "shared" / "peer" / "recognizers-text",
                                     ROOT.parents[1] / "shared" / "peer" / "recognizers-text") if p.is_dir()),
                        ROOT.parent / "shared" / "peer" / "recognizers-text")
    ap.add_argument("--peer", type=Path, default=default_peer)
    ap.add_argument("--show-misses", default=None, choices=MODELS)
    args = ap.parse_args(argv)
    if not args.peer.is_dir():
        print(f"peer suite not found at {args.peer}; skipped")
        return 0
    scope_rows: list[str] = []
    rows = run(args.peer, args.show_misses, load_scope(), scope_rows)
    print("| model | cases | expected | text+value | value (overlap) | parse_number(text) | extra on empty |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(r)
    print("\n| in scope (benchmarks/peer_scope.yaml) | expected | out of scope | in scope | found (value + overlap) |")
    print("|---|---|---|---|---|")
    for r in scope_rows:
        print(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
