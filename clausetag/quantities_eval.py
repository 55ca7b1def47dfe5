"""Exact-match scoring of extracted quantities against gold, clause by clause.

A quantity counts as correct when its clause key and ``(start, end, value, comparator, unit)`` all equal a
gold quantity's (values compared after rounding to 6 significant digits). Multiplicity is respected.

Two input shapes are accepted for both ``pred`` and ``gold``:

* a flat list of quantity dicts, each carrying the clause key fields (default ``doc_id`` and ``index``),
  e.g. ``{"doc_id": "001", "index": 7, **quantity.to_dict()}``;
* a mapping ``{clause_key: [quantity dict, ...]}`` where the key is any hashable (e.g. ``("001", 7)``).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["MATCH_FIELDS", "score_quantities"]

MATCH_FIELDS = ("start", "end", "value", "comparator", "unit")


def _norm_value(v: Any) -> Any:
    if isinstance(v, (int, float)):
        return float(f"{float(v):.6g}")
    return v


def _keys(records: Mapping[Hashable, Iterable[Mapping[str, Any]]] | Sequence[Mapping[str, Any]],
          key_fields: Sequence[str]) -> Counter:
    out: Counter = Counter()
    if isinstance(records, Mapping):
        items = ((k, q) for k, qs in records.items() for q in qs)
    else:
        items = ((tuple(q[f] for f in key_fields), q) for q in records)
    for clause_key, q in items:
        out[(clause_key, tuple(_norm_value(q[f]) for f in MATCH_FIELDS))] += 1
    return out


def score_quantities(
    pred: Mapping[Hashable, Iterable[Mapping[str, Any]]] | Sequence[Mapping[str, Any]],
    gold: Mapping[Hashable, Iterable[Mapping[str, Any]]] | Sequence[Mapping[str, Any]],
    key_fields: Sequence[str] = ("doc_id", "index"),
) -> dict[str, float | int]:
    """Micro precision, recall and F1 of ``pred`` against ``gold`` with exact matching per clause.

    Returns ``{"precision", "recall", "f1", "tp", "fp", "fn", "n_pred", "n_gold"}``; precision (recall)
    is 1.0 when there are no predictions (no gold quantities) at all.
    """
    p, g = _keys(pred, key_fields), _keys(gold, key_fields)
    tp = sum((p & g).values())
    n_pred, n_gold = sum(p.values()), sum(g.values())
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": n_pred - tp,
            "fn": n_gold - tp, "n_pred": n_pred, "n_gold": n_gold}
