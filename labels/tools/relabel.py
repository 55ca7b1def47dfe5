"""Apply a label change log to the gold files (labels only: spans, texts and quantities are untouched).

    python labels/tools/relabel.py labels/changes/2026-11-30_c1-c4.tsv [--check]

A change log is a TSV with the columns doc_id, index, old, new, convention, reason, excerpt (one row
per relabelled clause; excerpt is the start of the clause text, for reading). Each row sets the clause's
label from `old` to `new`. A row whose clause already has `new` is skipped (applying twice is
harmless); a row whose clause has a third label, or whose clause does not exist, is reported and the
exit status is 1. `--check` changes nothing and fails unless every row is applied.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "labels"
COLUMNS = ["doc_id", "index", "old", "new", "convention", "reason", "excerpt"]


def read_log(path: Path) -> dict[tuple[str, int], dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames != COLUMNS:
            raise SystemExit(f"{path}: expected columns {COLUMNS}, got {reader.fieldnames}")
        rows = {}
        for n, row in enumerate(reader, start=2):
            key = (row["doc_id"], int(row["index"]))
            if key in rows:
                raise SystemExit(f"{path}:{n}: {key[0]}#{key[1]} listed twice")
            rows[key] = row
    return rows


def gold_files(root: Path = LABELS) -> list[Path]:
    """Gold JSONL files of labels/seed and labels/extra (not the documents.jsonl manifest)."""
    files = sorted((root / "seed").glob("*.jsonl")) + sorted((root / "extra").glob("*.jsonl"))
    return [p for p in files if p.name != "documents.jsonl"]


def relabel(rows: dict[tuple[str, int], dict[str, str]], check: bool = False,
            root: Path = LABELS) -> tuple[int, list[str]]:
    """Apply the rows to the gold files under `root`; return (clauses changed or still to change, problems)."""
    seen: set[tuple[str, int]] = set()
    changed = 0
    problems: list[str] = []
    for path in gold_files(root):
        lines = path.read_text(encoding="utf-8").splitlines()
        out: list[str] = []
        dirty = False
        for line in lines:
            record = json.loads(line)
            key = (record["doc_id"], int(record["index"]))
            row = rows.get(key)
            if row is not None:
                seen.add(key)
                if record["label"] == row["old"]:
                    changed += 1
                    if check:
                        problems.append(f"{key[0]}#{key[1]}: not applied (still {row['old']!r})")
                    else:
                        record["label"] = row["new"]
                        dirty = True
                elif record["label"] != row["new"]:
                    problems.append(f"{key[0]}#{key[1]}: label is {record['label']!r}, "
                                    f"log expects {row['old']!r} → {row['new']!r}")
            out.append(json.dumps(record, ensure_ascii=False))
        if dirty:
            path.write_text("\n".join(out) + "\n", encoding="utf-8")
    problems += [f"{d}#{i}: no such clause in {root}" for d, i in sorted(set(rows) - seen)]
    return changed, problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", type=Path, help="change log TSV")
    ap.add_argument("--check", action="store_true", help="fail unless every row is applied; change nothing")
    args = ap.parse_args()
    rows = read_log(args.log)
    changed, problems = relabel(rows, check=args.check)
    for p in problems:
        print(f"{args.log}: {p}", file=sys.stderr)
    verb = "to apply" if args.check else "relabelled"
    print(f"{args.log}: {len(rows)} rows, {changed} {verb}, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
