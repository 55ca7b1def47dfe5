"""Labeled-data I/O: gold JSONL files ⇄ Python records ⇄ ``datasets.Dataset`` (SPEC §4).

Layout: ``labels/seed/<doc_id>.jsonl`` (gold, one clause per line) beside ``labels/seed/<doc_id>.txt``
(raw text); more labeled data may live in ``labels/extra/``. ``load_seed()`` is the one call that gives a
``datasets.Dataset``.

Dataset columns (see ``labels/README.md``): ``doc_id``, ``index``, ``text``, ``start``, ``end``,
``heading_path`` (list of strings), ``label`` (``ClassLabel`` from the schema; -1 for an unlabeled clause),
``quantities`` (the list of quantity records as a JSON string: ``json.loads(row["quantities"])``; a string
round-trips exactly, including nulls and extra keys), ``extra`` (any other record fields as a JSON
object string) and ``split`` (``seed``/``extra``/…, the directory the records came from).

``datasets`` is imported lazily, inside the functions that build datasets.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clausetag.harness.validation import RECORD_FIELDS, gold_files
from clausetag.io.schema import LabelSchema, load_schema

if TYPE_CHECKING:  # pragma: no cover
    import datasets

__all__ = [
    "LabeledDataError",
    "find_labels_dir",
    "from_dataset",
    "load_labeled",
    "load_seed",
    "read_labeled",
    "to_dataset",
    "write_labeled",
]

#: Environment variable naming the ``labels`` directory (holding ``seed/``, ``extra/``) for installed use.
LABELS_ENV = "CLAUSETAG_LABELS"
#: the seed set shipped as package data (``resources/labels/seed`` links to ``labels/seed`` in git)
PACKAGED_LABELS = Path(__file__).resolve().parents[1] / "resources" / "labels"
_COLUMNS = RECORD_FIELDS + ("extra", "split")


class LabeledDataError(ValueError):
    """A labeled-data file cannot be read (bad JSON, not an object); the message names file and line."""


def _jsonl_paths(path_or_dir: str | os.PathLike[str]) -> list[Path]:
    path = Path(path_or_dir)
    if path.is_dir():
        return gold_files(path)
    if path.is_file():
        return [path]
    raise FileNotFoundError(f"no labeled data at {path}")


def read_labeled(path_or_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read gold records from one JSONL file or every gold ``*.jsonl`` directly in a directory
    (see :func:`clausetag.harness.validation.gold_files`: manifests such as ``documents.jsonl`` are skipped).

    Records come back sorted by ``(doc_id, index)``; blank lines are skipped. Records are returned as
    stored (no validation — use :func:`clausetag.harness.validation.validate` for that).
    """
    records: list[dict[str, Any]] = []
    for path in _jsonl_paths(path_or_dir):
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise LabeledDataError(f"{path}:{lineno}: invalid JSON: {exc.msg} (column {exc.colno})") \
                        from None
                if not isinstance(record, dict):
                    raise LabeledDataError(f"{path}:{lineno}: expected a JSON object")
                records.append(record)
    try:
        records.sort(key=lambda r: (str(r["doc_id"]), int(r["index"])))
    except (KeyError, TypeError, ValueError) as exc:
        raise LabeledDataError(f"{path_or_dir}: every record needs doc_id and an integer index ({exc})") \
            from None
    return records


def write_labeled(records: Iterable[dict[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write records as JSONL (UTF-8, one object per line, keys in canonical order) atomically.

    The file is written to a temporary file in the same directory and moved into place with
    ``os.replace``, so readers never see a half-written file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            for record in records:
                ordered = {k: record[k] for k in RECORD_FIELDS if k in record}
                ordered.update({k: v for k, v in record.items() if k not in ordered})
                fh.write(json.dumps(ordered, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _features(schema: LabelSchema) -> datasets.Features:
    import datasets

    return datasets.Features({
        "doc_id": datasets.Value("string"),
        "index": datasets.Value("int64"),
        "text": datasets.Value("string"),
        "start": datasets.Value("int64"),
        "end": datasets.Value("int64"),
        "heading_path": datasets.Sequence(datasets.Value("string")),
        "label": schema.class_label(),
        "quantities": datasets.Value("string"),
        "extra": datasets.Value("string"),
        "split": datasets.Value("string"),
    })


def to_dataset(
    records: Sequence[dict[str, Any]],
    split: str | None = None,
    schema: LabelSchema | None = None,
) -> datasets.Dataset:
    """Records → ``datasets.Dataset`` with ``label`` as ``ClassLabel`` (see the module doc for columns).

    ``split`` fills the ``split`` column for records that carry no ``split`` field (default ``"seed"``).
    """
    import datasets

    schema = schema or load_schema()
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
    for rec in records:
        label = rec.get("label")
        if label is not None and label not in schema:
            raise LabeledDataError(
                f"{rec.get('doc_id')}#{rec.get('index')}: unknown label {label!r}"
            )
        for name in ("doc_id", "index", "text", "start", "end"):
            columns[name].append(rec.get(name))
        columns["heading_path"].append(list(rec.get("heading_path") or []))
        columns["label"].append(-1 if label is None else schema.index(label))
        columns["quantities"].append(json.dumps(rec.get("quantities") or [], ensure_ascii=False))
        extra = {k: v for k, v in rec.items() if k not in RECORD_FIELDS and k != "split"}
        columns["extra"].append(json.dumps(extra, ensure_ascii=False))
        columns["split"].append(rec.get("split") or split or "seed")
    return datasets.Dataset.from_dict(columns, features=_features(schema))


def from_dataset(ds: datasets.Dataset, keep_split: bool = False) -> list[dict[str, Any]]:
    """Inverse of :func:`to_dataset`: label names back, quantities/extra decoded, ``split`` dropped
    unless ``keep_split``. ``from_dataset(to_dataset(records)) == records`` for records without ``split``.
    """
    names = ds.features["label"].names
    out: list[dict[str, Any]] = []
    for row in ds:
        rec: dict[str, Any] = {
            "doc_id": row["doc_id"],
            "index": row["index"],
            "text": row["text"],
            "start": row["start"],
            "end": row["end"],
            "heading_path": list(row["heading_path"]),
            "label": None if row["label"] < 0 else names[row["label"]],
            "quantities": json.loads(row["quantities"]),
        }
        rec.update(json.loads(row.get("extra") or "{}"))
        if keep_split:
            rec["split"] = row["split"]
        out.append(rec)
    return out


def _is_labels_dir(path: Path) -> bool:
    return (path / "seed").is_dir()


def find_labels_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """Locate the ``labels`` directory (the one holding ``seed/``).

    Order: ``root`` (a checkout root or the ``labels`` directory itself), ``$CLAUSETAG_LABELS``, then the
    current directory and its parents, then the checkout that contains this package, then the copy of
    the seed set shipped inside the package (``clausetag/resources/labels/seed``: a symlink to
    ``labels/seed`` in the checkout, real files in a wheel), so ``load_seed()`` works after a plain
    ``pip install .``. (Only ``seed/`` ships; ``extra/`` needs a checkout or ``$CLAUSETAG_LABELS``.)
    """
    candidates: list[Path] = []
    if root is not None:
        root = Path(root)
        candidates += [root, root / "labels"]
    else:
        env = os.environ.get(LABELS_ENV)
        if env:
            candidates.append(Path(env))
        cwd = Path.cwd()
        candidates += [p / "labels" for p in (cwd, *cwd.parents)]
        candidates.append(Path(__file__).resolve().parents[2] / "labels")
        candidates.append(PACKAGED_LABELS)
    for candidate in candidates:
        if _is_labels_dir(candidate):
            return candidate
    raise FileNotFoundError(
        "labeled data not found: pass root=<checkout or labels dir> or set "
        f"{LABELS_ENV}=<path to the labels directory that holds seed/>; looked in "
        + ", ".join(str(c) for c in candidates[:4]) + (" …" if len(candidates) > 4 else "")
    )


def load_labeled(
    which: str | Sequence[str] = ("seed",),
    root: str | os.PathLike[str] | None = None,
) -> datasets.Dataset:
    """Load one or more labeled sets (``labels/<name>/``) into one ``Dataset`` with a ``split`` column."""
    import datasets

    names = [which] if isinstance(which, str) else list(which)
    if not names:
        raise ValueError("which must name at least one labeled set, e.g. ('seed',)")
    labels_dir = find_labels_dir(root)
    parts = []
    for name in names:
        directory = labels_dir / name
        if not directory.is_dir():
            raise FileNotFoundError(f"labeled set {name!r} not found at {directory}")
        records = read_labeled(directory)
        if not records:
            raise FileNotFoundError(f"labeled set {name!r} at {directory} has no *.jsonl records yet")
        parts.append(to_dataset(records, split=name))
    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)


def load_seed(root: str | os.PathLike[str] | None = None) -> datasets.Dataset:
    """The labeled seed set (``labels/seed/*.jsonl``) as a ``datasets.Dataset`` — one call.

    Found in a checkout, or in the copy shipped with the installed package (see
    :func:`find_labels_dir`); ``root`` or ``$CLAUSETAG_LABELS`` point elsewhere.
    """
    return load_labeled(("seed",), root=root)
