"""Per-document targets table: one row per distinct target, actual or cap a document states.

    from clausetag.outputs.targets import document_targets
    rows = document_targets(records)          # records of ONE document -> list[Target]

A :class:`Target` is a quantity with role target, actual or cap together with its indicator (what it
measures, see :mod:`clausetag.quantities.indicators`) and the clauses that state it. The same target restated —
in the headline, the press summary and the body — is one row with several ``clauses``: two mentions are
the same target when role, indicator, kind, unit (any counter for counts), currency, comparator and
value/bounds agree and their
years do not contradict (a mention without a year joins one with a year). Amounts are never added
across indicators; :func:`totals` adds distinct rows of the *same* indicator only.

Records may be plain dicts (as written to JSONL) or objects with the same attributes (``ClauseRecord``);
quantities likewise (dicts or :class:`~clausetag.quantities.extract.Quantity`).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clausetag.io.writers import write_atomic
from clausetag.outputs.provenance import Provenance

__all__ = [
    "TARGET_ROLES",
    "Target",
    "document_targets",
    "format_target",
    "target_fields",
    "targets_by_document",
    "totals",
    "write_targets",
]

#: quantity roles that make a row of the targets table
TARGET_ROLES = ("target", "actual", "cap")


@dataclass
class Target:
    """One distinct target (or actual, or cap) of one document.

    ``value``/``low``/``high``/``comparator``/``unit``/``currency``/``year`` follow
    :class:`~clausetag.quantities.extract.Quantity`; ``kind`` is the quantity kind (money, percent, ratio, count,
    measure) and ``role`` target, actual or cap; ``ratio`` (percent and ratio kinds) is the amount as a
    plain fraction, the one column to compare or sort proportions written in different units. ``text`` is the quantity as first written, ``clauses``
    the indices of every clause that states it (first first), ``mentions`` how many times it is stated.
    """

    doc_id: str
    indicator: str | None
    role: str
    kind: str
    value: float
    low: float | None
    high: float | None
    comparator: str
    unit: str
    currency: str | None
    year: int | None
    text: str
    clauses: list[int] = field(default_factory=list)
    mentions: int = 1
    ratio: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["clauses"] = list(self.clauses)
        return d


def target_fields() -> list[str]:
    """Column names of the targets table, in order (from :class:`Target`)."""
    return [f.name for f in dataclasses.fields(Target)]


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _num_key(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else round(f, 6)


_COMPARATOR_FAMILY = {">": ">=", ">=": ">=", "<": "<=", "<=": "<="}  # 超万亿元 and 万亿元以上 restate one target


def _key(q: Any) -> tuple[Any, ...]:
    kind = _get(q, "kind")
    unit = None if kind == "count" else _get(q, "unit")  # 15个左右 and 15家左右 国家级工业设计中心: one target
    comparator = _get(q, "comparator")
    return (_get(q, "role"), kind, unit, _get(q, "currency"), _COMPARATOR_FAMILY.get(comparator, comparator),
            _num_key(_get(q, "value")), _num_key(_get(q, "low")), _num_key(_get(q, "high")))


def _same_indicator(a: str | None, b: str | None) -> bool:
    """Equal, or one ends with the other (营业收入 restates 数字创意产业营业收入)."""
    if not a or not b:
        return not a and not b
    return a == b or (min(len(a), len(b)) >= 2 and (a.endswith(b) or b.endswith(a)))


def document_targets(records: Iterable[Any], roles: Iterable[str] = TARGET_ROLES) -> list[Target]:
    """The targets table of one document: one :class:`Target` per distinct target/actual/cap, in the
    order of first mention. ``records`` are that document's clause records (dicts or ``ClauseRecord``)."""
    wanted = frozenset(roles)
    rows: list[Target] = []
    by_key: dict[tuple[Any, ...], list[Target]] = {}
    for rec in records:
        doc_id = _get(rec, "doc_id") or ""
        index = _get(rec, "index")
        for q in _get(rec, "quantities") or ():
            if _get(q, "role") not in wanted:
                continue
            key = _key(q)
            year = _get(q, "year")
            indicator = _get(q, "indicator")
            match = None
            for t in by_key.get(key, ()):
                if (t.doc_id == doc_id and (t.year is None or year is None or t.year == year)
                        and _same_indicator(t.indicator, indicator)):
                    match = t
                    break
            if match is not None:
                match.mentions += 1
                if index is not None and index not in match.clauses:
                    match.clauses.append(index)
                if match.year is None and year is not None:
                    match.year = year
                if indicator and len(indicator) > len(match.indicator or ""):
                    match.indicator = indicator  # keep the most specific wording
                continue
            t = Target(doc_id=doc_id, indicator=indicator, role=_get(q, "role"), kind=_get(q, "kind"),
                       value=_get(q, "value"), low=_get(q, "low"), high=_get(q, "high"),
                       comparator=_get(q, "comparator"), unit=_get(q, "unit"), currency=_get(q, "currency"),
                       year=year, text=_get(q, "text"), clauses=[] if index is None else [index],
                       ratio=_get(q, "ratio"))
            rows.append(t)
            by_key.setdefault(key, []).append(t)
    return rows


def targets_by_document(records: Iterable[Any], roles: Iterable[str] = TARGET_ROLES) -> dict[str, list[Target]]:
    """:func:`document_targets` for records of many documents (grouped by ``doc_id``)."""
    groups: dict[str, list[Any]] = {}
    for rec in records:
        groups.setdefault(_get(rec, "doc_id") or "", []).append(rec)
    return {doc_id: document_targets(recs, roles) for doc_id, recs in groups.items()}


def totals(targets: Iterable[Target]) -> dict[tuple[str | None, str, str, str | None, int | None], float]:
    """Sum of exact (``=``) values of distinct rows per (indicator, role, unit, currency, year): amounts are
    only ever added within one indicator. Rows without an indicator are not added up."""
    out: dict[tuple[str | None, str, str, str | None, int | None], float] = {}
    for t in targets:
        if t.indicator is None or t.comparator != "=" or t.value is None:
            continue
        k = (t.indicator, t.role, t.unit, t.currency, t.year)
        out[k] = out.get(k, 0.0) + float(t.value)
    return out


def _arrow_schema() -> Any:
    import pyarrow as pa

    types = {"doc_id": pa.string(), "indicator": pa.string(), "role": pa.string(), "kind": pa.string(),
             "value": pa.float64(), "low": pa.float64(), "high": pa.float64(), "comparator": pa.string(),
             "unit": pa.string(), "currency": pa.string(), "year": pa.int64(), "text": pa.string(),
             "clauses": pa.list_(pa.int64()), "mentions": pa.int64(),
             "ratio": pa.float64()}
    missing = set(target_fields()) ^ set(types)
    if missing:  # pragma: no cover - a field added to Target without an Arrow type
        raise TypeError(f"targets Arrow schema out of date with Target: {sorted(missing)}")
    return pa.schema([(name, types[name]) for name in target_fields()])


def write_targets(targets: Iterable[Target], out_dir: Any, parquet: bool = True,
                  provenance: Mapping[str, Mapping[str, Any]] | None = None) -> list[Any]:
    """Write ``targets.csv`` (UTF-8 with BOM, ``clauses`` as ``2;13``) and, if ``parquet``,
    ``targets.parquet`` into ``out_dir``, atomically; columns from :class:`Target`. Returns the paths.

    ``provenance`` (doc_id → provenance fields, see :class:`clausetag.outputs.provenance.Provenance`) adds those
    fields as string columns after the target columns, so this output, too, says what made it."""
    import csv
    import dataclasses
    import io
    from pathlib import Path


    prov_fields = [f.name for f in dataclasses.fields(Provenance)] if provenance is not None else []
    rows = [t.to_dict() for t in targets]
    for r in rows:
        p = (provenance or {}).get(r["doc_id"]) or {}
        r.update({k: p.get(k) for k in prov_fields})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=target_fields() + prov_fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({**r, "clauses": ";".join(str(i) for i in r["clauses"])})
    paths = [write_atomic(out / "targets.csv", buf.getvalue().encode("utf-8-sig"))]
    if parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = _arrow_schema()
        for name in prov_fields:
            schema = schema.append(pa.field(name, pa.string()))
        table = pa.Table.from_pylist(rows, schema=schema)
        sink = io.BytesIO()
        pq.write_table(table, sink)
        paths.append(write_atomic(out / "targets.parquet", sink.getvalue()))
    return paths


def format_target(t: Target) -> str:
    """``>1万亿元``-style short text of a target's amount (亿元 for large CNY amounts); a ratio-kind amount
    also shows its ``ratio`` as a percentage (``3‱ (=0.03%)``, ``7成 (=70%)``)."""
    comp = {"=": "", ">": ">", ">=": "≥", "<": "<", "<=": "≤", "~": "≈", "range": ""}.get(t.comparator, "")
    def num(v: float | None) -> str:
        if v is None:
            return "?"
        if t.kind == "money" and abs(v) >= 1e8:
            return f"{v / 1e8:,.6g}亿"
        if t.kind == "money" and abs(v) >= 1e4:
            return f"{v / 1e4:,.6g}万"
        return f"{v:,.6g}"
    if t.comparator == "range":
        out = f"{num(t.low)}–{num(t.high)}{t.unit}"
    else:
        out = f"{comp}{num(t.value)}{t.unit}"
    ratio = getattr(t, "ratio", None)
    if t.kind == "ratio" and ratio is not None:  # 3‱ (=0.03%): proportions side by side with percentages
        out += f" (={ratio * 100:.6g}%)"
    return out
