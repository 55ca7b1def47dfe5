"""The label schema (SPEC §2/§3) and the validator for labeled gold data (SPEC §4).

The taxonomy lives in ``clausetag/resources/schema.yaml`` (``labels/schema.yaml`` in a checkout is a
symlink to it); :func:`load_schema` reads it. Nothing else in the project should hard-code label codes.

:func:`validate` checks gold JSONL files against the raw texts they annotate::

    python -m clausetag.labels validate labels/seed
    clausetag validate labels/seed

Conventions the validator enforces (documented in ``labels/README.md``):

* the raw text of ``doc_id`` is ``<dir of the .jsonl>/<doc_id>.txt``, decoded by
  :func:`clausetag.text.read_text` (UTF-8 or GB18030, BOM dropped, line endings kept); offsets are
  character offsets into that string;
* ``raw[start:end]`` equals ``text`` after removing *all* whitespace from both (``str.split()``
  whitespace, which includes U+3000 and U+00A0);
* every non-whitespace character of the raw text is inside some clause span, unless it is conversion
  residue as :func:`clausetag.text.residue_spans` defines it (``clausetag/rules/residue.yaml``: the
  regexes under ``patterns`` plus table pipes), which the splitter blanks too.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import yaml

if TYPE_CHECKING:  # pragma: no cover
    import datasets

__all__ = [
    "FAMILIES",
    "Label",
    "LabelSchema",
    "Problem",
    "SchemaError",
    "gold_files",
    "load_schema",
    "read_raw_text",
    "validate",
    "register_cli",
    "main",
]

#: The four instrument families of SPEC §2 (Rothwell & Zegveld plus "none").
FAMILIES: tuple[str, ...] = ("supply", "environment", "demand", "none")
_REQUIRED_LABEL_KEYS = ("code", "zh", "en", "family", "definition", "examples")
_CODE_RE = re.compile(r"^[a-z][a-z_]*$")


class SchemaError(ValueError):
    """The schema file is malformed (duplicate code, unknown family, missing field …)."""


@dataclass(frozen=True)
class Label:
    """One measure-type label of the taxonomy."""

    code: str
    zh: str
    en: str
    family: str
    definition_zh: str
    definition_en: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuantitySpec:
    """Allowed field names and values of quantity records (SPEC §3)."""

    fields: tuple[str, ...]
    required: tuple[str, ...]
    kinds: tuple[str, ...]
    comparators: tuple[str, ...]
    roles: tuple[str, ...]


@dataclass(frozen=True)
class LabelSchema:
    """The label taxonomy: an ordered tuple of :class:`Label` plus the quantity vocabulary."""

    labels: tuple[Label, ...]
    families: dict[str, dict[str, str]]
    quantities: QuantitySpec
    version: int = 1
    source: str = ""
    _by_code: dict[str, Label] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_code.update({label.code: label for label in self.labels})

    @property
    def codes(self) -> tuple[str, ...]:
        """Label codes in schema (SPEC) order; position = class index."""
        return tuple(label.code for label in self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __iter__(self) -> Iterator[Label]:
        return iter(self.labels)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Label:
        """The :class:`Label` for ``code``; ``KeyError`` naming the known codes if unknown."""
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown label {code!r}; known labels: {', '.join(self.codes)}") from None

    def family(self, code: str) -> str:
        """The family (supply/environment/demand/none) of ``code``."""
        return self.get(code).family

    def zh(self, code: str) -> str:
        """The Chinese name of ``code``."""
        return self.get(code).zh

    def index(self, code: str) -> int:
        """The class index of ``code`` (its position in :attr:`codes`)."""
        self.get(code)
        return self.codes.index(code)

    def codes_in_family(self, family: str) -> tuple[str, ...]:
        """All codes of one family, in schema order."""
        if family not in self.families:
            raise KeyError(f"unknown family {family!r}; known families: {', '.join(self.families)}")
        return tuple(label.code for label in self.labels if label.family == family)

    def class_label(self) -> "datasets.ClassLabel":
        """A ``datasets.ClassLabel`` with the codes as names (``datasets`` is imported lazily)."""
        import datasets

        return datasets.ClassLabel(names=list(self.codes))


# --------------------------------------------------------------------------------------------------
# loading


def _schema_error(source: str, message: str) -> SchemaError:
    return SchemaError(f"{source}: {message}")


def _str_list(value: Any, source: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _schema_error(source, f"{where} must be a list of strings")
    return tuple(value)


def _parse_schema(data: Any, source: str) -> LabelSchema:
    if not isinstance(data, dict):
        raise _schema_error(source, "top level must be a mapping with 'labels'")
    families = data.get("families") or {name: {} for name in FAMILIES}
    if not isinstance(families, dict) or set(families) != set(FAMILIES):
        raise _schema_error(source, f"'families' must define exactly {', '.join(FAMILIES)}")
    raw_labels = data.get("labels")
    if not isinstance(raw_labels, list) or not raw_labels:
        raise _schema_error(source, "'labels' must be a non-empty list")
    labels: list[Label] = []
    seen: set[str] = set()
    for i, item in enumerate(raw_labels):
        where = f"labels[{i}]"
        if not isinstance(item, dict):
            raise _schema_error(source, f"{where} must be a mapping")
        missing = [k for k in _REQUIRED_LABEL_KEYS if k not in item]
        if missing:
            raise _schema_error(source, f"{where} ({item.get('code', '?')}) lacks {', '.join(missing)}")
        code = item["code"]
        if not isinstance(code, str) or not _CODE_RE.match(code):
            raise _schema_error(source, f"{where}: bad code {code!r} (lower-case letters and '_')")
        if code in seen:
            raise _schema_error(source, f"duplicate label code {code!r}")
        seen.add(code)
        if item["family"] not in FAMILIES:
            raise _schema_error(
                source, f"label {code!r}: bad family {item['family']!r} (one of {', '.join(FAMILIES)})"
            )
        definition = item["definition"]
        if not isinstance(definition, dict) or not definition.get("zh") or not definition.get("en"):
            raise _schema_error(source, f"label {code!r}: definition needs 'zh' and 'en'")
        labels.append(
            Label(
                code=code,
                zh=str(item["zh"]),
                en=str(item["en"]),
                family=item["family"],
                definition_zh=str(definition["zh"]).strip(),
                definition_en=str(definition["en"]).strip(),
                include=_str_list(item.get("include"), source, f"label {code!r} include"),
                exclude=_str_list(item.get("exclude"), source, f"label {code!r} exclude"),
                examples=_str_list(item.get("examples"), source, f"label {code!r} examples"),
            )
        )
    q = data.get("quantities")
    if not isinstance(q, dict):
        raise _schema_error(
            source, "'quantities' section (fields, required, kinds, comparators, roles) missing"
        )
    try:
        spec = QuantitySpec(**{k: _str_list(q.get(k), source, f"quantities.{k}") for k in
                               ("fields", "required", "kinds", "comparators", "roles")})
    except TypeError as exc:  # pragma: no cover - defensive
        raise _schema_error(source, f"bad 'quantities' section: {exc}") from None
    if not set(spec.required) <= set(spec.fields):
        raise _schema_error(source, "quantities.required must be a subset of quantities.fields")
    return LabelSchema(
        labels=tuple(labels),
        families={k: dict(v or {}) for k, v in families.items()},
        quantities=spec,
        version=int(data.get("version", 1)),
        source=source,
    )


@functools.lru_cache(maxsize=8)
def _load_cached(path: str | None) -> LabelSchema:
    if path is None:
        ref = resources.files("clausetag") / "resources" / "schema.yaml"
        text = ref.read_text(encoding="utf-8")
        source = "clausetag/resources/schema.yaml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        source = path
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _schema_error(source, f"invalid YAML: {exc}") from None
    return _parse_schema(data, source)


def load_schema(path: str | os.PathLike[str] | None = None) -> LabelSchema:
    """Load the label schema (cached). Without ``path``, the copy shipped inside the package."""
    return _load_cached(None if path is None else str(Path(path).resolve()))


# --------------------------------------------------------------------------------------------------
# validation


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


def read_raw_text(path: str | os.PathLike[str]) -> str:
    """The raw document text that gold offsets index: :func:`clausetag.text.read_text` (UTF-8, or
    GB18030; a BOM is dropped; line endings are kept)."""
    from clausetag.text import read_text

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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: Any) -> bool:
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
    directory = directory.resolve()
    if directory.name == "seed" and directory.parent.name == "labels":
        candidate = directory.parent.parent.parent / "shared" / "seeds"
        if candidate.is_dir():
            return candidate
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
        text = rec.get("text") if isinstance(rec.get("text"), str) else ""
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
        raw_path = directory / f"{doc_id}.txt"
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
            except ValueError as exc:  # clausetag.text.DecodeError
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
                if _squash(raw[start:end]) != _squash(text):
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
    """Texts of the regulations corpus by id (``$CLAUSETAG_CORPUS`` or ``../shared/corpus``), or {}."""
    import lzma

    candidates = [os.environ.get(CORPUS_ENV, "")]
    candidates.append(str(Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "regulations.jsonl.xz"))
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


def _jsonl_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Problem]]:
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
    :func:`clausetag.text.residue_spans` finds (the splitter's own ``rules/residue.yaml``, including
    table pipes), or matches of ``residue_patterns`` (regexes, ``re.M``) when given.
    ``reference_dir`` (a folder of reference raw texts to compare byte-for-byte) defaults to
    ``$CLAUSETAG_REFERENCE_DIR``, else ``$CLAUSETAG_SHARED/seeds`` or ``<checkout>/../shared/seeds``
    when validating ``labels/seed``.
    """
    paths = [path_or_dir] if isinstance(path_or_dir, (str, os.PathLike)) else list(path_or_dir)
    schema = schema or load_schema()
    if residue_patterns is None:
        from clausetag.text import residue_spans

        residue: ResidueFinder = residue_spans
    else:
        residue = _pattern_finder(residue_patterns)
    files, problems = _jsonl_files(paths)
    for file in files:
        ref = Path(reference_dir) if reference_dir is not None else _default_reference_dir(file.parent)
        checker = _Checker(schema, residue, ref)
        checker.check_file(file)
        problems.extend(checker.problems)
    return problems


# --------------------------------------------------------------------------------------------------
# command line


def _cmd_validate(args: argparse.Namespace) -> int:
    problems = validate(args.paths, reference_dir=args.reference_dir)
    for problem in problems:
        print(problem)
    files, _ = _jsonl_files(args.paths)
    if problems:
        print(f"{len(problems)} problem(s) in {len(files)} file(s)", file=sys.stderr)
        return 1
    print(f"OK: {len(files)} file(s) valid", file=sys.stderr)
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``validate PATH...`` to a CLI's subparsers."""
    p = subparsers.add_parser(
        "validate",
        help="check labeled gold JSONL against its raw texts and the label schema",
        description="Check gold JSONL files (or directories of them) against the raw texts beside them "
                    "and the label schema. Exit status 1 if any problem is found.",
    )
    p.add_argument("paths", nargs="+", help="JSONL files or directories of *.jsonl (e.g. labels/seed)")
    p.add_argument("--reference-dir", default=None,
                   help="folder of reference raw texts that the raw texts must equal byte-for-byte")
    p.set_defaults(func=_cmd_validate)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m clausetag.labels``."""
    parser = argparse.ArgumentParser(prog="python -m clausetag.labels")
    sub = parser.add_subparsers(dest="command", required=True)
    register_cli(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
