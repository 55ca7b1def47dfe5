"""One durable ``clausetag tag`` run: documents in, an output file (and, for a folder, summary) out.

:func:`run_batch` plans shards (:mod:`clausetag.tagging.parallel`), tags them with an engine (worker processes or
Ray), and commits each shard's documents to disk as it arrives, in input order
(:class:`~clausetag.tagging.runstate.RunState`). Ctrl-C, SIGTERM and SIGHUP stop the run the same way: the
batch being committed is finished, workers are stopped, the exit status is 128 + the signal number and
the message says how to continue (``--resume``). Summary files are written from the state on disk at
the end, so after an interrupt and a resume they describe exactly what the clauses file holds.
"""
from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clausetag.io.writers import iter_records
from clausetag.outputs.report import write_report
from clausetag.outputs.summary import SummaryBuilder
from clausetag.tagging.parallel import Item, WorkerDied, plan_shards, run_shards
from clausetag.tagging.pipeline import Tagger, assign_doc_ids, file_sha256
from clausetag.tagging.runstate import EncodedDoc, RunState, remove_stale_temp_files

__all__ = ["DERIVED_OUTPUTS", "Interrupted", "build_summary", "run_batch"]

#: files a folder output holds beside the clauses, rebuilt at the end of every run
DERIVED_OUTPUTS = ("summary.csv", "summary.md", "mix.png", "targets.csv", "targets.parquet", "report.html")

_SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP")) if s is not None)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT, SIGTERM or SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _SignalGuard:
    """Turn SIGINT/SIGTERM/SIGHUP into :class:`Interrupted`, but never inside a commit: a signal that
    arrives while a batch is being written is raised once the batch is on disk."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self.critical = False

    def handler(self, signum: int, frame: Any) -> None:
        if self.critical:
            self.pending = signum
        else:
            raise Interrupted(signum)

    @contextmanager
    def commit(self) -> Iterator[None]:
        self.critical = True
        try:
            yield
        finally:
            self.critical = False
        if self.pending is not None:
            raise Interrupted(self.pending)


@contextmanager
def _signals_as_interrupts() -> Iterator[_SignalGuard]:
    guard = _SignalGuard()
    try:
        old = {s: signal.signal(s, guard.handler) for s in _SIGNALS}
    except ValueError:  # not the main thread: leave signals alone
        old = {}
    try:
        yield guard
    finally:
        for s, h in old.items():
            signal.signal(s, h)


Engine = Callable[..., Iterator[list[EncodedDoc]]]


def run_batch(
    files: Sequence[Path],
    tagger: Tagger,
    output: Path,
    fmt: str,
    out_dir: Path | None = None,
    *,
    jobs: int = 1,
    resume: bool = False,
    progress: bool = True,
    engine: Engine | None = None,
) -> int:
    """Tag ``files`` into ``output`` (format ``fmt``) durably, as ``clausetag tag`` does; with ``out_dir``,
    also write the summary there. Documents go through the same shard function as :meth:`Tagger.pipe`
    (``Tagger._tag_items``), here with ``encode=True`` so workers serialise the records.

    Returns the exit status: 0 all tagged, 1 some documents failed in this run (failures of an earlier
    run are tried again on resume) or a worker died, 128 + signal
    number when interrupted. ``engine(tagger, shards, jobs=…, encode=True, summarize=…)`` yields shard results in
    order (default: :func:`~clausetag.tagging.parallel.run_shards`). Raises
    :class:`~clausetag.tagging.runstate.StateError` if ``resume`` cannot continue from what is on disk.
    """
    engine = engine or run_shards
    prov = tagger.provenance
    settings = {"model_hash": prov.model_hash, "rules_hash": prov.rules_hash,
                "quantities": tagger.with_quantities, "probs": tagger.probs}
    if tagger.with_quantities and tagger.extractor is not None:  # not the default (kept out: older state files)
        settings["extractor"] = _callable_name(tagger.extractor)
    state = RunState.open(output, fmt, resume, settings)
    ids = assign_doc_ids(files)
    if resume:
        done = state.done()
        changed = [d for p, d in zip(files, ids) if done.get(d) is not None and file_sha256(p) != done[d]]
        failed = [d.doc_id for d in state.docs.values() if d.error is not None]  # tried again below
        state.drop(changed + failed)
        note = f"; {len(changed)} changed since, tagged again" if changed else ""
        _echo(f"resuming: {len(done) - len(changed)} document(s) already in {output}{note}", None)
    skip = set(state.done())
    todo = [Item(d, str(p)) for p, d in zip(files, ids) if d not in skip]
    if out_dir is not None:
        remove_stale_temp_files(out_dir, DERIVED_OUTPUTS)
        for name in DERIVED_OUTPUTS:  # they would describe an older state of the output
            (out_dir / name).unlink(missing_ok=True)

    bar = _progress_bar(len(todo), progress)
    n_docs = n_failed = 0
    parts: dict[str, Any] = {}
    try:
        with _signals_as_interrupts() as guard:
            for results in engine(tagger, plan_shards(todo), jobs=jobs, encode=True, summarize=out_dir is not None):
                with guard.commit():
                    state.commit(results)
                for res in results:
                    if res.ok:
                        n_docs += 1
                        if out_dir is not None and res.summary is not None:
                            parts[res.doc_id] = res.summary
                    else:
                        n_failed += 1
                        _echo(f"failed: {res.path}: {res.error}", bar)
                    if bar is not None:
                        bar.update(1)
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        _close(bar)
        _echo(f"\ninterrupted ({signal.Signals(signum).name}): {n_docs} document(s) of this run committed to "
              f"{state.journal}; rerun with --resume to continue", None)
        return 128 + int(signum)
    except (WorkerDied, OSError) as exc:  # OSError: e.g. the disk filled up while committing
        _close(bar)
        what = str(exc) if isinstance(exc, WorkerDied) else f"{exc.filename or state.journal}: {exc.strerror or exc}"
        _echo(f"error: {what} ({n_docs} document(s) of this run committed to {state.journal}); "
              "rerun with --resume to continue", None)
        return 1
    finally:
        _close(bar)
    if out_dir is not None:  # before finish(): it reads the journal, which CSV/Parquet output then drops
        summary = build_summary(state, parts)
    written = [state.finish()]
    if out_dir is not None:
        written += summary.write(out_dir, provenance=tagger.provenance)
        written.append(write_report(out_dir / "report.html", iter_records(output, fmt), summary,
                                    provenance=tagger.provenance))
    _echo(f"tagged {n_docs} document(s), {n_failed} failed; wrote {', '.join(str(p) for p in written)}", None)
    return 1 if n_failed else 0


def build_summary(state: RunState, parts: dict[str, Any] | None = None) -> Any:
    """A :class:`~clausetag.outputs.summary.SummaryBuilder` of everything the output holds, in journal order:
    documents tagged in this run from their :func:`~clausetag.outputs.summary.summary_part` (``parts``), the
    others from their records read back from the journal; then the failures of this run."""
    import json


    parts = parts or {}
    builder = SummaryBuilder()
    with state.journal.open("rb") as journal:
        for doc in state.iter_summary():
            if doc.error is not None:
                builder.failures.append({"doc_id": doc.doc_id, "path": str(doc.path), "error": doc.error})
            elif doc.doc_id in parts:
                builder.add_part(parts[doc.doc_id])
            else:
                journal.seek(doc.start)
                records = [json.loads(x) for x in journal.read(doc.end - doc.start).splitlines() if x.strip()]
                builder.add_document(doc.doc_id, records[0].get("source") if records else doc.path, records)
    return builder


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="doc", desc="tagging", file=sys.stderr)


def _close(bar: Any) -> None:
    if bar is not None:
        bar.close()


def _echo(msg: str, bar: Any) -> None:
    """A message on stderr, above the progress bar when there is one (never into it)."""
    if bar is not None:
        bar.write(msg, file=sys.stderr)
    else:
        print(msg, file=sys.stderr)


def _callable_name(fn: Any) -> str:
    """A stable name of a function or a ``functools.partial`` of one (``extract_quantities(reader=False)``)."""
    import functools

    if isinstance(fn, functools.partial):
        args = [repr(a) for a in fn.args] + [f"{k}={v!r}" for k, v in sorted(fn.keywords.items())]
        return f"{_callable_name(fn.func)}({', '.join(args)})"
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__qualname__)}"
