#!/usr/bin/env python3
"""Apply an annotator's label table to a skeleton: gold clause JSONL with corrected units.

    python labels/tools/apply_units.py SKELETON.jsonl LABELS.tsv RAW.txt -o OUT.jsonl
    python labels/tools/apply_units.py --tasks /work/annot/heldout/tasks --labels /work/annot/heldout/A \\
        --raw labels/policy_heldout --out /tmp/gold_A          # every <id>.labels.tsv of a folder

The skeleton is the splitter's clauses as the annotator saw them (``<id>.skeleton.jsonl``); the label
table (``<id>.labels.tsv``, see /work/annot/annotate.md) has the columns ``index label unit note``,
one row per skeleton clause. ``unit`` corrects the clause units:

* empty: the clause is a unit;
* ``merge_prev``: the clause belongs to the previous unit (a note on its own line, the second line of
  a title, a sentence cut by a line break); the unit keeps the previous unit's label;
* ``split``: the clause runs several units together; ``note`` holds
  ``split: <first chars>=<label> | <first chars>=<label>`` (possibly after other note text and
  ``;``): each further part starts where its first characters occur in the clause (searched after
  the previous part, whitespace and full/half-width forms ignored). The row's ``label`` is the
  first part's.

Spans index the raw text; each unit is trimmed of surrounding whitespace and its ``text`` is the
raw slice without line breaks (as the splitter makes it). Heading paths are recomputed for the gold
headings (``label == "heading"``), the way the splitter nests them: a heading's level is its marker
family (``一、``, ``（一）``, ``1.``, … from the rule set; an unmarked heading is one family of its
own), families nest in their order of first appearance, a heading of a family already open closes
that level and every deeper one, and closing apparatus (``path_reset``: 抄送, 附件, …) closes all.
The output passes ``clausetag validate`` when the raw text lies beside it.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from clausetag.schema import load_schema
from clausetag.splitter import Splitter, clause_text
from clausetag.text import normalize, read_text

UNIT_VALUES = ("", "merge_prev", "split")


class UnitsError(ValueError):
    """A label table that cannot be applied; the message names the file, the row and the problem."""


@dataclass
class Row:
    index: int
    label: str
    unit: str
    note: str


def read_label_table(path: str | Path, n_clauses: int | None = None) -> list[Row]:
    """The rows of ``<id>.labels.tsv``, checked: header, one row per index in order, known labels
    and unit values."""
    path = Path(path)
    codes = set(load_schema().codes)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or [h.strip() for h in header[:3]] != ["index", "label", "unit"]:
            raise UnitsError(f"{path}: header must be 'index<TAB>label<TAB>unit<TAB>note', got {header!r}")
        rows = []
        for lineno, cells in enumerate(reader, 2):
            if not cells or not "".join(cells).strip():
                continue
            cells = cells + [""] * (4 - len(cells))
            try:
                index = int(cells[0])
            except ValueError:
                raise UnitsError(f"{path}:{lineno}: index {cells[0]!r} is not an integer") from None
            label, unit, note = cells[1].strip(), cells[2].strip(), "\t".join(cells[3:]).strip()
            if label not in codes:
                raise UnitsError(f"{path}:{lineno}: unknown label {label!r}")
            if unit not in UNIT_VALUES:
                raise UnitsError(f"{path}:{lineno}: unit must be empty, merge_prev or split, got {unit!r}")
            if index != len(rows):
                raise UnitsError(f"{path}:{lineno}: expected index {len(rows)}, found {index}")
            rows.append(Row(index, label, unit, note))
    if n_clauses is not None and len(rows) != n_clauses:
        raise UnitsError(f"{path}: {len(rows)} rows for {n_clauses} skeleton clauses")
    return rows


_SPLIT = re.compile(r"split\s*[:：]\s*(.*)$", re.S)


def split_parts(note: str) -> list[tuple[str, str]]:
    """The ``(first chars, label)`` parts of a ``split:`` note (empty when the note has none).

    Parts are separated by ``|``. In each, the first ``=`` followed by a label code ends the first
    characters; text after the label (``; adj: P1 — … = …``, ``; ? other``) is note text. A piece
    without ``=<label>`` ends the parts (free note text after them, e.g. ``| NEW: …``)."""
    m = _SPLIT.search(note)
    if m is None:
        return []
    codes = set(load_schema().codes)
    parts = []
    for piece in m.group(1).split("|"):
        piece = piece.strip()
        found = None
        for eq in re.finditer("=", piece):
            word = re.match(r"\s*([a-z_]+)", piece[eq.end():])
            if word is not None and word.group(1) in codes and piece[: eq.start()].strip():
                found = (piece[: eq.start()].strip(), word.group(1))
                break
        if found is None:
            if "=" in piece and not parts:
                raise ValueError(f"split part {piece!r} has no known label after '='")
            break
        parts.append(found)
    return parts


def _squashed_index(raw: str, a: int, b: int) -> tuple[str, list[int]]:
    """raw[a:b] normalised with whitespace removed, and the raw offset of each of its characters."""
    norm = normalize(raw[a:b])
    chars, pos = [], []
    for i, ch in enumerate(norm):
        if not ch.isspace():
            chars.append(ch)
            pos.append(a + i)
    return "".join(chars), pos


def find_part(raw: str, a: int, b: int, start_chars: str) -> int | None:
    """Raw offset where ``start_chars`` (whitespace and width ignored) occurs in raw[a:b], after ``a``;
    falls back to ever shorter prefixes (at least 4 characters) when an annotator mistyped the end."""
    hay, pos = _squashed_index(raw, a, b)
    needle = "".join(normalize(start_chars).split())
    for k in range(len(needle), min(len(needle), 4) - 1, -1):
        i = hay.find(needle[:k], 1)  # a part never starts at the clause start
        if i > 0:
            return pos[i]
    return None


def _trim(raw: str, a: int, b: int) -> tuple[int, int]:
    while a < b and raw[a].isspace():
        a += 1
    while b > a and raw[b - 1].isspace():
        b -= 1
    return a, b


def apply_units(skeleton: Sequence[dict[str, Any]], rows: Sequence[Row], raw: str, *,
                splitter: Splitter | None = None, source: str = "<labels>") -> list[dict[str, Any]]:
    """Gold clause records (SPEC §4) from skeleton clauses, the annotator's rows and the raw text."""
    if len(rows) != len(skeleton):
        raise UnitsError(f"{source}: {len(rows)} rows for {len(skeleton)} skeleton clauses")
    units: list[list[Any]] = []  # [start, end, label]
    for clause, row in zip(skeleton, rows):
        a, b = int(clause["start"]), int(clause["end"])
        if row.unit == "merge_prev":
            if not units:
                raise UnitsError(f"{source}: row {row.index}: merge_prev on the first clause")
            units[-1][1] = b
            continue
        if row.unit != "split":
            units.append([a, b, row.label])
            continue
        try:
            parts = split_parts(row.note)
        except ValueError as exc:
            raise UnitsError(f"{source}: row {row.index}: {exc}") from None
        if not parts:
            raise UnitsError(f"{source}: row {row.index}: unit 'split' without 'split: <chars>=<label>' in the note")
        cuts, labels = [a], [row.label]
        for chars, label in parts:
            pos = find_part(raw, cuts[-1], b, chars)
            if pos is None:
                raise UnitsError(f"{source}: row {row.index}: split part {chars!r} not found in the clause "
                                 f"{clause_text(raw, a, b)[:40]!r}")
            cuts.append(pos)
            labels.append(label)
        cuts.append(b)
        for (x, y), label in zip(pairwise(cuts), labels):
            units.append([x, y, label])
    codes = set(load_schema().codes)
    splitter = splitter or Splitter()
    records: list[dict[str, Any]] = []
    doc_id = str(skeleton[0]["doc_id"]) if skeleton else ""
    stack: list[tuple[str, str]] = []  # (family, heading text) of the open headings, outermost first
    for a, b, label in units:
        a, b = _trim(raw, a, b)
        if a >= b:
            continue
        if label not in codes:
            raise UnitsError(f"{source}: unknown label {label!r} in a split part")
        text = clause_text(raw, a, b)
        if label == "heading":
            family = splitter.heading_family(text) or "plain"
            k = next((i for i, (f, _) in enumerate(stack) if f == family), len(stack))
            path = [h for _, h in stack[:k]]
            del stack[k:]
            stack.append((family, text))
        else:
            if splitter.resets_path(text):
                stack.clear()
            path = [h for _, h in stack]
        records.append({"doc_id": doc_id, "index": len(records), "text": text, "start": a, "end": b,
                        "heading_path": path, "label": label, "quantities": []})
    return records


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(records: Sequence[dict[str, Any]], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def apply_files(skeleton: str | Path, labels: str | Path, raw: str | Path) -> list[dict[str, Any]]:
    skel = read_jsonl(skeleton)
    return apply_units(skel, read_label_table(labels, len(skel)), read_text(raw), source=str(labels))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("skeleton", nargs="?", help="<id>.skeleton.jsonl")
    ap.add_argument("labels", nargs="?", help="<id>.labels.tsv")
    ap.add_argument("raw", nargs="?", help="<id>.txt, the raw text")
    ap.add_argument("-o", "--output", help="output JSONL (one document)")
    ap.add_argument("--tasks", help="folder of <id>.skeleton.jsonl (folder mode)")
    ap.add_argument("--labels", dest="labels_dir", help="folder of <id>.labels.tsv (folder mode)")
    ap.add_argument("--raw", dest="raw_dir", help="folder of <id>.txt (folder mode)")
    ap.add_argument("--out", help="output folder (folder mode): <id>.jsonl, with a copy of <id>.txt when absent")
    args = ap.parse_args(argv)
    try:
        if args.labels_dir:
            if not (args.tasks and args.raw_dir and args.out):
                ap.error("folder mode needs --tasks, --labels, --raw and --out")
            out = Path(args.out)
            tables = sorted(Path(args.labels_dir).glob("*.labels.tsv"))
            if not tables:
                raise UnitsError(f"{args.labels_dir}: no *.labels.tsv files")
            for table in tables:
                doc_id = table.name[: -len(".labels.tsv")]
                raw = Path(args.raw_dir) / f"{doc_id}.txt"
                records = apply_files(Path(args.tasks) / f"{doc_id}.skeleton.jsonl", table, raw)
                write_jsonl(records, out / f"{doc_id}.jsonl")
                if not (out / f"{doc_id}.txt").exists():
                    (out / f"{doc_id}.txt").write_bytes(raw.read_bytes())
                print(f"{doc_id}: {len(records)} clauses", file=sys.stderr)
        else:
            if not (args.skeleton and args.labels and args.raw and args.output):
                ap.error("give SKELETON LABELS RAW -o OUT, or the folder options")
            records = apply_files(args.skeleton, args.labels, args.raw)
            write_jsonl(records, args.output)
            print(f"{args.output}: {len(records)} clauses", file=sys.stderr)
    except (UnitsError, OSError, json.JSONDecodeError) as exc:
        print(f"apply_units: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
