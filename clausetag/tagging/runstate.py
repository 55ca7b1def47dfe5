"""Durable tagging runs: finished documents reach disk in small committed batches.

A run writes two files beside its output ``OUT`` (``clauses.jsonl``, ``clauses.csv`` …):

* the **journal**: the clause records as JSON lines. For JSONL output it *is* ``OUT``; for CSV and
  Parquet it is ``OUT.journal.jsonl``, turned into ``OUT`` when the run ends and then removed;
* the **state** file ``OUT.state``: JSON lines, one per committed batch, holding the journal's length
  after the batch and, per document, its id, path, SHA-256, clause count, byte count and error.

A batch is committed by appending its records to the journal, ``fsync``, then appending its state line,
``fsync``. A kill at any moment therefore loses at most the batch being written: on ``--resume``,
:meth:`RunState.open` drops a partial last state line, cuts the journal back to the last committed
length, and reports which documents are done (with their hashes, so a changed file is tagged again and
its old records removed). A fresh run starts both files empty. Stale temporary files that an earlier,
killed run left beside the outputs (``.NAME.*.tmp``) are removed.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clausetag.io.writers import iter_records, jsonl_lines, write_atomic, write_records

__all__ = ["DocState", "EncodedDoc", "RunState", "StateError", "remove_stale_temp_files"]

STATE_VERSION = 1


class StateError(ValueError):
    """The output and its state file cannot be resumed from."""


@dataclass
class EncodedDoc:
    """One tagged document as a run commits it: its records already serialised as JSON lines (by the
    worker that tagged it, so the process that writes only appends bytes) and its summary part."""

    doc_id: str
    path: str | None
    sha256: str | None = None
    error: str | None = None
    #: the records as JSON lines, exactly as a ``.jsonl`` output holds them (empty for a failure)
    payload: bytes = b""
    n_clauses: int = 0
    #: the document's :func:`~clausetag.outputs.summary.summary_part` (``None`` when not asked for)
    summary: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class DocState:
    """What the state file knows about one document."""

    doc_id: str
    path: str | None
    sha256: str | None
    clauses: int = 0
    error: str | None = None
    #: where its records sit in the journal (byte offsets)
    start: int = 0
    end: int = 0


@dataclass
class RunState:
    """The journal and state file of one output; see the module docstring."""

    output: Path
    fmt: str
    docs: dict[str, DocState] = field(default_factory=dict)
    committed: int = 0
    #: what decides the records (model and rules hashes, quantities, probabilities), kept in the state file
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def journal(self) -> Path:
        return self.output if self.fmt == "jsonl" else self.output.with_name(self.output.name + ".journal.jsonl")

    @property
    def state_path(self) -> Path:
        return self.output.with_name(self.output.name + ".state")

    # -- opening ------------------------------------------------------------------------------------
    @classmethod
    def open(cls, output: str | os.PathLike[str], fmt: str, resume: bool,
             settings: dict[str, Any] | None = None) -> RunState:
        """Prepare ``output`` for writing: recover it (``resume``) or start it empty. ``settings`` (what
        decides the records: model and rules hashes, quantities, probabilities) is stored with a new run;
        resuming a run stored with other settings raises :class:`StateError` (one output, one model)."""
        run = cls(Path(output), fmt)
        run.settings = dict(settings or {})
        run.output.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(run.output.parent, [run.output.name, run.state_path.name, run.journal.name])
        if resume and run.state_path.exists():
            run._recover()
        elif resume and (run.journal.exists() or run.output.exists()):
            run._adopt()
        else:
            run._start()
        return run

    def _start(self) -> None:
        for p in {self.journal, self.state_path}:
            _write_durably(p, b"")
        self._append_state({"clausetag_state": STATE_VERSION, "format": self.fmt, "started": _now(),
                            "settings": self.settings})

    def _recover(self) -> None:
        raw = self.state_path.read_bytes()
        good = 0
        entries: list[dict[str, Any]] = []
        for line in raw.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break  # a partial last line: the batch it described was never committed
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                break
            good += len(line)
        if not entries or entries[0].get("clausetag_state") != STATE_VERSION:
            raise StateError(f"{self.state_path}: not a clausetag state file (version {STATE_VERSION})")
        if entries[0].get("format") != self.fmt:
            raise StateError(f"{self.state_path}: written for format {entries[0].get('format')!r}, not {self.fmt!r}")
        stored = entries[0].get("settings")  # absent in state files of older clausetag versions
        if stored is not None and self.settings and stored != self.settings:
            diff = ", ".join(f"{k} {stored.get(k)!r} there, {self.settings.get(k)!r} now"
                             for k in sorted(set(stored) | set(self.settings)) if stored.get(k) != self.settings.get(k))
            raise StateError(f"{self.state_path}: the run was started with other settings ({diff}); resume with "
                             "the same --model and options, or start afresh without --resume")
        if good < len(raw):
            _truncate(self.state_path, good)
        for entry in entries[1:]:
            pos = entry["start"]
            for d in entry["docs"]:
                doc = DocState(d["doc_id"], d.get("path"), d.get("sha256"), d.get("clauses", 0), d.get("error"),
                               pos, pos + d.get("bytes", 0))
                pos = doc.end
                self.docs.pop(doc.doc_id, None)
                self.docs[doc.doc_id] = doc
            self.committed = entry["end"]
        if self.fmt != "jsonl" and not self.journal.exists() and self.output.exists():
            self._rebuild_journal()  # a finished CSV/Parquet run: its journal was turned into the output
        size = self.journal.stat().st_size if self.journal.exists() else 0
        if size < self.committed:
            raise StateError(f"{self.journal} holds {size} bytes but {self.state_path} records {self.committed} "
                             "committed; the output was changed by hand: start afresh without --resume")
        if size > self.committed:
            _truncate(self.journal, self.committed)  # records of a batch that was never committed

    def _rebuild_journal(self) -> None:
        with self.journal.open("wb") as fh:
            for _doc_id, recs in _group_by_doc(iter_records(self.output, self.fmt)):
                fh.write(jsonl_lines(recs).encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())

    def _adopt(self) -> None:
        """Resume from an output without a state file (an older clausetag): its documents count as
        done, with unknown hashes."""

        source = self.journal if self.journal.exists() else self.output
        fmt = "jsonl" if source == self.journal else self.fmt
        try:
            groups = [(d, jsonl_lines(recs).encode("utf-8"), recs) for d, recs in
                      _group_by_doc(iter_records(source, fmt))]
        except (ValueError, OSError) as exc:
            raise StateError(f"cannot resume from {source}: {exc}") from None
        _write_durably(self.journal, b"".join(g[1] for g in groups))
        _write_durably(self.state_path, b"")
        self._append_state({"clausetag_state": STATE_VERSION, "format": self.fmt, "started": _now(),
                            "settings": self.settings})

        self.commit([EncodedDoc(d, recs[0].get("source"), payload=data, n_clauses=len(recs))
                     for d, data, recs in groups], journal_written=True)

    # -- what is done -------------------------------------------------------------------------------
    def done(self) -> dict[str, str | None]:
        """Documents tagged successfully so far: ``doc_id`` → SHA-256 (``None`` if unknown)."""
        return {d.doc_id: d.sha256 for d in self.docs.values() if d.error is None}

    def drop(self, doc_ids: Iterable[str]) -> None:
        """Remove documents (and their records) from the journal and the state, e.g. files that changed
        since they were tagged. Rewrites both files (atomically)."""
        gone = set(doc_ids) & set(self.docs)
        if not gone:
            return

        kept = [d for d in self._in_journal_order() if d.doc_id not in gone]
        parts: list[bytes] = []
        with self.journal.open("rb") as fh:
            for d in kept:
                fh.seek(d.start)
                parts.append(fh.read(d.end - d.start))
        failed = [d for d in self.docs.values() if d.error is not None and d.doc_id not in gone]
        self.docs = {}
        self.committed = 0
        write_atomic(self.journal, b"".join(parts))
        write_atomic(self.state_path, b"")
        self._append_state({"clausetag_state": STATE_VERSION, "format": self.fmt, "started": _now(),
                            "settings": self.settings})
        self._commit_states([(_as_entry(d), d.end - d.start) for d in kept + failed])

    def _in_journal_order(self) -> list[DocState]:
        return sorted((d for d in self.docs.values() if d.error is None), key=lambda d: d.start)

    # -- committing ---------------------------------------------------------------------------------
    def commit(self, results: list[EncodedDoc], journal_written: bool = False) -> None:
        """Append a batch of :class:`EncodedDoc` to the journal and the state, durably."""
        if not results:
            return
        if not journal_written:
            data = b"".join(r.payload for r in results if r.ok)
            with self.journal.open("ab") as fh:
                if fh.tell() != self.committed:
                    fh.truncate(self.committed)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        entries = [({"doc_id": r.doc_id, "path": None if r.path is None else str(r.path), "sha256": r.sha256,
                     "clauses": r.n_clauses, "error": r.error},
                    len(r.payload) if r.ok else 0) for r in results]
        self._commit_states(entries)

    def _commit_states(self, entries: list[tuple[dict[str, Any], int]]) -> None:
        start = self.committed
        pos = start
        docs = []
        for entry, nbytes in entries:
            docs.append(dict(entry, bytes=nbytes))
            doc = DocState(entry["doc_id"], entry["path"], entry["sha256"], entry["clauses"], entry["error"],
                           pos, pos + nbytes)
            pos = doc.end
            self.docs.pop(doc.doc_id, None)
            self.docs[doc.doc_id] = doc
        if docs:
            self._append_state({"start": start, "end": pos, "docs": docs})
        self.committed = pos

    def _append_state(self, obj: dict[str, Any]) -> None:
        line = json.dumps(obj, ensure_ascii=False) + "\n"
        with self.state_path.open("ab") as fh:
            fh.write(line.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())

    # -- finishing ----------------------------------------------------------------------------------
    def finish(self) -> Path:
        """Make the output whole: for CSV/Parquet, write it from the journal (atomically) and remove the
        journal. Returns the output path."""
        if self.fmt == "jsonl":
            return self.output

        write_records(iter_records(self.journal, "jsonl"), self.output, self.fmt)
        self.journal.unlink()
        return self.output

    def iter_summary(self) -> Iterator[DocState]:
        """Every document's final state: tagged ones in journal order, then the failed ones."""
        yield from self._in_journal_order()
        yield from (d for d in self.docs.values() if d.error is not None)


# ------------------------------------------------------------------------------------------ helpers
def remove_stale_temp_files(folder: str | os.PathLike[str], names: Iterable[str]) -> list[Path]:
    """Remove ``.NAME.*.tmp`` files (left by an atomic write that was killed) for each of ``names``."""
    removed = []
    for name in names:
        for p in Path(folder).glob(f".{name}.*.tmp"):
            try:
                p.unlink()
                removed.append(p)
            except OSError:
                pass
    return removed


def _group_by_doc(records: Iterable[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    current: list[dict[str, Any]] = []
    for rec in records:
        if current and rec.get("doc_id") != current[0].get("doc_id"):
            yield str(current[0].get("doc_id")), current
            current = []
        current.append(rec)
    if current:
        yield str(current[0].get("doc_id")), current


def _as_entry(d: DocState) -> dict[str, Any]:
    return {"doc_id": d.doc_id, "path": d.path, "sha256": d.sha256, "clauses": d.clauses, "error": d.error}


def _write_durably(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as fh:
        fh.truncate(size)
        fh.flush()
        os.fsync(fh.fileno())


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
