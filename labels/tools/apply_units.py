#!/usr/bin/env python3
"""Gold JSONL from a skeleton and an annotator's label table with unit corrections (policy documents).

Annotators label the clauses of a *skeleton* (the splitter's output when annotation started) in a table
``<doc_id>.labels.tsv`` with the columns ``index``, ``label``, ``unit`` and ``note``, where ``unit`` corrects
the splitter by SPEC §1:

- empty: the clause is a correct unit;
- ``merge_prev``: the clause belongs to the unit before it (a note on its own line, the second line of a
  broken title, a sentence cut by a line break); it is joined to that unit, which keeps its label;
- ``split``: the clause runs several units together; ``note`` names each further part by its first
  characters and label, ``split: <first chars>=<label> | <first chars>=<label>``; the row's label is the
  first part's.

The gold units are the skeleton's clauses with these corrections applied, so they do not depend on any
later version of the splitter. Heading paths are rebuilt from the gold headings (rows labelled
``heading``) with a stack keyed by each heading's numbering family (``第X编`` above ``第X章`` above
``第X节`` above ``一、`` above ``（一）`` above ``1.`` above ``（1）`` above ``①``; an unnumbered heading sits at the
level of ``一、``).

    python labels/tools/apply_units.py --raw RAW_DIR --skeletons SKEL_DIR --labels LABEL_DIR --out OUT_DIR \
        [--source-is-doc-id]

Every problem is printed with the document and row; the exit status is 1 if a document failed.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clausetag.harness.data import write_labeled
from clausetag.segment.text import read_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from merge_annotations import char_positions  # raw offset of every character of a clause text

_CN = "〇零一二三四五六七八九十百千两"
#: numbering families of headings, outermost first (the level is the position in this list)
LEVELS: list[re.Pattern[str]] = [
    re.compile(rf"^第[{_CN}\d]+编"),
    re.compile(rf"^第[{_CN}\d]+章"),
    re.compile(rf"^第[{_CN}\d]+节"),
    re.compile(rf"^[{_CN}]+[、．.]"),
    re.compile(rf"^[（(][{_CN}]+[）)]"),
    re.compile(r"^\d+\s*[、．.](?!\d)"),
    re.compile(r"^[（(]\d+[）)]"),
    re.compile(r"^[①-⑳]"),
]
UNNUMBERED_LEVEL = 3  # the level of 一、


class UnitError(ValueError):
    """A label table that cannot be applied to its skeleton (the message names the document and row)."""


def heading_level(text: str) -> int:
    """The nesting level of a heading from its numbering (see :data:`LEVELS`)."""
    stripped = text.lstrip("　 \t▍■●◆*")
    for level, pattern in enumerate(LEVELS):
        if pattern.match(stripped):
            return level
    return UNNUMBERED_LEVEL


def read_table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def parse_split(note: str) -> list[tuple[str, str]]:
    """``split: 关于加强=other | 为贯彻落实=other`` → [(fragment, label), ...]."""
    m = re.search(r"split:\s*(.*)", note)
    if not m:
        return []
    spec = re.split(r"[;；]", m.group(1), maxsplit=1)[0]  # a note may go on after the parts: `…=other; adj: …`
    parts = []
    for item in spec.split("|"):
        item = item.strip()
        if not item:
            continue
        frag, sep, label = item.rpartition("=")
        if not sep or not frag.strip():
            raise ValueError(f"cannot read split part {item!r}")
        parts.append((frag.strip(), label.strip().split()[0] if label.strip() else ""))
    return parts


def apply_units(doc_id: str, raw: str, skeleton: list[dict[str, Any]], rows: list[dict[str, str]],
                labels: set[str], source: str | None = None) -> list[dict[str, Any]]:
    """Gold records of one document (SPEC §4) from its skeleton and label table."""
    by_index = {int(r["index"]): r for r in rows}
    missing = [c["index"] for c in skeleton if c["index"] not in by_index]
    if missing:
        raise UnitError(f"{doc_id}: no row for skeleton clauses {missing[:10]}")
    units: list[dict[str, Any]] = []  # {start, end, text, label}
    for clause in skeleton:
        row = by_index[clause["index"]]
        label, unit, note = row["label"].strip(), (row.get("unit") or "").strip(), row.get("note") or ""
        where = f"{doc_id} row {clause['index']}"
        if label not in labels:
            raise UnitError(f"{where}: unknown label {label!r}")
        if unit == "merge_prev" and units:
            prev = units[-1]
            between = raw[prev["end"]:clause["start"]]
            prev["end"] = clause["end"]
            prev["text"] = prev["text"] + ("" if not between.strip() else "".join(between.split())) + clause["text"]
            continue
        if unit == "split":
            try:
                parts = parse_split(note)
            except ValueError as exc:
                raise UnitError(f"{where}: {exc}") from None
            if not parts:
                raise UnitError(f"{where}: unit 'split' but the note gives no 'split: <first chars>=<label>' parts")
            text = clause["text"]
            if text.startswith(parts[0][0]):  # the note named the first part too: its label is the row's
                label = parts.pop(0)[1] or label
            cuts, pos = [0], 0
            for frag, part_label in parts:
                found = text.find(frag, pos + 1)
                if found < 0:
                    raise UnitError(f"{where}: split fragment {frag!r} not found after position {pos}")
                if part_label not in labels:
                    raise UnitError(f"{where}: unknown label {part_label!r} of split part {frag!r}")
                cuts.append(found)
                pos = found
            cuts.append(len(text))
            offsets = char_positions(raw, clause["start"], clause["end"], text)
            if label not in labels:
                raise UnitError(f"{where}: unknown label {label!r} of the first split part")
            part_labels = [label] + [lab for _, lab in parts]
            for a, b, lab in zip(cuts, cuts[1:], part_labels):
                piece = text[a:b].rstrip()
                if not piece.strip():
                    continue
                units.append({"start": offsets[a], "end": offsets[a + len(piece) - 1] + 1, "text": piece.strip(),
                              "label": lab})
            continue
        if unit not in ("", "merge_prev"):
            raise UnitError(f"{where}: unknown unit {unit!r} (empty, merge_prev or split)")
        units.append({"start": clause["start"], "end": clause["end"], "text": clause["text"], "label": label})
    records: list[dict[str, Any]] = []
    stack: list[tuple[int, str]] = []
    for i, u in enumerate(units):
        is_heading = u["label"] == "heading"
        if is_heading:
            level = heading_level(u["text"])
            while stack and stack[-1][0] >= level:
                stack.pop()
        rec = {"doc_id": doc_id, "index": i, "text": u["text"], "start": u["start"], "end": u["end"],
               "heading_path": [t for _, t in stack], "label": u["label"], "quantities": [],
               "is_heading": is_heading, "quantities_annotated": False}
        if source:
            rec["source"] = source
        records.append(rec)
        if is_heading:
            stack.append((level, u["text"]))
    return records


def main() -> int:
    from clausetag.io.schema import load_schema

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", required=True, type=Path, help="folder with <doc_id>.txt")
    ap.add_argument("--skeletons", required=True, type=Path, help="folder with <doc_id>.skeleton.jsonl")
    ap.add_argument("--labels", required=True, type=Path, help="folder with <doc_id>.labels.tsv")
    ap.add_argument("--out", required=True, type=Path, help="folder for <doc_id>.jsonl (and a copy of the raw text)")
    ap.add_argument("--source-is-doc-id", action="store_true", help="record source = doc_id (corpus documents)")
    args = ap.parse_args()
    labels = {lab.code for lab in load_schema().labels}
    failed = done = 0
    args.out.mkdir(parents=True, exist_ok=True)
    for table in sorted(args.labels.glob("*.labels.tsv")):
        doc_id = table.name.removesuffix(".labels.tsv")
        raw_path, skel_path = args.raw / f"{doc_id}.txt", args.skeletons / f"{doc_id}.skeleton.jsonl"
        if not raw_path.exists() or not skel_path.exists():
            print(f"{doc_id}: missing {raw_path if not raw_path.exists() else skel_path}", file=sys.stderr)
            failed += 1
            continue
        raw = read_text(raw_path)
        skeleton = [json.loads(line) for line in skel_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        try:
            records = apply_units(doc_id, raw, skeleton, read_table(table), labels,
                                  source=doc_id if args.source_is_doc_id else None)
        except UnitError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        write_labeled(records, args.out / f"{doc_id}.jsonl")
        target = args.out / f"{doc_id}.txt"
        if raw_path.resolve() != target.resolve():
            target.write_bytes(raw_path.read_bytes())
        done += 1
    print(f"{done} document(s) written to {args.out}; {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
