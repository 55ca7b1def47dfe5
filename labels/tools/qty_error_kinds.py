"""Group the extractor's errors on the quantity sample by kind (issue 27 follow-up).

    python -m clausetag.quantities.evaluate labels/quantities_sample/sample.jsonl \
        labels/quantities_sample/gold.jsonl --errors /tmp/errors.jsonl
    python labels/tools/qty_error_kinds.py /tmp/errors.jsonl [--list]

Only gold target/actual/cap quantities are counted. Roles: ``gold -> predicted`` pairs (``missed`` when the
quantity was not found). Indicators (where the role is right): ``missing`` (no indicator predicted),
``longer`` (the gold indicator lies inside the predicted one: scope, modifiers or a verb too many),
``shorter`` (the predicted one lies inside the gold one: a modifier or verb cut off), ``other`` (a different
phrase), after the scorer's normalisation. ``--list`` prints every error under its kind.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from clausetag.quantities.evaluate import TAC_ROLES, normalise_indicator


def kinds(rows: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        g, p = r["gold"], r.get("pred")
        if g["role"] not in TAC_ROLES:
            continue
        line = f"{r['sid']} {g['text']}: gold {g['indicator']!r} / pred {p and p.get('indicator')!r} | {r['text'][:80]}"
        if p is None:
            out["role: missed"].append(line)
            continue
        if "role" in r["wrong"]:
            out[f"role: {g['role']} -> {p['role']}"].append(line)
            continue
        if "indicator" not in r["wrong"]:
            continue
        a, b = normalise_indicator(p.get("indicator")), normalise_indicator(g["indicator"])
        if a is None:
            kind = "missing"
        elif b is not None and b in a:
            kind = "longer"
        elif b is not None and a in b:
            kind = "shorter"
        else:
            kind = "other"
        out[f"indicator: {kind}"].append(line)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("errors", help="JSONL written by python -m clausetag.quantities.evaluate … --errors")
    ap.add_argument("--list", action="store_true", help="print every error under its kind")
    args = ap.parse_args(argv)
    with open(args.errors, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    groups = kinds(rows)
    for k in sorted(groups, key=lambda k: (not k.startswith("role"), -len(groups[k]), k)):
        print(f"{len(groups[k]):4d}  {k}")
        if args.list:
            for line in groups[k]:
                print("      " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
