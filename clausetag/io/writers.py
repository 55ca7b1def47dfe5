"""Write clause records to JSONL, CSV or Parquet, atomically.

Nothing is ever written to the output path directly: :class:`RecordWriter` writes to a temporary file
beside it and ``os.replace``-s it into place on :meth:`RecordWriter.commit`, so an interrupted or failed
run leaves the previous file untouched (and no temporary file behind, unless the process is killed
outright). Resuming an interrupted run is not this module's business: ``clausetag tag --resume`` goes
through the run's journal and state file (:mod:`clausetag.tagging.runstate`).

Records are :class:`~clausetag.io.records.ClauseRecord` objects (dicts are accepted and checked through
:meth:`ClauseRecord.from_dict`); every format has exactly the record's fields as columns, in its order,
and Parquet files have the schema :func:`~clausetag.io.records.record_schema` — identical for every output.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from clausetag.io.records import ClauseRecord, record_fields, record_schema

__all__ = [
    "FORMATS",
    "RecordLike",
    "RecordWriter",
    "format_for",
    "json_lines",
    "jsonl_lines",
    "read_records",
    "write_atomic",
    "write_records",
]

#: output formats, by file extension
FORMATS: dict[str, str] = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}

#: what the writers accept: a typed record or its ``to_dict()`` form
RecordLike = ClauseRecord | dict[str, Any]


def as_record(rec: RecordLike) -> ClauseRecord:
    """``rec`` as a :class:`ClauseRecord` (a dict is converted, unknown keys rejected)."""
    return rec if isinstance(rec, ClauseRecord) else ClauseRecord.from_dict(rec)


def format_for(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The output format for ``path``: ``fmt`` if given, else from the extension."""
    if fmt is not None:
        if fmt not in FORMATS.values():
            raise ValueError(f"unknown format {fmt!r}; choose one of {sorted(FORMATS.values())}")
        return fmt
    ext = Path(path).suffix.lower()
    try:
        return FORMATS[ext]
    except KeyError:
        raise ValueError(
            f"{path}: cannot tell the output format from extension {ext or '(none)'!r}; "
            f"use one of {', '.join(FORMATS)} or pass a format"
        ) from None


# ----------------------------------------------------------------------------------------- writing
class RecordWriter:
    """Stream records into ``path`` atomically.

    Use as a context manager: the file appears (via ``os.replace``) when the block exits normally and
    is discarded if it raises. Call :meth:`commit` yourself to keep what was written so far even on an
    error.

    Parquet output is buffered in memory and written at commit (one file, nested lists kept).
    """

    def __init__(self, path: str | os.PathLike[str], fmt: str | None = None) -> None:
        self.path = Path(path)
        self.format = format_for(self.path, fmt)
        self.count = 0
        self._closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self._tmp = Path(tmp)
        _set_mode(self._tmp, self.path)
        self._rows: list[dict[str, Any]] = []  # parquet buffer
        self._csv: csv.DictWriter | None = None
        try:
            if self.format == "parquet":
                os.close(fd)
                self._fh: io.TextIOWrapper | None = None
            else:
                encoding = "utf-8-sig" if self.format == "csv" else "utf-8"
                self._fh = open(fd, "w", encoding=encoding, newline="")  # noqa: SIM115 (closed by commit/abort)
        except BaseException:
            self.abort()
            raise

    def _start_csv(self) -> None:
        if self._csv is None:
            assert self._fh is not None
            self._csv = csv.DictWriter(self._fh, fieldnames=list(record_fields()))
            self._csv.writeheader()

    def write(self, records: Iterable[RecordLike]) -> int:
        """Write records (typically one document's); returns how many."""
        if self._closed:
            raise ValueError(f"writer for {self.path} is closed")
        rows = [as_record(r).to_dict() for r in records]
        n = len(rows)
        if self.format == "parquet":
            self._rows.extend(rows)
        elif self.format == "jsonl":
            assert self._fh is not None
            self._fh.write(json_lines(rows))
        else:
            self._start_csv()
            assert self._csv is not None
            for r in rows:
                self._csv.writerow(_csv_row(r))
        self.count += n
        return n

    def commit(self) -> Path:
        """Finish the file and move it into place; returns the output path."""
        if self._closed:
            return self.path
        try:
            if self.format == "parquet":
                _write_parquet(self._rows, self._tmp)
            else:
                assert self._fh is not None
                if self.format == "csv":  # no rows at all: header only
                    self._start_csv()
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Discard the temporary file; the existing output (if any) stays as it was."""
        self._closed = True
        self._rows = []
        fh = getattr(self, "_fh", None)
        if fh is not None and not fh.closed:
            try:
                fh.close()
            except OSError:
                pass
        try:
            self._tmp.unlink()
        except FileNotFoundError:
            pass

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.commit()
        elif not self._closed:
            self.abort()


def jsonl_lines(records: Iterable[RecordLike]) -> str:
    """Records as JSON lines, exactly as a ``.jsonl`` output holds them (one per line, ``\n`` ended)."""
    return json_lines(as_record(r).to_dict() for r in records)


def json_lines(rows: Iterable[dict[str, Any]]) -> str:
    """Rows (``ClauseRecord.to_dict()`` dicts, as :func:`~clausetag.tagging.pipeline.clause_rows` builds
    them) as JSON lines, exactly as a ``.jsonl`` output holds them."""
    return "".join(json.dumps(r, ensure_ascii=False, default=_default) + "\n" for r in rows)


def write_records(
    records: Iterable[RecordLike],
    path: str | os.PathLike[str],
    fmt: str | None = None,
) -> Path:
    """Write clause records to ``path`` (format from the extension: .jsonl, .csv, .parquet), atomically.

    JSONL: one clause per line, UTF-8, non-ASCII kept. CSV: UTF-8 with BOM (Excel opens Chinese),
    list fields JSON-encoded. Parquet: nested lists kept. An existing ``path`` is replaced.
    """
    with RecordWriter(path, fmt) as writer:
        writer.write(records)
    return Path(path)


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _set_mode(Path(tmp), path)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


# ----------------------------------------------------------------------------------------- reading
def read_records(path: str | os.PathLike[str], fmt: str | None = None) -> list[dict[str, Any]]:
    """Read records written by :func:`write_records` back as ``ClauseRecord.to_dict()`` dicts; every
    format gives the same dicts (fields a file lacks take their defaults)."""
    return list(iter_records(path, fmt))


def read_clause_records(path: str | os.PathLike[str], fmt: str | None = None) -> list[ClauseRecord]:
    """Read an output file back as :class:`ClauseRecord` objects."""
    return [ClauseRecord.from_dict(r) for r in iter_records(path, fmt)]


def iter_records(path: str | os.PathLike[str], fmt: str | None = None) -> Iterator[dict[str, Any]]:
    """Iterate over the records of an output file (as dicts, see :func:`read_records`); a row that is
    not a clause record raises ``ValueError`` naming the file and line."""
    path = Path(path)
    fmt = format_for(path, fmt)
    for where, row in _raw_rows(path, fmt):
        try:
            yield ClauseRecord.from_dict(row).to_dict()
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}:{where}: {exc}") from None


def _raw_rows(path: Path, fmt: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if fmt == "jsonl":
        with path.open("r", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield str(lineno), json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
    elif fmt == "csv":
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            for lineno, row in enumerate(csv.DictReader(fh), 2):
                yield str(lineno), _from_csv_row(row)
    else:
        import pyarrow.parquet as pq

        for i, row in enumerate(pq.read_table(path).to_pylist()):
            yield f"row {i}", row


# ----------------------------------------------------------------------------------------- helpers
def _set_mode(tmp: Path, target: Path) -> None:
    """Give the temporary file the mode a normally created file would get (mkstemp makes it 0600)."""
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        os.chmod(tmp, mode)
    except OSError:
        pass


def _default(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _csv_row(rec: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for k, v in rec.items():
        if isinstance(v, (list, tuple, dict)):
            row[k] = json.dumps(v, ensure_ascii=False, default=_default)
        elif v is None:
            row[k] = ""
        else:
            row[k] = v
    return row


@lru_cache(maxsize=1)
def _csv_kinds() -> dict[str, str]:
    """How each record field is stored in CSV, from the schema: ``json`` (lists), ``int``, ``float``,
    ``bool`` or ``str``."""
    import pyarrow as pa

    kinds = {}
    for f in record_schema():
        t = f.type
        kinds[f.name] = ("json" if pa.types.is_list(t) or pa.types.is_struct(t) else "int" if pa.types.is_integer(t)
                         else "float" if pa.types.is_floating(t) else "bool" if pa.types.is_boolean(t) else "str")
    return kinds


@lru_cache(maxsize=1)
def _nullable() -> frozenset[str]:
    """Record fields that may be None (an empty CSV cell reads back as None)."""
    import dataclasses

    return frozenset(f.name for f in dataclasses.fields(ClauseRecord) if f.default is None)


def _from_csv_row(row: dict[str, str]) -> dict[str, Any]:
    kinds, nullable = _csv_kinds(), _nullable()
    out: dict[str, Any] = {}
    for k, v in row.items():
        kind = kinds.get(k, "str")
        if v in (None, "") and (k in nullable or kind != "str"):
            out[k] = None if k in nullable else ([] if kind == "json" else v)
        elif kind == "json":
            out[k] = json.loads(v)
        elif kind == "int":
            out[k] = int(v)
        elif kind == "float":
            out[k] = float(v)
        elif kind == "bool":
            out[k] = v == "True"
        else:
            out[k] = v
    return out


def _write_parquet(rows: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = record_schema()
    table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
    pq.write_table(table, path)
