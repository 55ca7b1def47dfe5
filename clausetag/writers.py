"""Write clause records to JSONL, CSV or Parquet — atomically, with resume.

Nothing is ever written to the output path directly: :class:`RecordWriter` writes to a temporary file
beside it and ``os.replace``-s it into place on :meth:`RecordWriter.commit`, so an interrupted or failed
run leaves the previous file untouched (and no temporary file behind, unless the process is killed
outright). With ``resume=True`` the existing file's records are copied into the new file first, so a
resumed run appends the documents it has not seen yet (see :func:`existing_doc_ids`).
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = [
    "FORMATS",
    "LIST_FIELDS",
    "RecordWriter",
    "existing_doc_ids",
    "write_atomic",
    "format_for",
    "read_records",
    "write_records",
]

#: output formats, by file extension
FORMATS: dict[str, str] = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}

#: column order of a clause record (extra keys follow in first-seen order)
COLUMNS: tuple[str, ...] = (
    "doc_id", "index", "text", "start", "end", "heading_path", "is_heading", "label", "prob",
    "family", "quantities", "lead_units", "responsible_units", "source",
)

#: record fields holding lists; CSV stores them JSON-encoded
LIST_FIELDS: tuple[str, ...] = ("heading_path", "quantities", "lead_units", "responsible_units")

_INT_FIELDS = ("index", "start", "end")
_FLOAT_FIELDS = ("prob",)
_BOOL_FIELDS = ("is_heading",)


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
    error (the CLI does so on Ctrl-C, so finished documents survive and ``--resume`` continues).

    Parquet output is buffered in memory and written at commit (one file, nested lists kept).
    """

    def __init__(self, path: str | os.PathLike[str], fmt: str | None = None, resume: bool = False) -> None:
        self.path = Path(path)
        self.format = format_for(self.path, fmt)
        self.resume = resume
        self.count = 0
        self._closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self._tmp = Path(tmp)
        _set_mode(self._tmp, self.path)
        self._rows: list[dict[str, Any]] = []  # parquet buffer
        self._csv: csv.DictWriter | None = None
        self._csv_fields: list[str] | None = None
        try:
            if self.format == "parquet":
                os.close(fd)
                self._fh: io.TextIOWrapper | None = None
                if resume and self.path.exists():
                    self._rows.extend(read_records(self.path, "parquet"))
            else:
                encoding = "utf-8-sig" if self.format == "csv" else "utf-8"
                self._fh = open(fd, "w", encoding=encoding, newline="")
                if resume and self.path.exists() and self.path.stat().st_size > 0:
                    self._copy_existing()
        except BaseException:
            self.abort()
            raise

    def _copy_existing(self) -> None:
        assert self._fh is not None
        if self.format == "jsonl":
            with self.path.open("r", encoding="utf-8") as src:
                for line in src:
                    if line.strip():
                        self._fh.write(line if line.endswith("\n") else line + "\n")
        else:  # csv: keep the old header so the new rows line up with the old ones
            with self.path.open("r", encoding="utf-8-sig", newline="") as src:
                reader = csv.DictReader(src)
                self._csv_fields = list(reader.fieldnames or [])
                self._csv = csv.DictWriter(self._fh, fieldnames=self._csv_fields, extrasaction="ignore")
                self._csv.writeheader()
                for row in reader:
                    self._csv.writerow(row)

    def write(self, records: Iterable[dict[str, Any]]) -> int:
        """Write records (typically one document's); returns how many."""
        if self._closed:
            raise ValueError(f"writer for {self.path} is closed")
        n = 0
        if self.format == "parquet":
            for rec in records:
                self._rows.append(dict(rec))
                n += 1
        elif self.format == "jsonl":
            assert self._fh is not None
            buf = [json.dumps(_ordered(rec), ensure_ascii=False, default=_default) + "\n" for rec in records]
            self._fh.write("".join(buf))
            n = len(buf)
        else:
            assert self._fh is not None
            for rec in records:
                if self._csv is None:
                    self._csv_fields = _column_order([rec])
                    self._csv = csv.DictWriter(self._fh, fieldnames=self._csv_fields, extrasaction="ignore")
                    self._csv.writeheader()
                self._csv.writerow(_csv_row(rec))
                n += 1
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
                if self.format == "csv" and self._csv is None:  # no rows at all: header only
                    csv.DictWriter(self._fh, fieldnames=list(COLUMNS)).writeheader()
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


def write_records(
    records: Iterable[dict[str, Any]],
    path: str | os.PathLike[str],
    fmt: str | None = None,
    resume: bool = False,
) -> Path:
    """Write clause records to ``path`` (format from the extension: .jsonl, .csv, .parquet), atomically.

    JSONL: one clause per line, UTF-8, non-ASCII kept. CSV: UTF-8 with BOM (Excel opens Chinese),
    list fields JSON-encoded. Parquet: nested lists kept. With ``resume=True`` the records already in
    ``path`` are kept and ``records`` appended after them.
    """
    with RecordWriter(path, fmt, resume=resume) as writer:
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
    """Read records written by :func:`write_records` back into dicts (CSV list fields decoded)."""
    return list(iter_records(path, fmt))


def iter_records(path: str | os.PathLike[str], fmt: str | None = None) -> Iterator[dict[str, Any]]:
    """Iterate over the records of an output file."""
    path = Path(path)
    fmt = format_for(path, fmt)
    if fmt == "jsonl":
        with path.open("r", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
    elif fmt == "csv":
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                yield _from_csv_row(row)
    else:
        import pyarrow.parquet as pq

        yield from pq.read_table(path).to_pylist()


def existing_doc_ids(path: str | os.PathLike[str], fmt: str | None = None) -> set[str]:
    """The ``doc_id`` values already present in an output file (empty set if it does not exist)."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return set()
    if format_for(path, fmt) == "parquet":
        import pyarrow.parquet as pq

        return {str(x) for x in pq.read_table(path, columns=["doc_id"]).column("doc_id").to_pylist()}
    return {str(rec.get("doc_id")) for rec in iter_records(path, fmt)}


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


def _ordered(rec: dict[str, Any]) -> dict[str, Any]:
    out = {k: rec[k] for k in COLUMNS if k in rec}
    out.update((k, v) for k, v in rec.items() if k not in out)
    return out


def _column_order(records: list[dict[str, Any]]) -> list[str]:
    cols = [c for c in COLUMNS if any(c in r for r in records)]
    for r in records:
        cols.extend(k for k in r if k not in cols)
    return cols


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


def _from_csv_row(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(row)
    for k in LIST_FIELDS:
        if k in out:
            out[k] = json.loads(out[k]) if out[k] else []
    for k in _INT_FIELDS:
        if out.get(k) not in (None, ""):
            out[k] = int(out[k])
    for k in _FLOAT_FIELDS:
        if k in out:
            out[k] = float(out[k]) if out[k] not in (None, "") else None
    for k in _BOOL_FIELDS:
        if k in out:
            out[k] = out[k] == "True"
    return out


def _write_parquet(rows: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    clean = [{k: _plain(v) for k, v in r.items()} for r in rows]
    if clean:  # column-wise, so keys missing from the first row are not dropped
        table = pa.table({c: [r.get(c) for r in clean] for c in _column_order(clean)})
    else:
        table = pa.table({c: pa.array([], type=pa.string()) for c in COLUMNS})
    pq.write_table(table, path)


def _plain(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if hasattr(v, "to_dict"):
        return _plain(v.to_dict())
    if isinstance(v, Path):
        return str(v)
    return v
