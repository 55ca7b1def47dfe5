"""Tagging metrics: accuracy, macro-F1, per-label precision/recall/F1 with support, the confusion matrix
(and its plot), and segmentation-independent matching of predicted clauses to gold clauses by character
span overlap (SPEC §6).

Every label of the label list is a row of the report, also with zero support. Macro-F1 averages over
the labels that occur in the gold data or the predictions (labels absent from both carry no
information about the model and are reported with ``f1 = None``).
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: stands for "no predicted clause overlaps this gold clause" in overlap evaluation
NO_MATCH = None


def confusion_matrix(
    y_true: Sequence[str], y_pred: Sequence[str | None], labels: Sequence[str]
) -> np.ndarray:
    """Counts ``C[i, j]`` of gold ``labels[i]`` predicted as ``labels[j]``. Predictions that are
    ``None`` (no match) or outside ``labels`` are not counted in any column (but still lower recall)."""
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted({t for t in y_true if t not in index})
    if unknown:
        raise ValueError(f"gold labels not in the label list: {unknown}")
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} gold labels but {len(y_pred)} predictions")
    cm = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        if p in index:
            cm[index[t], index[p]] += 1
    return cm


def classification_report(
    y_true: Sequence[str], y_pred: Sequence[str | None], labels: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1 and a per-label row (precision, recall, f1, support, predicted) for every label.

    Returns ``{"n", "accuracy", "macro_f1", "labels": {code: row}, "confusion": [[...]], "label_order"}``.
    """
    labels = list(labels)
    cm = confusion_matrix(y_true, y_pred, labels)
    support = np.zeros(len(labels), dtype=np.int64)
    index = {label: i for i, label in enumerate(labels)}
    for t in y_true:
        support[index[t]] += 1
    predicted = cm.sum(axis=0)
    tp = np.diag(cm)
    rows: dict[str, dict[str, Any]] = {}
    f1s = []
    for i, label in enumerate(labels):
        prec = tp[i] / predicted[i] if predicted[i] else 0.0
        rec = tp[i] / support[i] if support[i] else 0.0
        active = support[i] > 0 or predicted[i] > 0
        f1 = (2 * prec * rec / (prec + rec) if prec + rec else 0.0) if active else None
        if f1 is not None:
            f1s.append(f1)
        rows[label] = {
            "precision": float(prec) if predicted[i] else None,
            "recall": float(rec) if support[i] else None,
            "f1": None if f1 is None else float(f1),
            "support": int(support[i]),
            "predicted": int(predicted[i]),
        }
    n = len(y_true)
    return {
        "n": n,
        "accuracy": float(tp.sum() / n) if n else 0.0,
        "macro_f1": float(np.mean(f1s)) if f1s else 0.0,
        "labels": rows,
        "label_order": labels,
        "confusion": cm.tolist(),
    }


# -- span overlap -------------------------------------------------------------------------------
def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters shared by two half-open spans."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match_by_overlap(
    pred_spans: Sequence[tuple[int, int]], gold_spans: Sequence[tuple[int, int]]
) -> list[int | None]:
    """For each gold span, the index of the predicted span with the largest character overlap
    (the earliest one on ties), or ``None`` when no predicted span overlaps it.

    Spans are ``(start, end)`` half-open character offsets into the same document. Predicted spans may
    come in any order and may overlap each other."""
    order = sorted(range(len(pred_spans)), key=lambda i: (pred_spans[i][0], i))
    starts = [pred_spans[i][0] for i in order]
    max_len = max((e - s for s, e in pred_spans), default=0)
    result: list[int | None] = []
    for gs, ge in gold_spans:
        best, best_ov = None, 0
        # candidates start before the gold end and not so early that they must end before gold start
        lo = bisect.bisect_left(starts, gs - max_len)
        hi = bisect.bisect_left(starts, ge)
        for k in range(lo, hi):
            i = order[k]
            ov = overlap((gs, ge), pred_spans[i])
            if ov > best_ov or (ov == best_ov and ov > 0 and best is not None and i < best):
                best, best_ov = i, ov
        result.append(best)
    return result


def labels_by_overlap(
    pred: Sequence[dict[str, Any]], gold: Sequence[dict[str, Any]]
) -> tuple[list[str], list[str | None]]:
    """Pair every gold clause with the label of its best-overlapping predicted clause, per document.

    ``pred`` and ``gold`` are clause records with ``doc_id``, ``start``, ``end`` and ``label``. Returns
    ``(y_true, y_pred)``; ``y_pred`` is ``None`` for a gold clause that no prediction overlaps."""
    by_doc: dict[Any, list[dict[str, Any]]] = {}
    for p in pred:
        by_doc.setdefault(p.get("doc_id"), []).append(p)
    y_true: list[str] = []
    y_pred: list[str | None] = []
    gold_by_doc: dict[Any, list[dict[str, Any]]] = {}
    for g in gold:
        gold_by_doc.setdefault(g.get("doc_id"), []).append(g)
    for doc, golds in gold_by_doc.items():
        preds = by_doc.get(doc, [])
        match = match_by_overlap([(p["start"], p["end"]) for p in preds], [(g["start"], g["end"]) for g in golds])
        for g, m in zip(golds, match):
            y_true.append(g["label"])
            y_pred.append(None if m is None else preds[m]["label"])
    return y_true, y_pred


# -- presentation -------------------------------------------------------------------------------
def _fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def report_markdown(reports: dict[str, dict[str, Any]], labels: Sequence[str], *, title: str = "") -> str:
    """One Markdown document: a summary table (model × accuracy, macro-F1) and a per-label F1 table with
    every label as a row (``—`` where a label has neither support nor predictions) and its support."""
    names = list(reports)
    lines = [f"## {title}", ""] if title else []
    lines += ["| model | n | accuracy | macro-F1 |", "|---|---:|---:|---:|"]
    for name in names:
        r = reports[name]
        lines.append(f"| {name} | {r['n']} | {_fmt(r['accuracy'])} | {_fmt(r['macro_f1'])} |")
    lines += ["", "Per-label F1 (support = gold clauses with that label):", ""]
    lines.append("| label | support | " + " | ".join(names) + " |")
    lines.append("|---|---:|" + "---:|" * len(names))
    for label in labels:
        support = reports[names[0]]["labels"][label]["support"] if names else 0
        cells = [_fmt(reports[n]["labels"][label]["f1"]) for n in names]
        lines.append(f"| {label} | {support} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_confusion(
    cm: np.ndarray | Sequence[Sequence[int]], labels: Sequence[str], path: str | Path, *, title: str = ""
) -> Path:
    """Save a confusion-matrix heat map (gold on the y axis, predicted on the x axis) as PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    cm = np.asarray(cm)
    n = len(labels)
    fig, ax = plt.subplots(figsize=(0.5 * n + 3, 0.5 * n + 2.5))
    try:
        ax.imshow(cm, cmap="Blues")
        ax.set_xticks(range(n), labels=list(labels), rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(n), labels=list(labels), fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        if title:
            ax.set_title(title, fontsize=10)
        peak = cm.max() if cm.size else 0
        for i in range(n):
            for j in range(n):
                if cm[i, j]:
                    ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                            color="white" if cm[i, j] > peak / 2 else "black")
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    return path


# -- segmentation (clause units and headings) ----------------------------------------------------
def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    """Precision, recall and F1 from counts (1.0 where there is nothing to find and nothing found)."""
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else (1.0 if not n_pred else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "pred": n_pred, "gold": n_gold, "precision": p, "recall": r, "f1": f}


def nonspace_offsets(text: str) -> list[int]:
    """``offsets[i]``: how many non-whitespace characters ``text[:i]`` holds (``len(text) + 1``
    entries). Two offsets that differ only by whitespace map to the same value."""
    out = [0] * (len(text) + 1)
    n = 0
    for i, ch in enumerate(text):
        out[i] = n
        if not ch.isspace():
            n += 1
    out[len(text)] = n
    return out


def segmentation_scores(
    pred: Sequence[dict[str, Any]], gold: Sequence[dict[str, Any]], text: str
) -> dict[str, dict[str, float | int]]:
    """Boundary and heading precision/recall/F1 of the clauses ``pred`` against ``gold`` on one
    document ``text`` (the raw text that both index).

    Records carry ``start`` and ``end`` (offsets into ``text``); a gold record is a heading when its
    ``label`` is ``"heading"``, a predicted one when its ``is_heading`` is true (or, without that
    field, its ``label`` is ``"heading"``). Offsets are aligned whitespace-insensitively: each
    becomes the number of non-whitespace characters before it, so an end before or after a blank
    or line break is the same boundary.

    * **boundary**: the set of clause ends, without the end of the document's last non-blank
      character (every segmentation has it); a predicted end is correct when a gold end aligns
      with it.
    * **heading**: the set of heading spans (aligned start and end); a predicted heading is
      correct when a gold heading has the same aligned span.
    """
    off = nonspace_offsets(text)
    last = off[len(text)]

    def ends(records: Sequence[dict[str, Any]]) -> set[int]:
        return {off[r["end"]] for r in records} - {last}

    def heads(records: Sequence[dict[str, Any]], pred_side: bool) -> set[tuple[int, int]]:
        out = set()
        for r in records:
            flag = r.get("is_heading") if pred_side and "is_heading" in r else r.get("label") == "heading"
            if flag:
                out.add((off[r["start"]], off[r["end"]]))
        return out

    pe, ge = ends(pred), ends(gold)
    ph, gh = heads(pred, True), heads(gold, False)
    return {"boundary": prf(len(pe & ge), len(pe), len(ge)), "heading": prf(len(ph & gh), len(ph), len(gh))}


def sum_scores(scores: Sequence[dict[str, dict[str, float | int]]]) -> dict[str, dict[str, float | int]]:
    """Micro-averaged scores: the counts of :func:`segmentation_scores` results summed."""
    out = {}
    for kind in ("boundary", "heading"):
        tp = sum(int(s[kind]["tp"]) for s in scores)
        n_pred = sum(int(s[kind]["pred"]) for s in scores)
        n_gold = sum(int(s[kind]["gold"]) for s in scores)
        out[kind] = prf(tp, n_pred, n_gold)
    return out
