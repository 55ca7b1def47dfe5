"""Whole-document evaluation of clause units and headings against gold clause JSONL (SPEC §4, §6).

:func:`evaluate_split` scores the splitter (or another segmentation given as clause JSONL, e.g. a
second annotator's gold) against gold files: boundary precision/recall/F1 and heading
precision/recall/F1 per document and overall (micro: counts summed over documents). The metric
itself is :func:`clausetag.harness.metrics.segmentation_scores` (whitespace-insensitive alignment of the
offsets, which index the raw text ``<doc_id>.txt`` beside each gold file)::

    clausetag split-eval labels/policy_heldout
    clausetag split-eval /work/annot/heldout/gold_A --pred /work/annot/heldout/gold_B
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clausetag.harness.metrics import segmentation_scores, sum_scores
from clausetag.harness.validation import gold_paths, read_raw_text
from clausetag.segment.splitter import Splitter

__all__ = ["SplitEvalError", "evaluate_split", "load_clause_files", "split_eval_markdown"]

PathLike = str | os.PathLike[str]


class SplitEvalError(ValueError):
    """Input that cannot be evaluated; the message names the file and the problem."""


def load_clause_files(paths: Sequence[PathLike]) -> dict[str, tuple[Path, list[dict[str, Any]]]]:
    """Clause records of the JSONL files named by ``paths`` (files, or folders of gold files as
    :func:`clausetag.harness.validation.gold_paths` finds them), by ``doc_id``, each with the file it came
    from. Records of one document are sorted by ``start``."""

    files, problems = gold_paths(paths)
    if problems:
        raise SplitEvalError(str(problems[0]))
    docs: dict[str, tuple[Path, list[dict[str, Any]]]] = {}
    for f in files:
        for lineno, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SplitEvalError(f"{f}:{lineno}: invalid JSON ({exc.msg})") from None
            missing = [k for k in ("doc_id", "start", "end") if k not in rec]
            if missing:
                raise SplitEvalError(f"{f}:{lineno}: clause record without {', '.join(missing)}")
            doc_id = str(rec["doc_id"])
            if doc_id in docs and docs[doc_id][0] != f:
                raise SplitEvalError(f"{f}:{lineno}: doc_id {doc_id!r} also in {docs[doc_id][0]}")
            docs.setdefault(doc_id, (f, []))[1].append(rec)
    for _, recs in docs.values():
        recs.sort(key=lambda r: (r["start"], r["end"]))
    return docs


def _check_spans(records: list[dict[str, Any]], text: str, where: str) -> None:
    """Every record's ``start``/``end`` is an integer span inside the raw text."""
    for r in records:
        start, end = r.get("start"), r.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise SplitEvalError(f"{where}: span [{start}:{end}] outside the raw text (length {len(text)})")


def evaluate_split(
    gold: PathLike | Sequence[PathLike],
    *,
    pred: PathLike | Sequence[PathLike] | None = None,
    rules: Any = None,
) -> dict[str, Any]:
    """Boundary and heading P/R/F1 of a segmentation against gold clause JSONL.

    ``gold``: gold files or folders (a gold clause is a heading when its ``label`` is
    ``"heading"``); the raw text of each document is ``<doc_id>.txt`` beside its gold file.
    ``pred``: clause JSONL to score (``is_heading`` or ``label == "heading"`` marks headings); by
    default the splitter with rule set ``rules`` is run on each raw text. Returns
    ``{"documents": {doc_id: scores}, "overall": scores, "n_documents": n, "skipped": [doc_id...]}``
    (skipped: excerpt records, with a ``source`` and no raw text beside them) where ``scores`` is
    ``{"boundary": {...}, "heading": {...}}`` with ``tp``, ``pred``, ``gold``, ``precision``,
    ``recall`` and ``f1``, and ``"clauses": {"gold", "pred"}`` (clause counts); ``overall`` is
    micro-averaged.
    """

    gold_docs = load_clause_files([gold] if isinstance(gold, (str, os.PathLike)) else list(gold))
    if not gold_docs:
        raise SplitEvalError(f"{gold}: no gold clause records")
    pred_docs = None
    if pred is not None:
        pred_docs = load_clause_files([pred] if isinstance(pred, (str, os.PathLike)) else list(pred))
    splitter = Splitter(rules) if pred_docs is None else None
    per_doc: dict[str, Any] = {}
    skipped: list[str] = []
    for doc_id in sorted(gold_docs):
        path, grecs = gold_docs[doc_id]
        raw_path = path.parent / f"{doc_id}.txt"
        if not raw_path.is_file() and all(r.get("source") for r in grecs):
            skipped.append(doc_id)  # targeted excerpts of a corpus document: no whole-document gold
            continue
        if not raw_path.is_file():
            raise SplitEvalError(f"{path}: raw text {raw_path} for doc_id {doc_id!r} not found")
        text = read_raw_text(raw_path)
        _check_spans(grecs, text, f"{path}: doc {doc_id}")
        if pred_docs is not None:
            if doc_id not in pred_docs:
                raise SplitEvalError(f"{pred}: no clauses for doc_id {doc_id!r}")
            precs = pred_docs[doc_id][1]
            _check_spans(precs, text, f"{pred}: doc {doc_id}")
        else:
            assert splitter is not None
            precs = [c.to_dict() for c in splitter.split(text, doc_id)]
        per_doc[doc_id] = segmentation_scores(precs, grecs, text)
        per_doc[doc_id]["clauses"] = {"gold": len(grecs), "pred": len(precs)}
    if not per_doc:
        raise SplitEvalError(f"{gold}: no whole-document gold (only excerpt records without raw texts)")
    overall = sum_scores(list(per_doc.values()))
    overall["clauses"] = {k: sum(d["clauses"][k] for d in per_doc.values()) for k in ("gold", "pred")}
    return {"documents": per_doc, "overall": overall, "n_documents": len(per_doc), "skipped": skipped}


def split_eval_markdown(report: dict[str, Any], title: str = "") -> str:
    """The report as a Markdown table: one row per document and the overall (micro) row."""
    lines = [f"## {title}", ""] if title else []
    lines += ["| document | boundary P | boundary R | boundary F1 | heading P | heading R | heading F1 "
              "| gold clauses | predicted | gold headings | predicted |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def row(name: str, s: dict[str, Any]) -> str:
        b, h = s["boundary"], s["heading"]
        return (f"| {name} | {b['precision']:.3f} | {b['recall']:.3f} | {b['f1']:.3f} | {h['precision']:.3f} | "
                f"{h['recall']:.3f} | {h['f1']:.3f} | {s['clauses']['gold']} | {s['clauses']['pred']} | {h['gold']} | "
                f"{h['pred']} |")

    for doc_id, s in report["documents"].items():
        lines.append(row(doc_id, s))
    lines.append(row(f"**overall ({report['n_documents']} documents)**", report["overall"]))
    if report.get("skipped"):
        sk = report["skipped"]
        more = f" and {len(sk) - 10} more" if len(sk) > 10 else ""
        lines += ["", f"Skipped {len(sk)} document(s) of excerpt records without a raw text: {', '.join(sk[:10])}{more}"]
    return "\n".join(lines) + "\n"
