"""Provenance: which clausetag version, model and rule set produced an output, and when.

Every output carries it: each clause record (flat columns, see :class:`~clausetag.io.records.ClauseRecord`),
Parquet file metadata, ``run.json``, ``summary.csv``/``summary.md``, ``mix.png`` (a footer line and PNG
text metadata) and ``report.html``.

Hashes are SHA-256 prefixes (16 hex digits) of content, not of paths or times: the same model files give
the same ``model_hash`` wherever they are installed. The time is UTC, taken once per run; set
``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) to fix it, so two runs can be byte-identical.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clausetag import __version__
from clausetag.segment.rulesets import load_rule_set

__all__ = ["Provenance", "hash_files", "model_identity", "now_utc", "rules_identity"]

_HASH_LEN = 16


@dataclass(frozen=True)
class Provenance:
    """What made an output. Field names equal the provenance columns of a clause record."""

    clausetag_version: str
    model: str | None
    model_hash: str | None
    rules: str | None
    rules_hash: str | None
    tagged_at: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def stamp(self, record: Any) -> Any:
        """Set the provenance fields of a :class:`~clausetag.io.records.ClauseRecord` (in place)."""
        self.stamp_all((record,))
        return record

    def stamp_all(self, records: Iterable[Any]) -> None:
        """:meth:`stamp` every record, with the fields built once (``to_dict`` per record was a sixth
        of the tagging time of the shipped model)."""
        fields = list(self.to_dict().items())
        for record in records:
            for k, v in fields:
                setattr(record, k, v)

    def line(self) -> str:
        """One human-readable line, e.g. for a plot footer."""
        model = f"{self.model} ({self.model_hash})" if self.model_hash else str(self.model)
        rules = f"{self.rules} ({self.rules_hash})" if self.rules_hash else str(self.rules)
        return f"clausetag {self.clausetag_version} · model {model} · rules {rules} · {self.tagged_at}"

    @classmethod
    def collect(cls, classifier: Any = None, model: Any = None, splitter: Any = None,
                model_name: str | None = None) -> Provenance:
        """Provenance for a run with ``classifier``, loaded from ``model`` (a model directory already
        resolved by :func:`clausetag.classifiers.loading.resolve_model`, or ``None`` for a classifier
        object), and ``splitter`` (``None``: the default rule set). ``model_name``: the name the model
        was asked for by (e.g. ``"baseline"``), used when its card names none."""
        name, mhash = model_identity(model if model is not None else classifier, model_name)
        rname, rhash = rules_identity(splitter)
        return cls(__version__, name, mhash, rname, rhash, now_utc())

    @classmethod
    def from_record(cls, record: Any) -> Provenance | None:
        """The provenance stamped on a record (dict or ClauseRecord), ``None`` if it has none."""
        get = record.get if isinstance(record, dict) else lambda k: getattr(record, k, None)
        values = {f.name: get(f.name) for f in dataclasses.fields(cls)}
        if values["clausetag_version"] is None:
            return None
        return cls(**values)  # type: ignore[arg-type]


def now_utc() -> str:
    """The current UTC time as ISO 8601 (seconds), or ``SOURCE_DATE_EPOCH`` if set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch
         else _dt.datetime.now(_dt.timezone.utc))
    return t.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def hash_files(paths: list[Path], root: Path | None = None) -> str:
    """SHA-256 prefix over files' relative names and contents (sorted, so order does not matter)."""
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda q: str(q.relative_to(root)) if root else str(q)):
        rel = p.relative_to(root).as_posix() if root else p.name
        h.update(rel.encode("utf-8") + b"\0")
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()[:_HASH_LEN]


_MODEL_CACHE: dict[tuple[str, float, int], str] = {}


def model_identity(model: Any, name: str | None = None) -> tuple[str | None, str | None]:
    """``(name, hash)`` of a model: a model directory (name from its card, else ``name``, else the folder
    name; hash of all its files) or a classifier object (``name``, else its ``name`` attribute or class
    name; hash from a ``model_hash`` attribute if it has one). Model names are not looked up here:
    pass the directory :func:`clausetag.classifiers.loading.resolve_model` returned."""
    if model is None:
        return None, None
    if isinstance(model, (str, os.PathLike)):
        path = Path(model)
        if not path.is_dir():
            return name or str(model), None
        label = _card_name(path) or name or path.name
        files = [p for p in path.rglob("*") if p.is_file()]
        key = (str(path.resolve()), max((p.stat().st_mtime for p in files), default=0.0), len(files))
        if key not in _MODEL_CACHE:
            _MODEL_CACHE[key] = hash_files(files, root=path)
        return label, _MODEL_CACHE[key]
    label = name or getattr(model, "name", None) or type(model).__name__
    return str(label), getattr(model, "model_hash", None)


def _card_name(path: Path) -> str | None:
    try:
        card = json.loads((path / "clausetag.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = card.get("name")
    return f"{name}" if name else (f"{path.name}:{card['type']}" if card.get("type") else None)


def rules_identity(splitter: Any = None) -> tuple[str, str]:
    """``(name, hash)`` of a splitter's rule set: a :class:`~clausetag.segment.splitter.Splitter` (its
    ``rules_name``/``rules_hash``), a rule set, or ``None`` for the default rule set. Falls back to a
    hash of the packaged rule files (``clausetag/rules/*.yaml``) where no rule-set loader exists."""
    if splitter is None or isinstance(splitter, (str, os.PathLike, dict)):
        splitter = load_rule_set(splitter)
    for obj in (splitter, getattr(splitter, "rule_set", None)):
        if obj is None:
            continue
        name = getattr(obj, "rules_name", None) or getattr(obj, "name", None)
        rhash = getattr(obj, "rules_hash", None) or getattr(obj, "hash", None)
        if isinstance(name, str) and isinstance(rhash, str):
            return name, rhash
    return "default", _packaged_rules_hash()


_RULES_HASH: str | None = None


def _packaged_rules_hash() -> str:
    global _RULES_HASH
    if _RULES_HASH is None:
        root = Path(__file__).resolve().parents[1] / "rules"
        _RULES_HASH = hash_files(sorted(root.glob("*.yaml")), root=root)
    return _RULES_HASH
