"""Tag with Ray Data: the same shards and the same per-shard function as local worker processes.

Pipeline: shards of file paths (:func:`clausetag.tagging.parallel.plan_shards`) → ``map_batches`` over an actor
pool, each actor holding one :class:`~clausetag.tagging.pipeline.Tagger` (the model loaded once per actor),
calling the shard function every engine uses (``Tagger._tag_items``: read → split → quantities →
classify) → rows built by :func:`~clausetag.tagging.pipeline.clause_rows`.

Two ways out:

* :func:`ray_engine` feeds ``clausetag tag --engine ray``: each row is one document (its records as JSON
  lines, hash, error), streamed back in input order to the same durable writer as the local engine,
  so the output is identical to ``--engine local`` (and ``--resume`` works the same);
* :func:`tag_dataset` returns a lazy :class:`ray.data.Dataset` with one row per clause (columns of
  :class:`~clausetag.io.records.ClauseRecord`, plus ``error``), for writing straight from the cluster:
  ``tag_dataset(paths).write_parquet("s3://bucket/out")``.

Inputs are file paths: on a cluster they must be readable from every node (a shared file system).
"""
from __future__ import annotations

import os
import pickle
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from clausetag.io.records import record_schema
from clausetag.tagging.parallel import Item, Shard, plan_shards
from clausetag.tagging.pipeline import Tagger, assign_doc_ids, clause_rows, expand_paths
from clausetag.tagging.runstate import EncodedDoc

__all__ = ["init_ray", "ray_engine", "tag_dataset"]


def init_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Connect to the Ray cluster at ``address``, or start a local Ray with ``num_cpus`` CPUs (default:
    all). A local Ray's workers import clausetag from where this process does."""
    import logging

    import ray

    if ray.is_initialized():
        return
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if address:
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        return
    pkg_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (pkg_root, os.environ.get("PYTHONPATH", "")) if p)
    # The local Ray inherits this environment while it starts. (Not a runtime_env: the workers that Ray
    # starts ahead of time have none, so every actor of a job with one would start a new process; a test
    # run took 25 CPU seconds with it, 20 without.)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = path
    try:
        ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old


class _ShardTagger:
    """A Ray Data actor: one Tagger (the model loaded once, here), one shard per row."""

    def __init__(self, tagger: Tagger, clauses: bool, summarize: bool = True) -> None:
        self.tagger = tagger
        self.clauses = clauses
        self.summarize = summarize
        _ = tagger.classifier

    def __call__(self, batch: dict[str, Any]) -> Any:
        import pyarrow as pa

        items = [Item(str(d), str(p)) for paths, ids in zip(batch["paths"], batch["doc_ids"])
                 for p, d in zip(list(paths), list(ids))]
        if self.clauses:
            rows = [row for res in self.tagger._tag_items(items) for row in clause_rows(res, with_error=True)]
            return pa.Table.from_pylist(rows, schema=record_schema(with_error=True))
        results = self.tagger._tag_items(items, encode=True, summarize=self.summarize)
        cols = {
            "doc_id": [r.doc_id for r in results],
            "path": [r.path for r in results],
            "sha256": [r.sha256 for r in results],
            "error": [r.error for r in results],
            "n_clauses": [r.n_clauses for r in results],
            "payload": [r.payload for r in results],
            "summary": [pickle.dumps(r.summary) for r in results],
        }
        return pa.table(cols, schema=_DOC_SCHEMA())


def _DOC_SCHEMA() -> Any:
    import pyarrow as pa

    return pa.schema([("doc_id", pa.string()), ("path", pa.string()), ("sha256", pa.string()),
                      ("error", pa.string()), ("n_clauses", pa.int64()), ("payload", pa.binary()),
                      ("summary", pa.binary())])


def _shard_dataset(shards: Sequence[Shard], tagger: Tagger, workers: int, clauses: bool,
                   summarize: bool = True) -> Any:
    import ray

    items = [{"paths": [it.path for it in s.items], "doc_ids": [it.doc_id for it in s.items]} for s in shards]
    ds = ray.data.from_items(items, override_num_blocks=max(1, len(items)))
    return ds.map_batches(_ShardTagger, fn_constructor_args=(tagger, clauses, summarize), batch_size=1,
                          compute=ray.data.ActorPoolStrategy(min_size=1, max_size=max(1, workers)), num_cpus=1,
                          batch_format="numpy")


def ray_engine(address: str | None = None) -> Any:
    """An engine for :func:`clausetag.tagging.batch.run_batch`: tags shards on Ray (``jobs`` actors; a local
    Ray with ``jobs`` CPUs unless ``address`` names a cluster) and yields their results in order."""

    def run(tagger: Tagger, shards: Sequence[Shard], jobs: int = 1, encode: bool = True,
            summarize: bool = True) -> Iterator[list[EncodedDoc]]:
        if not shards:
            return
        import ray

        init_ray(address, num_cpus=None if address else jobs)
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        ds = _shard_dataset(shards, tagger, jobs, clauses=False, summarize=summarize)
        expected = iter(shards)
        pending: list[EncodedDoc] = []
        want = list(next(expected).items)
        for table in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            for row in table.to_pylist():  # exact Python values (no numpy NaN for an all-null column)
                err = row["error"]
                pending.append(EncodedDoc(
                    row["doc_id"], row["path"], error=err, sha256=row["sha256"],
                    payload=row["payload"] if err is None else b"", n_clauses=int(row["n_clauses"]),
                    summary=pickle.loads(row["summary"])))
                if len(pending) == len(want):  # a whole shard: hand it over as one committed batch
                    if [r.doc_id for r in pending] != [it.doc_id for it in want]:
                        raise RuntimeError("Ray returned documents out of order")
                    yield pending
                    pending = []
                    want = list(next(expected, Shard(-1, ())).items)

    return run


def tag_dataset(
    paths: Sequence[str | os.PathLike[str]],
    tagger: Tagger | None = None,
    *,
    workers: int | None = None,
    address: str | None = None,
    recursive: bool = True,
) -> Any:
    """A lazy Ray Dataset of clause records (one row per clause; a document that cannot be read gives one
    row with ``doc_id``, ``source`` and ``error``) for files, folders or glob patterns, tagged by
    ``workers`` actors (default: the cluster's CPUs) each holding a copy of ``tagger`` (default
    ``Tagger()``: the packaged model). Write it with ``.write_parquet(dir)`` or ``.write_json(dir)``.
    The rows are those of :func:`~clausetag.tagging.pipeline.clause_rows` (``with_error=True``), the
    records the same as :meth:`Tagger.pipe` gives for these paths: the paths are expanded as ``pipe``
    expands them (:func:`~clausetag.tagging.pipeline.expand_paths`: in input order, a folder or glob sorted,
    the same file reached twice tagged once, unsupported files skipped with a warning), and a missing
    path or an empty glob becomes an error row, not an exception."""
    import ray

    init_ray(address)
    ray.data.DataContext.get_current().execution_options.preserve_order = True  # rows in input order
    files = expand_paths(paths, recursive=recursive, what="tag_dataset()")
    items = [Item(d, str(p)) for p, d in zip(files, assign_doc_ids(files))]
    workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    return _shard_dataset(plan_shards(items), tagger or Tagger(), workers, clauses=True)
