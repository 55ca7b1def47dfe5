"""The clause record: one typed class for every clause that leaves the pipeline.

:class:`ClauseRecord` is the single place where the output columns are written down. JSONL, CSV and
Parquet writers, the summary, the HTML report and the tests take their columns from
:func:`record_fields` and their Arrow types from :func:`record_schema`, which derives them from the
dataclass's type hints (:func:`arrow_type`) — so a column added here appears everywhere, with the same
type in every output, whether or not a document has quantities and even when the output is empty.

Provenance (which clausetag version, model and rule set tagged a clause, and when) is stored *per
record* in flat columns (``clausetag_version``, ``model``, ``model_hash``, ``rules``, ``rules_hash``,
``tagged_at``): a file concatenated from several runs, or resumed with another model, still says for
each clause what made it. The same values, plus run-level details, go into ``run.json`` and the other
outputs (see :mod:`clausetag.outputs.provenance`).
"""
from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from clausetag.quantities.extract import Quantity

__all__ = ["CONTEXT_SEPARATOR", "ClauseRecord", "LabelProb", "arrow_type", "join_context", "record_fields",
           "record_schema"]

CONTEXT_SEPARATOR = " > "


def join_context(heading_path: Sequence[str] | str | None) -> str:
    """Turn a heading path (outermost first) into the context string the classifiers take."""
    if heading_path is None:
        return ""
    if isinstance(heading_path, str):
        return heading_path
    return CONTEXT_SEPARATOR.join(h.strip() for h in heading_path if h and h.strip())


@dataclass(frozen=True)
class LabelProb:
    """One entry of a clause's label distribution (``ClauseRecord.probs``)."""

    label: str
    prob: float

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "prob": self.prob}


@dataclass
class ClauseRecord:
    """One clause of one document, with its label, probabilities, quantities and provenance.

    ``label``/``prob``/``family`` are ``None`` until the classifier has seen the clause (headings are
    labelled ``heading`` with prob 1.0 by the splitter). ``probs`` is the label distribution (all labels
    or the top k, highest first, as :class:`LabelProb` entries) when asked for (``--probs``), else
    ``None``. (A list of pairs rather than a dict, so Arrow, ``datasets`` and CSV all keep it as is.)
    """

    doc_id: str
    index: int
    text: str
    start: int
    end: int
    heading_path: list[str] = field(default_factory=list)
    is_heading: bool = False
    label: str | None = None
    prob: float | None = None
    family: str | None = None
    probs: list[LabelProb] | None = None
    quantities: list[Quantity] = field(default_factory=list)
    lead_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    source: str | None = None
    # provenance (see clausetag.outputs.provenance.Provenance)
    clausetag_version: str | None = None
    model: str | None = None
    model_hash: str | None = None
    rules: str | None = None
    rules_hash: str | None = None
    tagged_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A plain dict in column order (quantities as dicts), ready for JSON."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name in ("quantities", "probs") and v is not None:
                v = [x.to_dict() if hasattr(x, "to_dict") else dict(x) for x in v]
            elif isinstance(v, (list, tuple)):
                v = list(v)
            elif isinstance(v, dict):
                v = dict(v)
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, data: typing.Mapping[str, Any]) -> ClauseRecord:
        """Build a record from a dict (as written by :meth:`to_dict`, read back from JSONL or Parquet).

        Missing optional fields take their defaults (files written before a field existed stay
        readable); an unknown key is an error, never silently dropped."""
        names = record_fields()
        unknown = [k for k in data if k not in names]
        if unknown:
            raise ValueError(f"unknown clause record field(s): {', '.join(map(str, unknown))}")
        kwargs = dict(data)
        qs = kwargs.get("quantities")
        if qs is not None:
            kwargs["quantities"] = [q if isinstance(q, Quantity) else Quantity(**q) for q in qs]
        else:
            kwargs.pop("quantities", None)
        probs = kwargs.get("probs")
        if probs is not None:
            kwargs["probs"] = [p if isinstance(p, LabelProb) else LabelProb(str(p["label"]), float(p["prob"]))
                               for p in probs]
        for name in ("heading_path", "lead_units", "responsible_units"):
            if kwargs.get(name) is None:
                kwargs.pop(name, None)
            else:
                kwargs[name] = list(kwargs[name])
        try:
            return cls(**kwargs)
        except TypeError as exc:  # a required field missing
            raise ValueError(f"not a clause record: {exc}") from None


@lru_cache(maxsize=1)
def record_fields() -> tuple[str, ...]:
    """The column names of a clause record, in output order."""
    return tuple(f.name for f in dataclasses.fields(ClauseRecord))


def _strip_optional(tp: Any) -> Any:
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"no Arrow type for union {tp!r}")
        return args[0]
    return tp


def arrow_type(tp: Any) -> Any:
    """The ``pyarrow`` type for a Python type hint: ``str``/``int``/``float``/``bool``, ``X | None``
    (nullable X), ``list[X]`` and dataclasses (a struct of their fields). Raises ``TypeError`` for anything else, so a new field cannot silently become a string."""
    import pyarrow as pa

    tp = _strip_optional(tp)
    scalars = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    if tp in scalars:
        return scalars[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, tuple) and args:
        return pa.list_(arrow_type(args[0]))
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return pa.struct([(f.name, arrow_type(hints[f.name])) for f in dataclasses.fields(tp)])
    raise TypeError(f"no Arrow type for {tp!r}")


def record_schema(with_error: bool = False) -> Any:
    """The ``pyarrow`` schema of a clause record (plus a nullable ``error`` string column if asked,
    as :func:`clausetag.tagging.ray_engine.tag_dataset` rows have)."""
    import pyarrow as pa

    hints = typing.get_type_hints(ClauseRecord)
    fields = [pa.field(f.name, arrow_type(hints[f.name])) for f in dataclasses.fields(ClauseRecord)]
    if with_error:
        fields.append(pa.field("error", pa.string()))
    return pa.schema(fields)
