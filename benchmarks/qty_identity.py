"""Dump ``extract_quantities`` (every field of every quantity) over the annotated quantity samples and the golden
tables, one JSON line per sentence, to check that an optimisation changes no output byte.

    python benchmarks/qty_identity.py OUT.jsonl [--rules]      # run once before, once after, then: cmp A B

Inputs: ``text`` of every line of ``labels/quantities_*/sample.jsonl``, ``tests/data/quantities_golden.jsonl``
and ``tests/data/indicators_golden.jsonl`` (in that order; the code under test is the one imported from the
current directory or ``PYTHONPATH``). ``--rules`` dumps ``learned=False`` instead.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sentences() -> list[tuple[str, str]]:
    """(source, text) of every input sentence, in a fixed order."""
    files = sorted(ROOT.glob("labels/quantities_*/sample.jsonl")) + [
        ROOT / "tests/data/quantities_golden.jsonl", ROOT / "tests/data/indicators_golden.jsonl"]
    out = []
    for p in files:
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                out.append((f"{p.relative_to(ROOT)}:{i + 1}", json.loads(line)["text"]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--rules", action="store_true", help="learned=False")
    a = ap.parse_args(argv)
    from clausetag.quantities.extract import extract_quantities

    n = 0
    with a.out.open("w", encoding="utf-8") as fh:
        for src, text in sentences():
            qs = extract_quantities(text, learned=not a.rules)
            n += len(qs)
            fh.write(json.dumps({"src": src, "q": [q.to_dict() for q in qs]}, ensure_ascii=False) + "\n")
    print(f"{a.out}: {n} quantities", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
