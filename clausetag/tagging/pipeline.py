"""The batch tagging pipeline: document → clauses → quantities → labels → records.

The unit of work is a pure per-document function, :func:`tag_document` (path or bytes in, clause
records out), given a classifier that the caller loads once per worker (SPEC §7). :class:`Tagger`
wraps it for interactive and command-line use and batches clauses *across* documents before they
reach the classifier. ``Tagger`` is also a batch callable (:meth:`Tagger.map_batch`), so the same
code runs under ``datasets.Dataset.map(batched=True, num_proc=…)`` and Ray Data ``map_batches`` with
an actor pool (each actor builds its own ``Tagger``; nothing relies on process-global state).

Heading clauses are labelled ``heading`` (prob 1.0) straight from the splitter's ``is_heading`` flag,
which is reliable; the classifier only sees body clauses, with their heading path as context.
"""
from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clausetag.classifiers.loading import load_model, resolve_model
from clausetag.io.readers import ReadError, iter_inputs, read_bytes, read_document
from clausetag.io.records import ClauseRecord, LabelProb, join_context, record_fields, record_schema
from clausetag.io.schema import load_schema
from clausetag.io.writers import jsonl_lines
from clausetag.outputs.provenance import Provenance
from clausetag.outputs.summary import summary_part
from clausetag.quantities.extract import extract_quantities
from clausetag.segment.splitter import split
from clausetag.tagging.parallel import plan_shards, run_shards

__all__ = [
    "DocResult",
    "Tagger",
    "assign_doc_ids",
    "classify_records",
    "parse_probs",
    "read_path",
    "records_from_text",
    "tag_document",
]

#: ``extractor(text)`` → :class:`~clausetag.quantities.extract.Quantity` objects
ExtractFn = Callable[[str], Iterable[Any]]
HEADING_LABEL = "heading"
#: clauses sent to one ``classifier.predict`` call, in units of ``batch_size``; documents are read and
#: split until about this many body clauses wait, then classified together (and the progress bar moves)
_CHUNK_BATCHES = 32
#: the unit of that chunk when the model chooses its own batch size (``batch_size=None``)
_DEFAULT_BATCH = 32


@dataclass
class DocResult:
    """The outcome for one document: its records, or the reason it failed.

    Results made for an output file (``encode=True``) carry the records serialised in ``payload``
    instead of ``records``, so worker processes do that work, not the process that writes."""

    doc_id: str
    path: str | None
    records: list[ClauseRecord] | None = None
    error: str | None = None
    #: SHA-256 of the file's bytes (``None`` when it could not be read)
    sha256: str | None = None
    #: with ``encode=True``: the records as JSON lines, exactly as a ``.jsonl`` output holds them
    payload: bytes | None = None
    n_clauses: int = 0
    #: with ``encode=True``: the document's :func:`~clausetag.outputs.summary.summary_part`
    summary: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None


# ------------------------------------------------------------------------------ per-document chain
def records_from_text(
    text: str,
    doc_id: str,
    source: str | None = None,
    with_quantities: bool = True,
    *,
    splitter: Any = None,
    extractor: ExtractFn | None = None,
) -> list[ClauseRecord]:
    """Split ``text`` into clause records (quantities attached, headings labelled, body clauses not
    yet labelled: ``label``/``prob``/``family`` are ``None``). ``splitter`` (a
    :class:`~clausetag.segment.splitter.Splitter` or a function like :func:`clausetag.segment.splitter.split`, the
    default) and ``extractor`` (default :func:`clausetag.quantities.extract.extract_quantities`) can be swapped."""
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


def classify_records(
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


def tag_document(
    path_or_bytes: str | os.PathLike[str] | bytes,
    doc_id: str | None,
    classifier: Any,
    *,
    name: str | None = None,
    with_quantities: bool = True,
    batch_size: int | None = None,
    probs: int | str | None = None,
    provenance: Provenance | None = None,
    splitter: Any = None,
    extractor: ExtractFn | None = None,
) -> list[ClauseRecord]:
    """Tag one document: read it, split it, extract quantities, classify body clauses.

    ``path_or_bytes`` is a path (``str`` is always a path, never text: use :meth:`Tagger.tag_text`)
    or the file's bytes, in which case ``name`` (a file name) picks the format. ``doc_id`` defaults to
    the file stem. ``provenance``, if given, is stamped on every record. Raises
    :class:`~clausetag.io.readers.ReadError` for unreadable documents.
    """
    text, source, stem = _read_source(path_or_bytes, name)
    records = records_from_text(text, doc_id or stem, source=source, with_quantities=with_quantities,
                                splitter=splitter, extractor=extractor)
    classify_records(records, classifier, batch_size=batch_size, probs=probs)
    if provenance is not None:
        provenance.stamp_all(records)
    return records


def read_path(path: str | os.PathLike[str]) -> tuple[str, str]:
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


def _read_source(path_or_bytes: str | os.PathLike[str] | bytes, name: str | None) -> tuple[str, str, str]:
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        if not name:
            raise ValueError("tag_document on bytes needs name= (a file name, for its extension)")
        return read_bytes(bytes(path_or_bytes), name), name, Path(name).stem
    path = Path(path_or_bytes)
    return read_document(path), str(path), path.stem


def assign_doc_ids(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Deterministic doc ids: the file stem; where stems collide, the file name; where names collide,
    the path relative to the colliding files' common folder (``/``-separated, extension kept)."""
    ps = [Path(p) for p in paths]
    ids = [p.stem for p in ps]
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
        absolute = [os.path.abspath(ps[i]) for i in group]
        root = os.path.commonpath(absolute)
        for i, a in zip(group, absolute):
            ids[i] = Path(os.path.relpath(a, root)).as_posix()
    # a disambiguated id may still collide with another file's plain stem: number what is left
    seen: dict[str, int] = {}
    for i, s in enumerate(ids):
        if s in seen:
            seen[s] += 1
            ids[i] = f"{s}~{seen[s]}"
        else:
            seen[s] = 1
    return ids


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

    def _classify(self, records: list[ClauseRecord]) -> list[ClauseRecord]:
        classify_records(records, self.classifier, self.batch_size, probs=self.probs)
        self.provenance.stamp_all(records)
        return records

    def tag_text(self, text: str, doc_id: str = "doc", source: str | None = None) -> list[ClauseRecord]:
        """Tag a document given as text."""
        return self._classify(self._records(text, doc_id, source))

    def tag_file(self, path: str | os.PathLike[str], doc_id: str | None = None) -> DocResult:
        """Tag one file; a failure is returned as ``DocResult.error``, not raised."""
        return self.tag_shard([(path, doc_id or Path(path).stem)])[0]

    def tag_shard(
        self, items: Sequence[tuple[str | os.PathLike[str], str]], encode: bool = False, summarize: bool = True
    ) -> list[DocResult]:
        """Tag a group of documents, given as ``(path, doc_id)`` pairs, in order: each is read and split
        on its own (:func:`records_from_text`), then the body clauses of all of them are classified
        together (:func:`classify_records`). This is the unit of work of every engine: in-process,
        ``--jobs N`` worker processes and Ray actors all call it, so they produce the same records.

        With ``encode=True`` each result carries its records as JSON lines (``payload``) and (if
        ``summarize``) its summary part instead of ``records``.
        """
        results = [self._prepare(Path(p), d) for p, d in items]
        pending = [r for res in results if res.records for r in res.records]
        if pending:
            self._classify(pending)
        for res in results:
            res.n_clauses = len(res.records or ())
            if encode and res.records is not None:
                res.payload = jsonl_lines(res.records).encode("utf-8")
                res.summary = summary_part(res.doc_id, res.path, res.records) if summarize else None
                res.records = None
        return results

    def tag_paths(
        self,
        paths: Iterable[str | os.PathLike[str]],
        progress: bool = True,
        skip_doc_ids: Iterable[str] = (),
        recursive: bool = True,
        jobs: int = 1,
    ) -> Iterator[DocResult]:
        """Tag files, folders and glob patterns (see :func:`~clausetag.io.readers.iter_inputs`), in sorted
        path order, yielding one :class:`DocResult` per document, in that order. Clauses of several
        documents are classified together. Documents whose id is in ``skip_doc_ids`` are not read
        (``--resume``). ``jobs`` > 1 tags in that many worker processes (each loads the model once;
        a script that uses them needs the ``if __name__ == "__main__":`` guard); the results are the
        same as with ``jobs=1``."""

        files = list(iter_inputs(paths, recursive=recursive))
        ids = assign_doc_ids(files)
        skip = set(skip_doc_ids)
        todo = [(p, d) for p, d in zip(files, ids) if d not in skip]
        bar = _progress(len(todo), progress)
        try:
            for results in run_shards(self, plan_shards(todo), jobs=jobs):
                for res in results:
                    if bar is not None:
                        bar.update(1)
                    yield res
        finally:
            if bar is not None:
                bar.close()

    def _records(self, text: str, doc_id: str, source: str | None) -> list[ClauseRecord]:
        return records_from_text(text, doc_id, source=source, with_quantities=self.with_quantities,
                                 splitter=self.splitter, extractor=self.extractor)

    def _prepare(self, path: Path, doc_id: str) -> DocResult:
        sha = None
        try:
            text, sha = read_path(path)
            records = self._records(text, doc_id, str(path))
        except ReadError as exc:
            return DocResult(doc_id, str(path), error=exc.reason, sha256=sha)
        except Exception as exc:  # one bad document must not stop the batch
            return DocResult(doc_id, str(path), sha256=sha,
                             error=f"internal error while processing: {type(exc).__name__}: {exc}")
        return DocResult(doc_id, str(path), records=records, sha256=sha)

    def map_batch(self, batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Batch function for ``datasets.Dataset.map(batched=True)`` / Ray Data ``map_batches``.

        Input columns: ``path`` (file paths) or ``bytes`` + ``name``; optional ``doc_id``. Output: one
        row per clause with the record fields plus ``error`` (``None``); a document that cannot be read
        gives one row with only ``doc_id``, ``source`` and ``error`` set.
        """
        if "path" in batch:
            sources: list[Any] = list(batch["path"])
            names: list[str | None] = [None] * len(sources)
        elif "bytes" in batch and "name" in batch:
            sources, names = list(batch["bytes"]), list(batch["name"])
        else:
            raise KeyError("map_batch needs a 'path' column, or 'bytes' and 'name' columns")
        doc_ids = list(batch.get("doc_id") or [None] * len(sources))
        rows: list[dict[str, Any]] = []
        records: list[ClauseRecord] = []
        for src, name, doc_id in zip(sources, names, doc_ids):
            try:
                text, source, stem = _read_source(src, name)
                recs = self._records(text, doc_id or stem, source)
            except ReadError as exc:
                rows.append({"doc_id": doc_id or Path(exc.path).stem, "source": exc.path, "error": exc.reason})
                continue
            records.extend(recs)
            rows.extend({"record": r} for r in recs)
        self._classify(records)
        rows = [{**r["record"].to_dict(), "error": None} if "record" in r else r for r in rows]
        cols = list(record_fields()) + ["error"]
        return {c: [r.get(c) for r in rows] for c in cols}

    __call__ = map_batch

    @staticmethod
    def features() -> Any:
        """``datasets.Features`` of :meth:`map_batch` output; pass it to ``Dataset.map(features=…)`` so
        shards whose columns happen to be all-null (no errors, no quantities) still line up."""
        import datasets

        return datasets.Features.from_arrow_schema(record_schema(with_error=True))


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="doc", desc="tagging", file=sys.stderr)
