"""Tag documents in worker processes, results merged back in input order.

Documents are cut into *shards*: runs of consecutive documents, bounded by a number of documents and of
bytes (:func:`plan_shards`). The plan depends on the input alone, never on the number of workers, and
every engine tags one shard with the tagger's one shard function (``Tagger._tag_items``: each document read
and split on its own, then the body clauses of the whole shard classified together), so the classifier sees
the same batches whether a run uses one process or many: ``--jobs N`` output is byte-identical to
``--jobs 1``.

:func:`run_shards` runs shards in-process (``jobs=1``) or in a pool of ``jobs`` worker processes that
each load the model once (pool initializer), keeps at most ``2 × jobs`` shards in flight and yields the
results in shard order. Workers ignore SIGINT (the parent decides what an interrupt means) and are
terminated when the consumer stops early, raises or is interrupted.

Workers also die with their parent when it cannot stop them (SIGKILL, a crash, the OOM killer): each
runs a daemon thread (:func:`_watch_parent`) that waits on the pipe ``multiprocessing`` keeps open from
the parent to every spawned child (``multiprocessing.parent_process().sentinel``: it reads end-of-file
the moment the parent is gone, on every OS), checking ``os.getppid()`` once a second as a fallback, and
ends the worker with ``os._exit``. Portable, no ``prctl``; the worker goes within about a second, or
when the C code it is in gives up the GIL. Multiprocessing's resource tracker then sees its last
client go and exits too. ``tests/test_orphans.py`` SIGKILLs a ``--jobs 2`` run and looks for survivors.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["SHARD_BYTES", "SHARD_DOCS", "Item", "Shard", "WorkerDied", "default_jobs", "plan_shards", "run_shards"]

#: at most this many documents in one shard
SHARD_DOCS = 32
#: a shard stops growing once its files reach this many bytes (a larger single file is a shard alone)
SHARD_BYTES = 512 * 1024
#: how processes are started: "spawn" is safe whatever threads the parent runs (torch, tqdm)
START_METHOD = "spawn"


class WorkerDied(RuntimeError):
    """A worker process ended abruptly (killed, out of memory, crashed)."""


class Item(NamedTuple):
    """One document to tag: a file (``path``, read by whoever tags it) or a text already in memory."""

    doc_id: str
    path: str | None = None
    text: str | None = None
    title: str | None = None

    def size(self) -> int:
        """Bytes of the document: the file's size (0 if it cannot be read) or the text's UTF-8 length."""
        if self.text is not None:
            return len(self.text.encode("utf-8"))
        try:
            return Path(self.path or "").stat().st_size
        except OSError:
            return 0


@dataclass(frozen=True)
class Shard:
    """Consecutive documents tagged together."""

    index: int
    items: tuple[Item, ...]


def default_jobs() -> int:
    """The number of CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def plan_shards(
    items: Sequence[Item],
    max_docs: int | None = None,
    max_bytes: int | None = None,
) -> list[Shard]:
    """Cut documents, in order, into shards of at most ``max_docs`` documents that add up to about
    ``max_bytes`` (default :data:`SHARD_DOCS`, :data:`SHARD_BYTES`; see :meth:`Item.size`)."""
    max_docs = SHARD_DOCS if max_docs is None else max_docs
    max_bytes = SHARD_BYTES if max_bytes is None else max_bytes
    if max_docs < 1:
        raise ValueError(f"batch_size (documents per shard) must be at least 1, not {max_docs}")
    shards: list[Shard] = []
    current: list[Item] = []
    size = 0
    for item in items:
        n = item.size()
        if current and (len(current) >= max_docs or size + n > max_bytes):
            shards.append(Shard(len(shards), tuple(current)))
            current, size = [], 0
        current.append(item)
        size += n
    if current:
        shards.append(Shard(len(shards), tuple(current)))
    return shards


def run_shards(
    tagger: Any, shards: Sequence[Shard], jobs: int = 1, encode: bool = False, summarize: bool = True
) -> Iterator[list[Any]]:
    """Tag ``shards`` with ``tagger`` and yield each shard's list of
    :class:`~clausetag.tagging.pipeline.DocResult` (with ``encode``: of
    :class:`~clausetag.tagging.runstate.EncodedDoc`), in shard order.

    ``jobs`` ≤ 1 (or a single shard) runs in this process; otherwise a pool of ``jobs`` worker
    processes each gets a copy of ``tagger`` (a model given as a path is loaded once per worker).
    Raises :class:`WorkerDied` if a worker ends abruptly.
    """
    if jobs <= 1 or len(shards) <= 1:
        for shard in shards:
            yield tagger._tag_items(shard.items, encode=encode, summarize=summarize)
        return
    yield from _run_pool(tagger, shards, min(jobs, len(shards)), encode, summarize)


# ------------------------------------------------------------------------------------ worker side
_TAGGER: Any = None


def _init_worker(tagger: Any, threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: parent decides
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # N workers must not each start all-core pools (CLAUSETAG_ORT_THREADS: ONNX Runtime's intra-op pool)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "CLAUSETAG_ORT_THREADS"):
        os.environ.setdefault(var, str(threads))
    _watch_parent()
    global _TAGGER
    _TAGGER = tagger
    _ = tagger.classifier  # load the model once, now


def _watch_parent(poll: float = 1.0) -> threading.Thread:
    """Start a daemon thread that ends this worker process as soon as its parent is gone."""
    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    ppid = os.getppid()

    def watch() -> None:
        from multiprocessing.connection import wait

        while True:
            if sentinel is not None:
                try:
                    gone = bool(wait([sentinel], timeout=poll))
                except OSError:  # the sentinel cannot be waited on: rely on getppid
                    gone = False
                    time.sleep(poll)
            else:
                gone = False
                time.sleep(poll)
            if gone or os.getppid() != ppid:
                os._exit(1)

    thread = threading.Thread(target=watch, name="clausetag-watch-parent", daemon=True)
    thread.start()
    return thread


def _tag_shard(items: tuple[Item, ...], encode: bool, summarize: bool) -> list[Any]:
    return _TAGGER._tag_items(items, encode=encode, summarize=summarize)


# ------------------------------------------------------------------------------------ parent side
def _run_pool(
    tagger: Any, shards: Sequence[Shard], jobs: int, encode: bool, summarize: bool
) -> Iterator[list[Any]]:
    threads = max(1, default_jobs() // jobs)
    ctx = multiprocessing.get_context(START_METHOD)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                               initargs=(tagger, threads))
    window: deque[Future[list[Any]]] = deque()
    todo = iter(shards)
    clean = False
    try:
        for shard in todo:
            window.append(pool.submit(_tag_shard, shard.items, encode, summarize))
            if len(window) >= 2 * jobs:
                break
        while window:
            try:
                results = window.popleft().result()
            except BrokenProcessPool as exc:
                raise WorkerDied(
                    "a worker process ended abruptly (killed, out of memory or crashed); "
                    "documents finished before it are kept"
                ) from exc
            nxt = next(todo, None)
            if nxt is not None:
                window.append(pool.submit(_tag_shard, nxt.items, encode, summarize))
            yield results
        clean = True
    finally:
        if clean:
            pool.shutdown(wait=True)
        else:
            _terminate(pool, window)


def _terminate(pool: ProcessPoolExecutor, window: deque[Future[list[Any]]]) -> None:
    """Stop at once: cancel queued shards and end the workers (their shards in flight are lost)."""
    for fut in window:
        fut.cancel()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
