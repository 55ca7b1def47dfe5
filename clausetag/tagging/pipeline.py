"""The tagging pipeline: document → clauses → quantities → labels → records, behind one API.

:class:`Tagger` is the way to tag, spaCy-like:

* ``tagger(text)`` tags one document given as a string and returns a :class:`DocResult`;
* ``tagger.pipe(inputs, jobs=…, batch_size=…)`` tags many and yields one :class:`DocResult` per
  document, in input order. A ``str`` is always a text; a path is given as a :class:`pathlib.Path` (any
  ``os.PathLike``): a file, a folder (its documents, sorted) or a glob pattern.

Underneath, one function tags a group of documents (``Tagger._tag_items``: each document read and split on
its own by :func:`split_records`, then the body clauses of the whole group classified together). It is
the unit of work of every engine: ``tagger(text)``, ``tagger.pipe`` in this process or in ``jobs`` worker
processes (:mod:`clausetag.tagging.parallel`), ``clausetag tag`` (:mod:`clausetag.tagging.batch`) and Ray
actors (:mod:`clausetag.tagging.ray_engine`), so they all produce the same records. Output rows are
built by one function, :func:`clause_rows`, for the local writer and for Ray alike.

Heading clauses are labelled ``heading`` (prob 1.0) straight from the splitter's ``is_heading`` flag,
which is reliable; the classifier only sees body clauses, with their heading path as context.
"""
from __future__ import annotations

import hashlib
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clausetag.classifiers.loading import load_model, resolve_model
from clausetag.io.readers import SUPPORTED_EXTENSIONS, ReadError, iter_inputs, path_key, read_bytes, read_document
from clausetag.io.records import ClauseRecord, LabelProb, join_context
from clausetag.io.schema import load_schema
from clausetag.io.writers import json_lines
from clausetag.outputs.provenance import Provenance
from clausetag.outputs.summary import summary_part
from clausetag.quantities.extract import extract_quantities
from clausetag.segment.splitter import split
from clausetag.tagging.parallel import Item, plan_shards, run_shards
from clausetag.tagging.runstate import EncodedDoc

__all__ = ["DocResult", "Tagger", "assign_doc_ids", "clause_rows", "expand_paths", "number_duplicates", "parse_probs",
           "split_records"]

#: ``extractor(text)`` → :class:`~clausetag.quantities.extract.Quantity` objects
ExtractFn = Callable[[str], Iterable[Any]]
HEADING_LABEL = "heading"
#: clauses sent to one ``classifier.predict`` call, in units of ``batch_size``; documents are read and
#: split until about this many body clauses wait, then classified together (and the progress bar moves)
_CHUNK_BATCHES = 32
#: the unit of that chunk when the model chooses its own batch size (``batch_size=None``)
_DEFAULT_BATCH = 32
#: ``doc_id`` of ``tagger(text)`` when none is given
DEFAULT_DOC_ID = "doc"


@dataclass
class DocResult:
    """One tagged document: its clause records (in document order), or the reason it failed.

    Iterating over a result gives its records. ``path`` is the file it was read from (``None`` for a
    text); ``sha256`` the SHA-256 of the file's bytes (``None`` for a text or an unreadable file);
    ``title`` what was passed as ``title=`` (kept with the result; it does not change the records)."""

    doc_id: str
    path: str | None = None
    records: list[ClauseRecord] = field(default_factory=list)
    error: str | None = None
    sha256: str | None = None
    title: str | None = None

    @property
    def ok(self) -> bool:
        """``True`` unless the document failed (then ``error`` says why and ``records`` is empty)."""
        return self.error is None

    def __iter__(self) -> Iterator[ClauseRecord]:
        return iter(self.records)


def clause_rows(doc: DocResult, *, with_error: bool = False) -> list[dict[str, Any]]:
    """The output rows of one document: one ``ClauseRecord.to_dict()`` per clause, in order. With
    ``with_error`` each row also has an ``error`` column (``None``), and a failed document gives one row
    with only ``doc_id``, ``source`` and ``error`` set; without it a failed document gives no rows.
    The local writer (``clausetag tag``) and Ray (:func:`~clausetag.tagging.ray_engine.tag_dataset`) both
    build their rows here."""
    if not doc.ok:
        return [{"doc_id": doc.doc_id, "source": doc.path, "error": doc.error}] if with_error else []
    if with_error:
        return [{**r.to_dict(), "error": None} for r in doc.records]
    return [r.to_dict() for r in doc.records]


# ------------------------------------------------------------------------------ per-document chain
def split_records(
    text: str,
    doc_id: str,
    source: str | None = None,
    with_quantities: bool = True,
    *,
    splitter: Any = None,
    extractor: ExtractFn | None = None,
) -> list[ClauseRecord]:
    """The one per-document step: split ``text`` into clause records (quantities attached, headings
    labelled, body clauses not yet labelled: ``label``/``prob``/``family`` are ``None``). ``splitter`` (a
    :class:`~clausetag.segment.splitter.Splitter` or a function like :func:`clausetag.segment.splitter.split`,
    the default) and ``extractor`` (default :func:`clausetag.quantities.extract.extract_quantities`) can be
    swapped."""
    if splitter is None:
        splitter = split
    split_fn = splitter.split if hasattr(splitter, "split") else splitter
    if with_quantities and extractor is None:
        extractor = extract_quantities
    records: list[ClauseRecord] = []
    for clause in split_fn(text, doc_id=doc_id):
        records.append(ClauseRecord(
            doc_id=doc_id,
            index=clause.index,
            text=clause.text,
            start=clause.start,
            end=clause.end,
            heading_path=list(clause.heading_path),
            is_heading=bool(clause.is_heading),
            label=HEADING_LABEL if clause.is_heading else None,
            prob=1.0 if clause.is_heading else None,
            family=_family(HEADING_LABEL) if clause.is_heading else None,
            quantities=list(extractor(clause.text)) if with_quantities and extractor else [],
            lead_units=list(clause.lead_units),
            responsible_units=list(clause.responsible_units),
            source=source,
        ))
    return records


def parse_probs(value: int | str | None) -> int | None:
    """``--probs`` as a number of labels: ``None``/``0`` (none), ``"all"`` (-1: every label) or K ≥ 1."""
    if value is None:
        return None
    if isinstance(value, str):
        v = value.strip().lower()
        if v == "all":
            return -1
        if not v.isdigit():
            raise ValueError(f"probs must be 'all' or a number of labels, not {value!r}")
        value = int(v)
    if value < 0 and value != -1:
        raise ValueError(f"probs must be 'all' or a number of labels >= 0, not {value}")
    return value or None


def _classify_records(
    records: list[ClauseRecord],
    classifier: Any,
    batch_size: int | None = None,
    probs: int | str | None = None,
) -> list[ClauseRecord]:
    """Fill ``label``/``prob``/``family`` of every record that has no label yet (in place; returns
    ``records``). Records may come from many documents: they are sorted by length and sent to the
    classifier in chunks, so batches inside the classifier pad little.

    ``probs``: also fill ``probs`` with the label distribution, ``"all"`` labels or the top K (highest
    first, rounded to 6 decimals). Headings get ``[LabelProb("heading", 1.0)]``.
    """
    import numpy as np

    k = parse_probs(probs)
    todo = [i for i, r in enumerate(records) if r.label is None]
    todo.sort(key=lambda i: len(records[i].text))
    chunk = max(1, batch_size or _DEFAULT_BATCH) * _CHUNK_BATCHES
    for lo in range(0, len(todo), chunk):
        idx = todo[lo:lo + chunk]
        texts = [records[i].text for i in idx]
        contexts = [join_context(records[i].heading_path) for i in idx]
        proba = np.asarray(classifier.predict_proba(texts, contexts), dtype=float)
        if len(proba) != len(idx):
            raise RuntimeError(f"classifier returned {len(proba)} predictions for {len(idx)} clauses")
        classes = [str(c) for c in classifier.classes_]
        families = {c: _family(c) for c in classes}
        orders = np.argsort(-proba, axis=1, kind="stable").tolist()  # one call per chunk, not per clause
        for i, row, order in zip(idx, proba.tolist(), orders):
            best = order[0]
            rec = records[i]
            rec.label, rec.prob, rec.family = classes[best], row[best], families[classes[best]]
            if k is not None:
                rec.probs = [LabelProb(classes[j], round(row[j], 6)) for j in (order[:k] if k > 0 else order)]
    if k is not None:
        for rec in records:
            if rec.probs is None and rec.label is not None:
                rec.probs = [LabelProb(rec.label, float(rec.prob if rec.prob is not None else 1.0))]
    return records


def _read_path(path: str | os.PathLike[str]) -> tuple[str, str]:
    """Read a document file once: its text and the SHA-256 of its bytes (hex). Raises
    :class:`~clausetag.io.readers.ReadError` like :func:`~clausetag.io.readers.read_document`."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        read_document(path)  # raises the reader's ReadError naming the problem
        raise
    return read_bytes(data, str(path)), hashlib.sha256(data).hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str | None:
    """SHA-256 (hex) of a file's bytes, ``None`` if it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def assign_doc_ids(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Deterministic doc ids: the file stem; where stems collide, the file name; where names collide,
    the path relative to the colliding files' common folder (``/``-separated, extension kept). The same
    file listed twice keeps its name (callers deduplicate: :meth:`Tagger.pipe`, ``clausetag tag``); any
    id still taken twice is numbered (:func:`number_duplicates`). Never ``"."`` or ``""``."""
    ps = [Path(p) for p in paths]
    ids = [p.stem or p.name or "doc" for p in ps]
    by_stem: dict[str, list[int]] = {}
    for i, s in enumerate(ids):
        by_stem.setdefault(s, []).append(i)
    for group in by_stem.values():
        if len(group) < 2:
            continue
        names = [ps[i].name for i in group]
        if len(set(names)) == len(names):
            for i in group:
                ids[i] = ps[i].name
            continue
        absolute = [path_key(ps[i]) for i in group]
        if len(set(absolute)) < 2:  # one file listed twice: relpath would be "."
            continue
        root = os.path.commonpath(absolute)
        for i, a in zip(group, absolute):
            rel = Path(os.path.relpath(a, root)).as_posix()
            ids[i] = ps[i].name if rel == "." else rel
    return number_duplicates(ids)


def number_duplicates(ids: Sequence[str]) -> list[str]:
    """``ids`` with every repeat numbered in order: the first ``x`` stays, the next are ``x~2``, ``x~3``, …
    (skipping numbers that are taken by another id)."""
    taken = set(ids)
    out: list[str] = []
    seen: set[str] = set()
    for s in ids:
        if s in seen:
            n = 2
            while f"{s}~{n}" in taken:
                n += 1
            s = f"{s}~{n}"
            taken.add(s)
        seen.add(s)
        out.append(s)
    return out


def expand_paths(
    paths: Iterable[str | os.PathLike[str]], *, recursive: bool = True, what: str = "pipe()"
) -> list[Path]:
    """The documents of ``paths`` in input order, as :meth:`Tagger.pipe` and Ray's ``tag_dataset`` read
    them: each path expanded by :func:`~clausetag.io.readers.iter_inputs` (a folder or glob sorted by
    path), a missing path or empty glob kept (its result is then ``file not found`` / ``pattern matches
    no files``), and the same file reached twice (``Path("d")`` and ``Path("d/a.txt")``) kept once, where
    it first occurs. Files skipped as unsupported (e.g. ``.doc``) give one :class:`UserWarning` naming
    how many and the first few; hidden and temporary files are skipped quietly."""
    return [p for group in _expand_groups(list(paths), recursive, what) for p in group]


def _expand_groups(paths: Sequence[str | os.PathLike[str]], recursive: bool, what: str) -> list[list[Path]]:
    """:func:`expand_paths`, one list of files per input path."""
    skipped: dict[str, Path] = {}

    def on_skip(p: Path, why: str) -> None:
        if why.startswith("unsupported"):
            skipped.setdefault(path_key(p), p)

    seen: set[str] = set()
    groups: list[list[Path]] = []
    for x in paths:
        group: list[Path] = []
        for p in iter_inputs([x], recursive=recursive, missing="keep", on_skip=on_skip):
            key = path_key(p)
            if key not in seen:
                seen.add(key)
                group.append(p)
        groups.append(group)
    if skipped:
        names = [str(skipped[k]) for k in sorted(skipped)]
        first = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        warnings.warn(f"{what} skipped {len(skipped)} file(s) of unsupported type (supported: "
                      f"{', '.join(sorted(SUPPORTED_EXTENSIONS))}): {first}", UserWarning, stacklevel=4)
    return groups


_SCHEMA: Any = None


def _family(label: str) -> str | None:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = load_schema()
    try:
        return _SCHEMA.family(label)
    except (KeyError, ValueError):
        return None


# ------------------------------------------------------------------------------------------ Tagger
@dataclass
class Tagger:
    """Tag clauses in documents with a measure-type classifier loaded once.

    ``tagger(text)`` tags one document, ``tagger.pipe(inputs)`` many (see the module docstring).

    Args:
        model: ``"default"`` (see :func:`~clausetag.classifiers.loading.default_model_path`), a model directory, or a fitted
            classifier with ``predict_proba(texts, contexts)`` and ``classes_``. A directory is checked
            at once and loaded on first use, so a Tagger handed to worker processes is loaded once in
            each of them and never in the parent.
        device: ``"cpu"`` or ``"cuda"`` (BERT models).
        quantize: dynamic int8 quantisation (BERT models on CPU).
        batch_size: clauses per model call (``None``: the model's own default — one clause a call for
            an int8 ONNX model, whose results would otherwise depend on their batch-mates).
        with_quantities: also extract quantities from every clause.
        probs: also output the label distribution: ``"all"`` labels or the top K (``None``: only the
            best label and its probability).
        splitter: a :class:`~clausetag.segment.splitter.Splitter` (e.g. with another rule set) or a function
            ``splitter(text, doc_id=...)`` → clauses (default :func:`clausetag.segment.splitter.split`).
        extractor: ``extractor(clause_text)`` → :class:`~clausetag.quantities.extract.Quantity` list (default
            :func:`clausetag.quantities.extract.extract_quantities`).

    Every record is stamped with :attr:`provenance` (clausetag version, model name and hash, rule set
    name and hash, the time this tagger was made; set ``SOURCE_DATE_EPOCH`` for a fixed time). A
    Tagger pickles without its loaded model when ``model`` is a path (each worker process loads its
    own; the provenance travels, so every worker stamps the same); splitter and extractor must then
    be picklable (module-level functions are).
    """

    model: Any = "default"
    device: str = "cpu"
    quantize: bool = False
    batch_size: int | None = None
    with_quantities: bool = True
    probs: int | str | None = None
    splitter: Any = field(default=None, repr=False)
    extractor: ExtractFn | None = field(default=None, repr=False)
    provenance: Provenance = field(init=False, repr=False)
    _classifier: Any = field(init=False, repr=False, default=None, compare=False)
    #: the model directory ``model`` resolved to (``None`` for a classifier object)
    _model_dir: Path | None = field(init=False, repr=False, default=None, compare=False)

    def __post_init__(self) -> None:
        self.probs = parse_probs(self.probs)
        resolved = resolve_model(self.model)  # the one lookup of a model name
        name = None
        if isinstance(resolved, Path):
            self._model_dir = resolved
            if resolved != Path(self.model).expanduser():
                name = str(self.model)  # a packaged name: the fallback when the card names no model
        else:
            self._classifier = resolved
        self.provenance = Provenance.collect(self._classifier, model=self._model_dir, splitter=self.splitter,
                                             model_name=name)

    @property
    def model_dir(self) -> Path | None:
        """The model directory ``model`` resolved to (``None`` when ``model`` is a classifier object)."""
        return self._model_dir

    @property
    def classifier(self) -> Any:
        """The classifier, loaded on first access."""
        if self._classifier is None:
            self._classifier = load_model(self._model_dir, self.device, self.quantize, self.batch_size)
        return self._classifier

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if isinstance(self.model, (str, os.PathLike)):
            state["_classifier"] = None  # each process loads its own copy
        return state

    # -- the API -------------------------------------------------------------------------------------
    def __call__(self, text: str, *, doc_id: str | None = None, title: str | None = None) -> DocResult:
        """Tag one document given as a string (``doc_id`` default ``"doc"``). For files, or many
        documents at once, use :meth:`pipe`."""
        if not isinstance(text, str):
            raise TypeError(f"Tagger() takes one document as str, not {type(text).__name__}; "
                            "for files use tagger.pipe([Path(...)])")
        item = Item(DEFAULT_DOC_ID if doc_id is None else str(doc_id), None, text, title)
        return self._tag_items([item], strict=True)[0]

    def pipe(
        self,
        inputs: Iterable[str | os.PathLike[str]],
        *,
        jobs: int = 1,
        batch_size: int | None = None,
        doc_ids: Iterable[str] | None = None,
        recursive: bool = True,
        progress: bool = False,
    ) -> Iterator[DocResult]:
        """Tag many documents; yields one :class:`DocResult` per document, in input order.

        ``inputs``: each ``str`` is a document's **text**; each :class:`pathlib.Path` (any
        ``os.PathLike``) is a **path**: a file (.txt in any encoding, .docx, .pdf, .html), a folder
        (its documents, sorted by path; sub-folders too unless ``recursive=False``) or a glob pattern.
        ``bytes`` are refused (give a path). A text's ``doc_id`` is ``doc_ids[i]`` (only for texts: one
        id per input) or ``doc1``, ``doc2``, … by position; a file's is its stem, disambiguated where
        stems collide (:func:`assign_doc_ids`); ids that still repeat (a text ``doc1`` and a file
        ``doc1.txt``) are numbered in input order, ``doc1~2`` (repeated ``doc_ids`` raise ``ValueError``).
        The same file reached through two inputs is tagged once, where it first occurs; files of an
        unsupported type found in a folder or glob are skipped with one warning (:func:`expand_paths`).
        A file that cannot be read (an empty file included), or a path that does not exist, gives a
        result with ``error`` set, not an exception; an empty text gives ``ok`` with no records.

        ``batch_size`` documents (default :data:`~clausetag.tagging.parallel.SHARD_DOCS`, 32) are tagged
        together: their body clauses share the classifier's batches (a batch also stops growing at
        :data:`~clausetag.tagging.parallel.SHARD_BYTES`; the clauses per model call are the Tagger's own
        ``batch_size``). ``jobs`` > 1 tags
        batches in that many worker processes, each loading the model once (a script that uses them needs
        the ``if __name__ == "__main__":`` guard); the results are identical to ``jobs=1``, since the
        batches depend on the input alone. ``progress``: a progress bar on stderr. The inputs are read
        into a list first (texts stay in memory until tagged). Like any generator, ``pipe`` checks its
        arguments when iteration starts: ``TypeError``/``ValueError`` with a one-line message."""
        items = self._items(inputs, doc_ids, recursive)
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        bar = _progress(len(items), progress)
        try:
            for results in run_shards(self, plan_shards(items, max_docs=batch_size), jobs=jobs):
                for res in results:
                    if bar is not None:
                        bar.update(1)
                    yield res
        finally:
            if bar is not None:
                bar.close()

    # -- one function for every engine ---------------------------------------------------------------
    def _tag_items(
        self, items: Sequence[Item], *, encode: bool = False, summarize: bool = True, strict: bool = False
    ) -> list[Any]:
        """Tag a group of documents, in order: each is read and split on its own (:func:`split_records`),
        then the body clauses of all of them are classified together. Every engine calls this: ``tagger(text)``,
        :meth:`pipe` (in-process or in worker processes), ``clausetag tag`` and Ray actors.

        Returns :class:`DocResult` objects, or with ``encode`` :class:`~clausetag.tagging.runstate.EncodedDoc`
        objects (records as JSON lines built by :func:`clause_rows`, and if ``summarize`` their summary
        part), so that worker processes do that work, not the process that writes. ``strict``: raise what
        went wrong in a document instead of returning it as ``error``."""
        results = [self._prepare(item, strict) for item in items]
        pending = [r for res in results for r in res.records]
        if pending:
            _classify_records(pending, self.classifier, self.batch_size, probs=self.probs)
            self.provenance.stamp_all(pending)
        if not encode:
            return results
        return [EncodedDoc(res.doc_id, res.path, sha256=res.sha256, error=res.error,
                           payload=json_lines(clause_rows(res)).encode("utf-8"), n_clauses=len(res.records),
                           summary=summary_part(res.doc_id, res.path, res.records) if summarize and res.ok else None)
                for res in results]

    def _prepare(self, item: Item, strict: bool = False) -> DocResult:
        """Read (a path) and split one document; its body clauses are not labelled yet."""
        sha = None
        try:
            if item.text is not None:
                text = item.text
            else:
                text, sha = _read_path(item.path or "")
            records = split_records(text, item.doc_id, source=item.path, with_quantities=self.with_quantities,
                                     splitter=self.splitter, extractor=self.extractor)
        except ReadError as exc:
            if strict:
                raise
            return DocResult(item.doc_id, item.path, error=exc.reason, sha256=sha, title=item.title)
        except Exception as exc:  # one bad document must not stop the batch
            if strict:
                raise
            return DocResult(item.doc_id, item.path, sha256=sha, title=item.title,
                             error=f"internal error while processing: {type(exc).__name__}: {exc}")
        return DocResult(item.doc_id, item.path, records=records, sha256=sha, title=item.title)

    @staticmethod
    def _items(
        inputs: Iterable[str | os.PathLike[str]], doc_ids: Iterable[str] | None, recursive: bool
    ) -> list[Item]:
        """The documents of :meth:`pipe`'s inputs, in order, with their ids."""
        if isinstance(inputs, (str, bytes, os.PathLike)):
            raise TypeError("pipe() takes an iterable of texts or paths, not a single "
                            f"{type(inputs).__name__}; for one text use tagger(text)")
        entries = list(inputs)
        for x in entries:
            if not isinstance(x, (str, os.PathLike)):
                raise TypeError(f"pipe() inputs must be str (a text) or pathlib.Path (a file, folder or glob), "
                                f"not {type(x).__name__}")
        ids = None if doc_ids is None else [str(d) for d in doc_ids]
        if ids is not None:
            if any(not isinstance(x, str) for x in entries):
                raise ValueError("pipe(doc_ids=...) is for texts only; a file's doc_id comes from its name")
            if len(ids) != len(entries):
                raise ValueError(f"pipe() got {len(ids)} doc_ids for {len(entries)} texts")
        if ids is not None and len(set(ids)) != len(ids):
            dup = next(d for d in ids if ids.count(d) > 1)
            raise ValueError(f"pipe() got doc_id {dup!r} more than once; doc_ids must be unique")
        # the paths expanded together, so that a file reached through two inputs is tagged once
        groups = iter(_expand_groups([x for x in entries if not isinstance(x, str)], recursive, "pipe()"))
        expanded: list[list[Path] | str] = [x if isinstance(x, str) else next(groups) for x in entries]
        file_ids = iter(assign_doc_ids([p for e in expanded if not isinstance(e, str) for p in e]))
        items: list[Item] = []
        for i, e in enumerate(expanded):
            if isinstance(e, str):
                items.append(Item(ids[i] if ids is not None else f"doc{i + 1}", None, e))
            else:
                items.extend(Item(next(file_ids), str(p)) for p in e)
        # ids unique across texts and files: a repeat (text "doc1" and file doc1.txt) is numbered, doc1~2
        unique = number_duplicates([it.doc_id for it in items])
        return [it if it.doc_id == u else Item(u, it.path, it.text, it.title) for it, u in zip(items, unique)]


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="doc", desc="tagging", file=sys.stderr)
