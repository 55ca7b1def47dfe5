"""The validator for labeled gold data (SPEC §4); the label schema itself is :mod:`clausetag.io.schema`.

:func:`validate` checks gold JSONL files against the raw texts they annotate::

    clausetag validate labels/seed

Conventions the validator enforces (documented in ``labels/README.md``):

* the raw text of ``doc_id`` is ``<dir of the .jsonl>/<doc_id>.txt``, decoded by
  :func:`clausetag.segment.text.read_text` (UTF-8 or GB18030, BOM dropped, line endings kept); offsets are
  character offsets into that string;
* ``raw[start:end]`` equals ``text`` after removing *all* whitespace from both (``str.split()``
  whitespace, which includes U+3000 and U+00A0);
* every non-whitespace character of the raw text is inside some clause span, unless it is conversion
  residue as :func:`clausetag.segment.text.residue_spans` defines it (``clausetag/rules/residue.yaml``: the
  regexes under ``patterns`` plus table pipes), which the splitter blanks too.
"""
from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from clausetag.io.schema import LabelSchema, load_schema
from clausetag.segment.text import read_text, residue_spans

__all__ = [
    "RECORD_FIELDS",
    "Problem",
    "corpus_text",
    "gold_files",
    "gold_paths",
    "read_raw_text",
    "same_text",
    "validate",
]

@dataclass(frozen=True)
class Problem:
    """One problem found by :func:`validate`; ``str(problem)`` is ``path:line: [code] message``."""

    path: str
    line: int | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: [{self.code}] {self.message}"


RECORD_FIELDS: tuple[str, ...] = (
    "doc_id", "index", "text", "start", "end", "heading_path", "label", "quantities",
)


def doc_file_stem(doc_id: str) -> str:
    """The file name stem of a document's files in a gold folder (raw text ``<stem>.txt``, gold
    ``<stem>.jsonl``, label tables): the doc id, with the ``/`` of ids that tell same-named files in
    different folders apart (``a/x.txt``) written as ``__`` (``a__x.txt``)."""
    return doc_id.replace("\\", "/").replace("/", "__")


def read_raw_text(path: str | os.PathLike[str]) -> str:
    """The raw document text that gold offsets index: :func:`clausetag.segment.text.read_text` (UTF-8, or
    GB18030; a BOM is dropped; line endings are kept)."""

    return read_text(path)


ResidueFinder = Callable[[str], Iterable[tuple[int, int]]]


def _pattern_finder(patterns: Sequence[re.Pattern[str] | str]) -> ResidueFinder:
    compiled = [re.compile(p, re.M) if isinstance(p, str) else p for p in patterns]

    def spans(text: str) -> Iterator[tuple[int, int]]:
        for pattern in compiled:
            for m in pattern.finditer(text):
                yield m.span()

    return spans


def _squash(text: str) -> str:
    return "".join(text.split())


def same_text(span: str, text: str) -> bool:
    """The span-text rule of gold records: ``raw[start:end]`` (``span``) is the clause ``text`` when both
    are equal after removing all ``str.split()`` whitespace (line breaks, U+3000, U+00A0, …)."""
    return _squash(span) == _squash(text)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _short(text: str, width: int = 40) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def _default_reference_dir(directory: Path) -> Path | None:
    env = os.environ.get("CLAUSETAG_REFERENCE_DIR")
    if env:
        return Path(env)
    shared = os.environ.get("CLAUSETAG_SHARED")
    if shared and directory.name == "seed":
        return Path(shared) / "seeds"
    return None


class _Checker:
    def __init__(self, schema: LabelSchema, residue: ResidueFinder, reference_dir: Path | None) -> None:
        self.schema = schema
        self.residue = residue
        self.reference_dir = reference_dir
        self.problems: list[Problem] = []
        self.path = ""

    def add(self, line: int | None, code: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, code, message))

    # ---- one file -------------------------------------------------------------------------------
    def check_file(self, path: Path) -> None:
        self.path = str(path)
        docs: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            self.add(None, "read", f"cannot read file: {exc}")
            return
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                self.add(lineno, "json", f"invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            if not isinstance(record, dict):
                self.add(lineno, "json", f"expected a JSON object, got {type(record).__name__}")
                continue
            if self.check_record_fields(lineno, record):
                docs.setdefault(record["doc_id"], []).append((lineno, record))
        if not docs and not any(p.path == self.path for p in self.problems):
            self.add(None, "empty", "no records")
        for doc_id, items in docs.items():
            self.check_document(path.parent, doc_id, items)

    def check_record_fields(self, lineno: int, rec: dict[str, Any]) -> bool:
        """Field presence and types; False if the record cannot take part in span checks."""
        missing = [f for f in RECORD_FIELDS if f not in rec]
        if missing:
            self.add(lineno, "field", f"missing field(s): {', '.join(missing)}")
        ok = True
        types = {"doc_id": str, "text": str}
        for name, typ in types.items():
            if name in rec and not isinstance(rec[name], typ):
                self.add(lineno, "type", f"{name} must be a string, got {rec[name]!r}")
                ok = False
        for name in ("index", "start", "end"):
            if name in rec and not _is_int(rec[name]):
                self.add(lineno, "type", f"{name} must be an integer, got {rec[name]!r}")
                ok = False
        hp = rec.get("heading_path", [])
        if not isinstance(hp, list) or not all(isinstance(h, str) for h in hp):
            self.add(lineno, "type", f"heading_path must be a list of strings, got {hp!r}")
        if "label" in rec:
            label = rec["label"]
            if label is None:
                self.add(lineno, "label", "label is null (unlabeled clause)")
            elif label not in self.schema:
                self.add(lineno, "label", f"unknown label {label!r} (known: {', '.join(self.schema.codes)})")
        if "quantities" in rec:
            self.check_quantities(lineno, rec)
        return ok and all(f in rec for f in ("doc_id", "index", "text", "start", "end"))

    def check_quantities(self, lineno: int, rec: dict[str, Any]) -> None:
        qs = rec["quantities"]
        if not isinstance(qs, list):
            self.add(lineno, "quantity", f"quantities must be a list, got {type(qs).__name__}")
            return
        raw_text = rec.get("text")
        text = raw_text if isinstance(raw_text, str) else ""
        spec = self.schema.quantities
        prev_end = -1
        for i, q in enumerate(qs):
            where = f"quantities[{i}]"
            if not isinstance(q, dict):
                self.add(lineno, "quantity", f"{where} must be an object")
                continue
            missing = [k for k in spec.required if k not in q]
            if missing:
                self.add(lineno, "quantity", f"{where} missing field(s): {', '.join(missing)}")
            start, end, qtext = q.get("start"), q.get("end"), q.get("text")
            if not (_is_int(start) and _is_int(end) and isinstance(qtext, str)):
                self.add(lineno, "quantity", f"{where}: text/start/end must be string/int/int")
            elif not 0 <= start < end <= len(text):
                self.add(lineno, "quantity-span", f"{where}: span [{start}:{end}] outside clause text "
                                                  f"(length {len(text)})")
            elif text[start:end] != qtext:
                self.add(lineno, "quantity-span", f"{where}: clause_text[{start}:{end}] is "
                                                  f"{text[start:end]!r}, not {qtext!r}")
            else:
                if start < prev_end:
                    self.add(lineno, "quantity-span", f"{where}: overlaps or precedes the previous quantity")
                prev_end = end
            for key, allowed in (("kind", spec.kinds), ("comparator", spec.comparators),
                                 ("role", spec.roles)):
                if key in q and q[key] not in allowed:
                    self.add(lineno, "quantity", f"{where}: {key} {q[key]!r} not in {list(allowed)}")
            for key in ("value", "low", "high"):
                if q.get(key) is not None and not _is_num(q[key]):
                    self.add(lineno, "quantity", f"{where}: {key} must be a number or null, got {q[key]!r}")
            if q.get("comparator") == "range":
                low, high = q.get("low"), q.get("high")
                if not (_is_num(low) and _is_num(high)) or low > high:
                    self.add(lineno, "quantity", f"{where}: a range needs numeric low <= high")
            unit = q.get("unit")
            if unit is not None and not isinstance(unit, str):
                self.add(lineno, "quantity", f"{where}: unit must be a string or null")
            if q.get("kind") == "percent" and unit != "%":
                self.add(lineno, "quantity", f"{where}: a percent has unit '%', got {unit!r}")
            currency = q.get("currency")
            if q.get("kind") == "money":
                if not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
                    self.add(lineno, "quantity",
                             f"{where}: money needs an ISO currency code, got {currency!r}")
            elif currency is not None:
                self.add(lineno, "quantity", f"{where}: currency {currency!r} on a non-money quantity")
            year = q.get("year")
            if year is not None and not (_is_int(year) and 1900 <= year <= 2100):
                self.add(lineno, "quantity",
                         f"{where}: year must be an integer 1900-2100 or null, got {year!r}")

    # ---- one document ---------------------------------------------------------------------------
    def check_document(self, directory: Path, doc_id: str, items: list[tuple[int, dict[str, Any]]]) -> None:
        first_line = items[0][0]
        raw_path = directory / f"{doc_file_stem(doc_id)}.txt"
        excerpt = not raw_path.is_file() and all(rec.get("source") for _, rec in items)
        if excerpt:
            # Targeted single clauses from a corpus document whose text is not committed: spans are
            # checked against the corpus when it is available; indices and coverage are not checked.
            raw = corpus_text(items[0][1]["source"])
        elif not raw_path.is_file():
            self.add(first_line, "raw-missing", f"raw text {raw_path} for doc_id {doc_id!r} not found")
            raw = None
        else:
            try:
                raw = read_raw_text(raw_path)
            except ValueError as exc:  # clausetag.segment.text.DecodeError
                self.add(first_line, "raw-missing", f"raw text cannot be decoded: {exc}")
                raw = None
            if self.reference_dir is not None:
                ref = self.reference_dir / raw_path.name
                if ref.is_file() and ref.read_bytes() != raw_path.read_bytes():
                    self.add(first_line, "raw-mismatch", f"{raw_path} differs from reference copy {ref}")
        # indices consecutive from 0 in file order
        for expected, (lineno, rec) in enumerate(items):
            if excerpt:
                break
            if rec["index"] != expected:
                self.add(lineno, "index", f"doc {doc_id}: expected index {expected}, found {rec['index']}")
                break
        earlier_headings: list[str] = []
        squashed_raw = _squash(raw) if excerpt and raw is not None else None
        prev: tuple[int, dict[str, Any]] | None = None
        covered: list[tuple[int, int, int]] = []  # (start, end, lineno)
        for lineno, rec in items:
            start, end, text = rec["start"], rec["end"], rec["text"]
            for h in rec.get("heading_path") or []:
                if excerpt:
                    if squashed_raw is not None and isinstance(h, str) and _squash(h) not in squashed_raw:
                        self.add(lineno, "heading-path", f"heading_path entry {h!r} is not in the source text")
                    continue
                if isinstance(h, str) and not any(_squash(h) in e for e in earlier_headings):
                    self.add(lineno, "heading-path", f"heading_path entry {h!r} is not the text of an "
                                                     "earlier clause")
            earlier_headings.append(_squash(text))
            if not 0 <= start < end:
                self.add(lineno, "span", f"bad span [{start}:{end}]")
                continue
            if raw is not None:
                if end > len(raw):
                    self.add(lineno, "span", f"span [{start}:{end}] past end of raw text (length {len(raw)})")
                    continue
                if not same_text(raw[start:end], text):
                    self.add(lineno, "span-text", f"raw[{start}:{end}] is {_short(raw[start:end])!r}, "
                                                  f"text is {_short(text)!r} (compared without whitespace)")
            if prev is not None:
                p_line, p_rec = prev
                if start < p_rec["start"]:
                    self.add(lineno, "order", f"span [{start}:{end}] starts before the previous clause "
                                              f"(line {p_line}, [{p_rec['start']}:{p_rec['end']}])")
                elif start < p_rec["end"]:
                    self.add(lineno, "overlap", f"span [{start}:{end}] overlaps the previous clause "
                                                f"(line {p_line}, [{p_rec['start']}:{p_rec['end']}])")
            prev = (lineno, rec)
            covered.append((start, end, lineno))
        if raw is not None and not excerpt:
            self.check_coverage(raw, covered, first_line)

    def check_coverage(self, raw: str, covered: list[tuple[int, int, int]], first_line: int) -> None:
        mask = bytearray(len(raw))
        for start, end, _ in covered:
            mask[start:min(end, len(raw))] = b"\x01" * (min(end, len(raw)) - start)
        for a, b in self.residue(raw):
            mask[a:b] = b"\x01" * (b - a)
        # uncovered non-whitespace runs; runs separated only by whitespace are merged
        stretches: list[list[int]] = []
        open_run = False
        for i, ch in enumerate(raw):
            if mask[i]:
                open_run = False
            elif not ch.isspace():
                if open_run:
                    stretches[-1][1] = i + 1
                else:
                    stretches.append([i, i + 1])
                    open_run = True
        starts = sorted(covered)
        for a, b in stretches:
            before = [line for s, _, line in starts if s <= a]
            line = before[-1] if before else first_line
            self.add(line, "uncovered", f"raw text [{a}:{b}] is in no clause: {_short(raw[a:b])!r}")


CORPUS_ENV = "CLAUSETAG_CORPUS"


@functools.lru_cache(maxsize=1)
def _corpus_index() -> dict[str, str]:
    """Texts of the regulations corpus by id (``$CLAUSETAG_CORPUS``: the corpus folder
    or its ``regulations.jsonl.xz``), or {}."""
    import lzma

    env = os.environ.get(CORPUS_ENV, "")
    candidates = [str(Path(env) / "regulations.jsonl.xz") if env and Path(env).is_dir() else env]
    for c in candidates:
        if c and Path(c).is_file():
            opener = lzma.open if c.endswith(".xz") else open
            with opener(c, "rt", encoding="utf-8") as fh:
                return {d["id"]: d["text"] for d in map(json.loads, fh)}
    return {}


def corpus_text(source: str) -> str | None:
    """The corpus text of document ``source`` (a corpus id), or None if the corpus is not available."""
    return _corpus_index().get(source)


def _is_gold_file(path: Path) -> bool:
    if path.with_suffix(".txt").is_file():
        return True
    try:
        with open(path, encoding="utf-8") as fh:
            first = next((line for line in fh if line.strip()), "")
        record = json.loads(first)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True  # unreadable: let the checks report it
    return isinstance(record, dict) and "index" in record and "start" in record


def gold_files(directory: str | os.PathLike[str]) -> list[Path]:
    """The gold JSONL files directly in ``directory``, sorted.

    A ``*.jsonl`` file is gold if its ``<stem>.txt`` raw text sits beside it or its first record looks
    like a clause record (has ``index`` and ``start``); other JSONL files, such as a ``documents.jsonl``
    manifest of document metadata, are skipped.
    """
    return [p for p in sorted(Path(directory).glob("*.jsonl")) if _is_gold_file(p)]


def gold_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Problem]]:
    """The gold files named by ``paths`` (files, or directories expanded with :func:`gold_files`) and a
    problem for each path that is missing or an empty directory."""
    files: list[Path] = []
    problems: list[Problem] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = gold_files(p)
            if not found:
                problems.append(Problem(str(p), None, "empty", "no gold *.jsonl files in directory"))
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            problems.append(Problem(str(p), None, "read", "no such file or directory"))
    return files, problems


def validate(
    path_or_dir: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    schema: LabelSchema | None = None,
    residue_patterns: Sequence[re.Pattern[str] | str] | None = None,
    reference_dir: str | os.PathLike[str] | None = None,
) -> list[Problem]:
    """Check gold JSONL files (a file, a directory of ``*.jsonl``, or a list of them); [] means valid.

    Uncovered raw text is accepted where it is conversion residue: by default what
    :func:`clausetag.segment.text.residue_spans` finds (the splitter's own ``rules/residue.yaml``, including
    table pipes), or matches of ``residue_patterns`` (regexes, ``re.M``) when given.
    ``reference_dir`` (a folder of reference raw texts to compare byte-for-byte) defaults to
    ``$CLAUSETAG_REFERENCE_DIR``, else ``$CLAUSETAG_SHARED/seeds`` when validating ``labels/seed``
    (no default location: installed code never looks for a sibling folder).
    """
    paths = [path_or_dir] if isinstance(path_or_dir, (str, os.PathLike)) else list(path_or_dir)
    schema = schema or load_schema()
    if residue_patterns is None:
        residue: ResidueFinder = residue_spans
    else:
        residue = _pattern_finder(residue_patterns)
    files, problems = gold_paths(paths)
    for file in files:
        ref = Path(reference_dir) if reference_dir is not None else _default_reference_dir(file.parent)
        checker = _Checker(schema, residue, ref)
        checker.check_file(file)
        problems.extend(checker.problems)
    return problems
