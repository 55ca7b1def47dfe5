"""Gold JSONL from a skeleton and an annotator's label table with unit corrections (SPEC §1, §4).

Annotators label the clauses of a *skeleton* (the splitter's output when annotation started,
``<doc_id>.skeleton.jsonl``) in a table ``<doc_id>.labels.tsv`` with the columns ``index``, ``label``,
``unit`` and ``note``, where ``unit`` corrects the splitter:

- empty: the clause is a correct unit;
- ``merge_prev``: the clause belongs to the unit before it (a note on its own line, the second line of a
  broken title, a sentence cut by a line break); it is joined to that unit, which keeps its label;
- ``split``: the clause runs several units together; ``note`` names each further part by its first
  characters and label, ``split: <first chars>=<label> | <first chars>=<label>``; the row's label is the
  first part's.

The gold units are the skeleton's clauses with these corrections applied, so they do not depend on any
later version of the splitter. Before any row is applied the skeleton is checked (:func:`check_skeleton`):
indices increasing, spans in order and not overlapping, and every clause's ``raw[start:end]`` equal to its
text up to whitespace (the validator's rule, :func:`clausetag.harness.validation.same_text`), so a raw
text that is not the one the skeleton was made from fails the document. Heading paths are rebuilt from the gold headings (rows labelled
``heading``) with a stack keyed by each heading's numbering family (``第X编`` above ``第X章`` above
``第X节`` above ``一、`` above ``（一）`` above ``1.`` above ``（1）`` above ``①``; an unnumbered heading sits
at the level of ``一、``).

``clausetag import-annotations`` writes a skeleton and a table for every document with unit corrections;
``clausetag apply-units`` (:func:`apply_units_dir`) turns them into gold. The policy gold of
``labels/policy`` was made this way from ``labels/policy_annotation/r*/``.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clausetag.harness.data import write_labeled
from clausetag.harness.validation import doc_file_stem, same_text
from clausetag.io.schema import load_schema
from clausetag.segment.text import DecodeError, read_text

__all__ = ["LEVELS", "UNNUMBERED_LEVEL", "UnitError", "UnitsResult", "apply_units", "apply_units_dir",
           "char_positions", "check_skeleton", "heading_level", "parse_split", "read_skeleton", "read_table"]

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
TABLE_COLUMNS = ("index", "label", "unit", "note")
SKELETON_SUFFIX, TABLE_SUFFIX = ".skeleton.jsonl", ".labels.tsv"


class UnitError(ValueError):
    """A skeleton or label table that cannot be applied (the message names the document and row or file)."""


@dataclass
class UnitsResult:
    """What :func:`apply_units_dir` did: gold files written, clauses in them, one line per failed document."""

    written: list[Path] = field(default_factory=list)
    clauses: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no document failed."""
        return not self.problems


def char_positions(raw: str, start: int, end: int, text: str) -> list[int]:
    """Raw offset of every character of a clause text (the text drops the line breaks of ``raw[start:end]``)."""
    out: list[int] = []
    k = start
    for ch in text:
        while k < end and raw[k] != ch:
            k += 1
        if k >= end:
            raise ValueError(f"clause text not found in raw[{start}:{end}]")
        out.append(k)
        k += 1
    return out


def heading_level(text: str) -> int:
    """The nesting level of a heading from its numbering (the position of its family in :data:`LEVELS`)."""
    stripped = text.lstrip("　 \t▍■●◆*")
    for level, pattern in enumerate(LEVELS):
        if pattern.match(stripped):
            return level
    return UNNUMBERED_LEVEL


def read_table(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The rows of a label table (TSV with the columns ``index``, ``label``, ``unit``, ``note``; ``unit``
    and ``note`` may be missing). Raises :class:`UnitError` naming the file when it cannot be used."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in ("index", "label") if c not in (reader.fieldnames or [])]
        if missing:
            raise UnitError(f"{path}: no column {', '.join(map(repr, missing))} in the header "
                            f"(expected {' '.join(TABLE_COLUMNS)}, tab-separated)")
        rows = []
        for line, row in enumerate(reader, start=2):
            if not (row.get("index") or "").strip().isdigit():
                raise UnitError(f"{path}:{line}: index {row.get('index')!r} is not a clause number")
            rows.append({k: v if v is not None else "" for k, v in row.items() if k is not None})
    return rows


def read_skeleton(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The clauses of a skeleton JSONL (``index``, ``text``, ``start``, ``end`` per line; ``doc_id`` and
    ``heading_path`` as written). Raises :class:`UnitError` naming the file and line when it cannot be used."""
    path = Path(path)
    clauses = []
    for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            clause = json.loads(text)
        except ValueError as exc:
            raise UnitError(f"{path}:{line}: not JSON ({exc})") from None
        if not isinstance(clause, dict):
            raise UnitError(f"{path}:{line}: not a clause record")
        for key, kind in (("index", int), ("start", int), ("end", int), ("text", str)):
            if not isinstance(clause.get(key), kind) or isinstance(clause.get(key), bool):
                raise UnitError(f"{path}:{line}: no {kind.__name__} {key!r}")
        clauses.append(clause)
    return clauses


def parse_split(note: str) -> list[tuple[str, str]]:
    """``split: 关于加强=other | 为贯彻落实=other`` → ``[(fragment, label), ...]`` (``[]`` without ``split:``).

    A note may go on after the parts, behind ``;``: ``split: 为贯彻=other; adj: …``. Raises
    :class:`ValueError` for a part without ``=`` or without first characters."""
    m = re.search(r"split:\s*(.*)", note)
    if not m:
        return []
    spec = re.split(r"[;；]", m.group(1), maxsplit=1)[0]
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


def _short(text: str, width: int = 30) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def check_skeleton(doc_id: str, raw: str, skeleton: list[dict[str, Any]]) -> None:
    """Check a skeleton against its raw text before any correction is applied: indices strictly
    increasing (none twice), spans ``0 <= start < end <= len(raw)``, each starting at or after the end of
    the clause before (in order, no overlap), and ``raw[start:end]`` equal to the clause text up to
    whitespace (:func:`clausetag.harness.validation.same_text`, the validator's rule). Raises
    :class:`UnitError` naming the document, the clause index and what differs."""
    prev: dict[str, Any] | None = None
    seen: set[int] = set()
    for clause in skeleton:
        i, start, end, text = clause["index"], clause["start"], clause["end"], clause["text"]
        where = f"{doc_id}: skeleton clause {i}"
        if i in seen:
            raise UnitError(f"{where}: index {i} given twice (the skeleton's indices must increase)")
        if prev is not None and i < prev["index"]:
            raise UnitError(f"{where}: index {i} comes after index {prev['index']} (the skeleton's indices "
                            "must increase)")
        seen.add(i)
        if not 0 <= start < end <= len(raw):
            raise UnitError(f"{where}: span [{start}:{end}] is not inside the raw text (length {len(raw)}; "
                            "the raw text is not the one the skeleton was made from)")
        if prev is not None and start < prev["end"]:
            how = "starts before" if start < prev["start"] else "overlaps"
            raise UnitError(f"{where}: span [{start}:{end}] {how} clause {prev['index']} "
                            f"[{prev['start']}:{prev['end']}]")
        if not same_text(raw[start:end], text):
            raise UnitError(f"{where}: raw[{start}:{end}] is {_short(raw[start:end])!r}, the clause text is "
                            f"{_short(text)!r} (compared without whitespace; the raw text is not the one the "
                            "skeleton was made from)")
        prev = clause


def apply_units(doc_id: str, raw: str, skeleton: list[dict[str, Any]], rows: list[dict[str, str]],
                labels: Collection[str] | None = None, source: str | None = None) -> list[dict[str, Any]]:
    """Gold records of one document (SPEC §4) from its skeleton and label table.

    ``labels`` are the allowed label codes (default: the packaged schema's); ``source``, if given, is
    written to every record. The skeleton is checked first (:func:`check_skeleton`). Raises
    :class:`UnitError` naming the document and row (or skeleton clause)."""
    allowed = set(labels) if labels is not None else set(load_schema().codes)
    check_skeleton(doc_id, raw, skeleton)
    by_index: dict[int, dict[str, str]] = {}
    for r in rows:
        i = int(r["index"])
        if i in by_index:
            raise UnitError(f"{doc_id} row {i}: two rows for this clause")
        by_index[i] = r
    known = {c["index"] for c in skeleton}
    missing = [c["index"] for c in skeleton if c["index"] not in by_index]
    if missing:
        raise UnitError(f"{doc_id}: no row for skeleton clauses {missing[:10]}")
    extra = sorted(set(by_index) - known)
    if extra:
        raise UnitError(f"{doc_id}: rows for clauses the skeleton does not have {extra[:10]}")
    units: list[dict[str, Any]] = []  # {start, end, text, label}
    for clause in skeleton:
        row = by_index[clause["index"]]
        label, unit, note = row["label"].strip(), (row.get("unit") or "").strip(), row.get("note") or ""
        where = f"{doc_id} row {clause['index']}"
        if label not in allowed:
            raise UnitError(f"{where}: unknown label {label!r}")
        if unit == "merge_prev":
            if not units:
                raise UnitError(f"{where}: merge_prev on the first clause (there is no unit before it)")
            prev = units[-1]
            between = raw[prev["end"]:clause["start"]]
            prev["end"] = clause["end"]
            prev["text"] = prev["text"] + ("" if not between.strip() else "".join(between.split())) + clause["text"]
            continue
        if unit == "split":
            units.extend(_split_units(where, raw, clause, label, note, allowed))
            continue
        if unit:
            raise UnitError(f"{where}: unknown unit {unit!r} (empty, merge_prev or split)")
        units.append({"start": clause["start"], "end": clause["end"], "text": clause["text"], "label": label})
    return _records(doc_id, units, source)


def _split_units(where: str, raw: str, clause: dict[str, Any], label: str, note: str,
                 allowed: set[str]) -> list[dict[str, Any]]:
    """The units a ``split`` row's clause becomes, each with its raw span and label."""
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
        if part_label not in allowed:
            raise UnitError(f"{where}: unknown label {part_label!r} of split part {frag!r}")
        cuts.append(found)
        pos = found
    cuts.append(len(text))
    try:
        offsets = char_positions(raw, clause["start"], clause["end"], text)
    except ValueError as exc:
        raise UnitError(f"{where}: {exc} (the raw text is not the one the skeleton was made from)") from None
    if label not in allowed:
        raise UnitError(f"{where}: unknown label {label!r} of the first split part")
    out = []
    for a, b, lab in zip(cuts, cuts[1:], [label] + [lab for _, lab in parts]):
        piece = text[a:b].rstrip()
        if not piece.strip():
            continue
        out.append({"start": offsets[a], "end": offsets[a + len(piece) - 1] + 1, "text": piece.strip(), "label": lab})
    return out


def _records(doc_id: str, units: list[dict[str, Any]], source: str | None) -> list[dict[str, Any]]:
    """Gold records of the units, numbered, with heading paths rebuilt from the gold headings."""
    records: list[dict[str, Any]] = []
    stack: list[tuple[int, str]] = []
    for i, u in enumerate(units):
        is_heading = u["label"] == "heading"
        level = heading_level(u["text"]) if is_heading else 0
        if is_heading:
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


def _doc_id(stem: str, skeleton: list[dict[str, Any]], path: Path) -> str:
    """The document id: the skeleton's (ids such as ``a/x.txt`` are stored as ``a__x.txt``), else the stem."""
    ids = {c["doc_id"] for c in skeleton if c.get("doc_id") is not None}
    if not ids:
        return stem
    doc_id = str(ids.pop())
    if ids:
        raise UnitError(f"{path}: clauses of several documents ({doc_id!r}, {sorted(map(str, ids))[0]!r}, …)")
    if doc_file_stem(doc_id) != stem:
        raise UnitError(f"{path}: the clauses are of document {doc_id!r}, not {stem!r}")
    return doc_id


def _failed(line: str, gold: Path) -> str:
    """A failed document's problem line; it says so when a gold file from an earlier run stays in place."""
    if gold.exists():
        return f"{line}; {gold} from an earlier run is left as it was (not updated)"
    return line


def apply_units_dir(raw_dir: str | os.PathLike[str], skeleton_dir: str | os.PathLike[str],
                    label_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                    source_is_doc_id: bool = False, labels: Collection[str] | None = None) -> UnitsResult:
    """Make the gold of every ``<doc_id>.labels.tsv`` in ``label_dir``: ``out_dir/<doc_id>.jsonl`` beside a
    byte-for-byte copy of ``raw_dir/<doc_id>.txt``, from ``skeleton_dir/<doc_id>.skeleton.jsonl``.

    A document that fails (missing file, bad table, a skeleton that does not match the raw text, a
    correction that cannot be applied) is not written and gets one line in ``problems``; the others are
    written. As with ``clausetag import-annotations``, a failed document's gold from an earlier run is left
    as it was (its line says so), and a document's gold and raw copy are written in a staging folder inside
    ``out_dir`` first and moved into place together. ``source_is_doc_id`` sets each record's ``source`` to
    its doc id (corpus documents)."""
    raw_root, skel_root, out_root = Path(raw_dir), Path(skeleton_dir), Path(out_dir)
    allowed = set(labels) if labels is not None else set(load_schema().codes)
    result = UnitsResult()
    out_root.mkdir(parents=True, exist_ok=True)
    for table in sorted(Path(label_dir).glob(f"*{TABLE_SUFFIX}")):
        stem = table.name.removesuffix(TABLE_SUFFIX)
        raw_path, skel_path = raw_root / f"{stem}.txt", skel_root / f"{stem}{SKELETON_SUFFIX}"
        if not raw_path.exists() or not skel_path.exists():
            result.problems.append(_failed(f"{stem}: missing {raw_path if not raw_path.exists() else skel_path}",
                                           out_root / f"{stem}.jsonl"))
            continue
        try:
            raw = read_text(raw_path)
            skeleton = read_skeleton(skel_path)
            doc_id = _doc_id(stem, skeleton, skel_path)
            records = apply_units(doc_id, raw, skeleton, read_table(table), allowed,
                                  source=doc_id if source_is_doc_id else None)
        except (UnitError, DecodeError) as exc:
            result.problems.append(_failed(str(exc), out_root / f"{stem}.jsonl"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            result.problems.append(_failed(f"{stem}: cannot read {getattr(exc, 'filename', None) or table} ({exc})",
                                           out_root / f"{stem}.jsonl"))
            continue
        gold, target = out_root / f"{stem}.jsonl", out_root / f"{stem}.txt"
        with tempfile.TemporaryDirectory(dir=out_root, prefix=".apply-units-") as tmp:
            staged = write_labeled(records, Path(tmp) / gold.name)
            if raw_path.resolve() != target.resolve():
                shutil.copyfile(raw_path, Path(tmp) / target.name)  # byte for byte
                os.replace(Path(tmp) / target.name, target)
            os.replace(staged, gold)
        result.written.append(gold)
        result.clauses += len(records)
    return result
