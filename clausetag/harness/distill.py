"""Knowledge-distillation data: clauses sampled from the unlabeled corpora and a teacher's probabilities
for them, computed once and cached.

* :func:`sample_corpus_clauses` splits corpus documents (``*.jsonl.xz`` with ``id``, ``title``, ``text``)
  with :func:`clausetag.segment.splitter.split` and draws body clauses with a seeded generator, at most
  ``per_doc`` per document, skipping documents that are labeled (``exclude``: never distil on the text
  of a held-out document);
* :func:`teacher_probabilities` returns the teacher's probabilities for those clauses, reading them from
  a cache (``<cache_dir>/<teacher hash>.npz``, keyed by corpus id + clause index and checked against
  the clause text) and computing only what is missing. An ensemble teacher is cached member by member,
  so retraining the cheap baseline member does not recompute the transformer member.

The student that learns from them is :class:`clausetag.classifiers.student.StudentClassifier`.
"""
from __future__ import annotations

import hashlib
import json
import lzma
import os
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from clausetag.classifiers import classifier_class, load_classifier
from clausetag.classifiers.card import read_card
from clausetag.io.records import join_context
from clausetag.outputs.provenance import hash_files
from clausetag.segment.splitter import split

__all__ = ["CorpusClause", "labeled_document_ids", "model_hash", "sample_corpus_clauses",
           "teacher_probabilities"]


@dataclass(frozen=True)
class CorpusClause:
    """One body clause of an unlabeled corpus document."""

    corpus_id: str
    index: int
    text: str
    heading_path: tuple[str, ...]
    title: str

    @property
    def key(self) -> str:
        """``corpus_id#index``: the cache key."""
        return f"{self.corpus_id}#{self.index}"

    @property
    def context(self) -> str:
        """The heading path joined as classifiers take it."""
        return join_context(list(self.heading_path))

    @property
    def digest(self) -> str:
        """A short hash of text and context: a cached row is reused only for the same clause."""
        return hashlib.sha1(f"{self.text}\x00{self.context}".encode()).hexdigest()[:16]


def _open(path: Path) -> Any:
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def iter_corpus(path: str | Path) -> Iterator[dict[str, Any]]:
    """The documents of a corpus JSONL(.xz) file (``id``, ``title``, ``text``), in file order."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"corpus file not found: {path}")
    with _open(path) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
            if "text" not in doc:
                raise ValueError(f"{path}:{n}: a corpus document needs a 'text' field")
            yield doc


def labeled_document_ids(paths: Iterable[str | Path]) -> set[str]:
    """``doc_id`` and ``source`` of every record in the JSONL files under ``paths`` (files or folders,
    searched recursively): the corpus documents a distillation sample must skip."""
    ids: set[str] = set()
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise FileNotFoundError(f"labeled data not found: {p}")
        files = [p] if p.is_file() else sorted(p.rglob("*.jsonl"))
        for f in files:
            with f.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        rec = json.loads(line)
                        ids.update(str(rec[k]) for k in ("doc_id", "source") if rec.get(k))
    return ids


def sample_corpus_clauses(
    corpora: Sequence[str | Path],
    n: int,
    *,
    seed: int = 0,
    per_doc: int = 8,
    exclude: Iterable[str] = (),
    min_chars: int = 6,
) -> list[CorpusClause]:
    """Up to ``n`` body clauses (not headings, at least ``min_chars`` characters) from the documents of
    ``corpora``, in a seeded random document order, at most ``per_doc`` drawn at random from each
    document. Documents whose ``id`` is in ``exclude`` are skipped. Deterministic for a seed."""

    skip = set(exclude)
    docs = [(str(d.get("id", f"{Path(c).name}:{i}")), str(d.get("title") or ""), str(d["text"]))
            for c in corpora for i, d in enumerate(iter_corpus(c))]
    # shuffle first, filter after, and draw each document's clauses with its own generator: excluding
    # more documents (new labels) drops their clauses and keeps every other draw (and its cache rows)
    random.Random(seed).shuffle(docs)
    out: list[CorpusClause] = []
    for doc_id, title, text in docs:
        if len(out) >= n:
            break
        if doc_id in skip:
            continue
        body = [c for c in split(text, doc_id=doc_id) if not c.is_heading and len(c.text.strip()) >= min_chars]
        picked = random.Random(f"{seed}:{doc_id}").sample(body, min(per_doc, len(body)))[:n - len(out)]
        out += [CorpusClause(doc_id, int(c.index), c.text, tuple(c.heading_path), title)
                for c in sorted(picked, key=lambda c: c.index)]
    return out


def model_hash(path: str | Path) -> str:
    """A 16-hex-digit hash of every file of a model directory but its card text (names and bytes), by
    :func:`clausetag.outputs.provenance.hash_files`: a regenerated README does not invalidate cached outputs."""
    root = Path(path)
    return hash_files([p for p in root.rglob("*") if p.is_file() and p.name != "README.md"], root=root)


def _load_cache(file: Path) -> dict[str, tuple[str, np.ndarray]]:
    if not file.is_file():
        return {}
    with np.load(file, allow_pickle=False) as z:
        return {str(k): (str(d), p) for k, d, p in zip(z["keys"], z["digests"], z["probs"])}


def _save_cache(file: Path, rows: dict[str, tuple[str, np.ndarray]], labels: Sequence[str]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    # several runs may share a teacher: keep the rows another process wrote meanwhile, and write
    # through a file of our own before the atomic rename
    rows = {**_load_cache(file), **rows}
    keys = sorted(rows)
    tmp = file.with_name(f"{file.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.npz")
    np.savez_compressed(tmp, keys=np.array(keys), digests=np.array([rows[k][0] for k in keys]),
                        probs=np.stack([rows[k][1] for k in keys]).astype(np.float32) if keys
                        else np.zeros((0, len(labels)), np.float32), labels=np.array(list(labels)))
    tmp.replace(file)


def _single_teacher(path: Path, clauses: Sequence[CorpusClause], cache_dir: Path, *, chunk: int,
                    progress: bool) -> tuple[np.ndarray, list[str]]:
    """Probabilities of one saved model (not an ensemble) for ``clauses``, through its cache file."""
    from tqdm.auto import tqdm


    labels = [str(x) for x in read_card(path)["labels"]]
    file = cache_dir / f"{model_hash(path)}.npz"
    rows = _load_cache(file)
    todo = [c for c in clauses if c.key not in rows or rows[c.key][0] != c.digest]
    if todo:
        model = load_classifier(path)
        if [str(x) for x in model.classes_] != labels:
            raise ValueError(f"{path}: the model's labels differ from its card")
        bar = tqdm(total=len(todo), desc=f"teacher {path.name}", unit="clause", disable=not progress)
        for lo in range(0, len(todo), chunk):
            part = todo[lo:lo + chunk]
            proba = np.asarray(model.predict_proba([c.text for c in part], [c.context for c in part]))
            for c, row in zip(part, proba):
                rows[c.key] = (c.digest, row.astype(np.float32))
            _save_cache(file, rows, labels)  # an interrupted run resumes where it stopped
            bar.update(len(part))
        bar.close()
    return np.stack([rows[c.key][1] for c in clauses]) if clauses else np.zeros((0, len(labels))), labels


def teacher_probabilities(
    teacher: str | Path,
    clauses: Sequence[CorpusClause],
    labels: Sequence[str],
    *,
    cache_dir: str | Path = ".cache/distill",
    chunk: int = 512,
    progress: bool = True,
) -> np.ndarray:
    """The teacher's probabilities for ``clauses``, shape ``(len(clauses), len(labels))``, columns in
    ``labels`` order (a label the teacher does not have gets 0). Cached in ``cache_dir`` per model
    (``<hash of the model's files>.npz``); an ensemble is cached per member and combined with its
    weights."""

    path, cache = Path(teacher), Path(cache_dir)
    card = read_card(path)
    if card.get("members"):  # an ensemble: per member, combined as its type combines held-out probabilities
        members = [_single_teacher(path / m["dir"], clauses, cache, chunk=chunk, progress=progress)
                   for m in card["members"]]
        if any(lab != members[0][1] for _, lab in members):
            raise ValueError(f"{path}: ensemble members have different labels")
        combined = classifier_class(card["type"]).combine_held_out(dict(card.get("params") or {}), [p for p, _ in members])
        proba, have = combined, members[0][1]
    else:
        proba, have = _single_teacher(path, clauses, cache, chunk=chunk, progress=progress)
    out = np.zeros((len(clauses), len(labels)), dtype=np.float64)
    col = {lab: j for j, lab in enumerate(have)}
    for j, lab in enumerate(labels):
        if lab in col:
            out[:, j] = proba[:, col[lab]]
    sums = out.sum(axis=1, keepdims=True)
    if len(out) and np.any(sums <= 0):
        raise ValueError(f"{path}: the teacher gives no probability to any of the student's labels")
    return out / np.where(sums > 0, sums, 1.0)
