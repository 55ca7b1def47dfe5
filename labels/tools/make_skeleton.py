#!/usr/bin/env python3
"""Write annotation skeletons: the splitter's clauses for each raw text, ready to be labeled.

    python labels/tools/make_skeleton.py                 # labels/seed/*.txt -> labels/seed/work/
    python labels/tools/make_skeleton.py labels/extra --out labels/extra/work --force

For each ``<doc_id>.txt`` it runs :func:`clausetag.split` and writes
``<out>/<doc_id>.skeleton.jsonl`` with one record per clause in the gold format of SPEC §4: ``label`` is
pre-filled as ``"heading"`` for heading clauses and ``null`` otherwise, ``quantities`` is ``[]``; the
splitter's ``is_heading``, ``lead_units`` and ``responsible_units`` are kept as extra fields. Existing
skeletons are left alone unless ``--force``. An annotator fills in the labels (and fixes spans) and
saves the result as ``labels/seed/<doc_id>.jsonl``; ``clausetag validate labels/seed`` checks it.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from clausetag.harness.data import write_labeled
from clausetag.harness.validation import read_raw_text


def skeleton_records(text: str, doc_id: str) -> list[dict[str, Any]]:
    """Clause records for one document with labels pre-filled for headings only."""
    from clausetag.segment.splitter import split

    records = []
    for clause in split(text, doc_id):
        rec = clause.to_dict()
        rec["doc_id"] = doc_id
        rec["label"] = "heading" if clause.is_heading else None
        rec["quantities"] = []
        records.append(rec)
    return records


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", default=str(ROOT / "labels" / "seed"),
                        help="folder of raw <doc_id>.txt files (default: labels/seed)")
    parser.add_argument("--out", default=None, help="output folder (default: <source>/work)")
    parser.add_argument("--force", action="store_true", help="overwrite existing skeletons")
    args = parser.parse_args(argv)
    source = Path(args.source)
    out = Path(args.out) if args.out else source / "work"
    paths = sorted(source.glob("*.txt"))
    if not paths:
        print(f"no *.txt files in {source}", file=sys.stderr)
        return 1
    for path in paths:
        target = out / f"{path.stem}.skeleton.jsonl"
        if target.exists() and not args.force:
            print(f"skip {target} (exists; --force to overwrite)")
            continue
        records = skeleton_records(read_raw_text(path), path.stem)
        write_labeled(records, target)
        headings = sum(r["label"] == "heading" for r in records)
        print(f"{target}: {len(records)} clauses ({headings} headings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
