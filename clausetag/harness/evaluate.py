"""Evaluation harness: every model of a run config in one table (SPEC §6).

* Leave-one-document-out (``lodo: true``): for each document, every model is trained on the other
  documents and predicts the held-out one; predictions of all folds are pooled into one report per model.
  Hyper-parameters come from the config only: nothing is tuned on a test fold.
* ``lodo: false``: train on ``data``, test on ``test_data``.
* ``segmentation: true``: the held-out raw text (``<doc_id>.txt`` beside the JSONL) is also split with
  :func:`clausetag.split`, the model labels the predicted clauses, and gold clauses are scored
  against the predicted clause that overlaps them most (segmentation-independent tagging score).
* When :mod:`clausetag.quantities.evaluate` is available, quantity extraction is scored on the gold
  quantities in a separate small table.

Outputs in the output directory: ``results.md``, ``results.json``, ``predictions.jsonl`` and one
``confusion_<model>.png`` per model.
"""
from __future__ import annotations

import importlib
import json
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clausetag.classifiers import classifier_class
from clausetag.classifiers.base import join_context
from clausetag.classifiers.card import training_documents
from clausetag.classifiers.loading import load_model, resolve_model
from clausetag.harness.metrics import classification_report, labels_by_overlap, plot_confusion, report_markdown
from clausetag.harness.train import (
    ConfigError,
    Records,
    RunConfig,
    as_config,
    build_classifier,
    config_labels,
    document_ids,
    examples,
    load_records,
    seed_everything,
    select_models,
)
from clausetag.harness.validation import read_raw_text
from clausetag.segment.splitter import split


@dataclass
class Report:
    """The outcome of :func:`evaluate`: one classification report per model (and per model on the
    splitter's own segmentation, when asked), optional quantity scores, the pooled predictions."""

    name: str
    labels: list[str]
    results: dict[str, dict[str, Any]]
    segmentation: dict[str, dict[str, Any]] = field(default_factory=dict)
    quantities: dict[str, Any] | None = None
    predictions: list[dict[str, Any]] = field(default_factory=list)
    folds: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def markdown(self) -> str:
        """Results as Markdown: summary, per-label F1 (every label a row), quantities."""
        mode = (f"leave-one-document-out over {len(self.folds)} documents" if self.settings.get("lodo")
                else "train on data, test on test_data")
        parts = [f"# Evaluation: {self.name}", "",
                 f"{mode}; seed {self.settings.get('seed')}; config `{self.settings.get('config')}`.", ""]
        parts.append(report_markdown(self.results, self.labels, title="Tagging (gold clauses)"))
        if self.segmentation:
            parts.append(report_markdown(self.segmentation, self.labels,
                                         title="Tagging on the splitter's clauses (matched to gold by overlap)"))
        if self.quantities:
            q = self.quantities
            parts += ["## Quantity extraction (gold quantities)", "",
                      "| precision | recall | F1 | gold | predicted |", "|---:|---:|---:|---:|---:|",
                      f"| {_f(q.get('precision'))} | {_f(q.get('recall'))} | {_f(q.get('f1'))} | "
                      f"{q.get('n_gold', '—')} | {q.get('n_pred', '—')} |", ""]
        return "\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "labels": self.labels, "settings": self.settings, "folds": self.folds,
                "results": self.results, "segmentation": self.segmentation, "quantities": self.quantities}

    def write(self, output_dir: str | Path) -> dict[str, str]:
        """Write results.md, results.json, predictions.jsonl and confusion PNGs; returns the paths."""
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = {"markdown": out / "results.md", "json": out / "results.json",
                 "predictions": out / "predictions.jsonl"}
        files["markdown"].write_text(self.markdown(), encoding="utf-8")
        files["json"].write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        with files["predictions"].open("w", encoding="utf-8") as fh:
            for p in self.predictions:
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")
        for name, rep in self.results.items():
            png = out / f"confusion_{_slug(name)}.png"
            plot_confusion(rep["confusion"], self.labels, png,
                           title=f"{name}: acc {rep['accuracy']:.3f}, macro-F1 {rep['macro_f1']:.3f}")
            files[f"confusion:{name}"] = png
        self.files = {k: str(v) for k, v in files.items()}
        return self.files


def _f(x: Any) -> str:
    return "—" if x is None else f"{x:.3f}"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


# -- splits -------------------------------------------------------------------------------------
def lodo_splits(doc_ids: Sequence[Any]) -> Iterator[tuple[Any, list[int], list[int]]]:
    """Leave-one-document-out folds: ``(held_out_doc, train_indices, test_indices)`` per document, in
    order of first appearance (scikit-learn's :class:`~sklearn.model_selection.LeaveOneGroupOut` with
    the documents as groups). No index of the held-out document is ever in its training fold."""
    import numpy as np
    from sklearn.model_selection import LeaveOneGroupOut

    docs = list(dict.fromkeys(doc_ids))
    if len(docs) < 2:
        raise ValueError(f"leave-one-document-out needs at least 2 documents, got {len(docs)}")
    groups = np.array([docs.index(d) for d in doc_ids])
    folds = {}
    for train, test in LeaveOneGroupOut().split(groups, groups=groups):
        folds[int(groups[test[0]])] = (train.tolist(), test.tolist())
    for g, doc in enumerate(docs):
        yield doc, folds[g][0], folds[g][1]


# -- segmentation-independent scoring -----------------------------------------------------------
def find_raw_text(doc_id: str, data_paths: Sequence[str | Path]) -> Path | None:
    """``<doc_id>.txt`` in the data folders (or beside the data files), if there."""
    for p in map(Path, data_paths):
        folder = p if p.is_dir() else p.parent
        candidate = folder / f"{doc_id}.txt"
        if candidate.is_file():
            return candidate
    return None


def _read_raw(path: Path) -> str:
    return read_raw_text(path)


def split_records(text: str, doc_id: str) -> list[dict[str, Any]]:
    """The splitter's clauses of a raw document as plain records."""

    return [{"doc_id": doc_id, "index": c.index, "text": c.text, "start": c.start, "end": c.end,
             "heading_path": list(c.heading_path)} for c in split(text, doc_id=doc_id)]


# -- quantities hook ----------------------------------------------------------------------------
def score_quantities_if_available(records: Records) -> dict[str, Any] | None:
    """Score :func:`clausetag.quantities.extract.extract_quantities` against the gold quantities of ``records``
    (exact match per clause, keyed by ``(doc_id, index)``) with
    :func:`clausetag.quantities.evaluate.score_quantities`; ``None`` when either module is missing."""
    try:
        scorer = importlib.import_module("clausetag.quantities.evaluate").score_quantities
        extract = importlib.import_module("clausetag.quantities.extract").extract_quantities
    except (ImportError, AttributeError):
        return None
    gold_records = [r for r in records if isinstance(r.get("quantities"), list)
                    and r.get("quantities_annotated", True) is not False]
    if not gold_records:
        return None
    gold: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    pred: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for r in gold_records:
        key = (r.get("doc_id"), r.get("index"))
        gold[key] = list(r["quantities"])
        pred[key] = [q.to_dict() if hasattr(q, "to_dict") else dict(q) for q in extract(r["text"])]
    result = dict(scorer(pred, gold))
    result.setdefault("n_gold", sum(map(len, gold.values())))
    result.setdefault("n_pred", sum(map(len, pred.values())))
    return result


# -- evaluate -----------------------------------------------------------------------------------
def evaluate(
    config: RunConfig | dict[str, Any] | str | Path,
    *,
    data: str | Path | Sequence[str | Path] | Records | None = None,
    output_dir: str | Path | None = None,
    models: Sequence[str] | None = None,
    progress: bool = True,
) -> Report:
    """Evaluate every model of a run config (or only ``models``) and write the results to
    ``output_dir`` (default: the config's ``output_dir``; nothing is written when both are None)."""
    from tqdm.auto import tqdm

    cfg = as_config(config, check_files=False)
    labels = config_labels(cfg)
    specs = select_models(cfg, models)
    data_source = data if data is not None else cfg.data
    records = load_records(data_source, source=cfg.source)
    data_paths = [] if isinstance(data_source, list) and data_source and isinstance(data_source[0], dict) \
        else ([data_source] if isinstance(data_source, (str, Path)) else list(data_source))
    texts, contexts, ys = examples(records, labels)
    doc_ids = [r.get("doc_id") for r in records]

    if cfg.lodo:
        folds: list[tuple[Any, list[int], list[int] | None]] = list(lodo_splits(doc_ids))
        test_records = records
        fold_names = [str(f[0]) for f in folds]
    else:
        if not cfg.test_data:
            raise ConfigError(cfg.source, "test_data", "required when lodo is false")
        test_records = load_records(cfg.test_data, source=cfg.source, key="test_data")
        folds = [("test", list(range(len(records))), None)]
        fold_names = ["test"]
    t_texts, t_contexts, t_ys = examples(test_records, labels)
    # extra_train: records appended to every training fold and never tested (e.g. LODO over the seeds
    # with the extra regulations always in training)
    x_texts: list[str] = []
    x_contexts: list[str] = []
    x_ys: list[str] = []
    extra_records: Records = []
    if cfg.extra_train:
        extra_records = load_records(cfg.extra_train, source=cfg.source, key="extra_train")
        x_texts, x_contexts, x_ys = examples(extra_records, labels)

    raw_texts: dict[str, str] = {}
    if cfg.segmentation:
        seg_paths = data_paths if cfg.lodo else cfg.test_data
        for doc in dict.fromkeys(r.get("doc_id") for r in test_records):
            found = find_raw_text(str(doc), seg_paths)
            if found is None:
                raise ConfigError(cfg.source, "segmentation", f"raw text {doc}.txt not found beside {seg_paths}")
            raw_texts[str(doc)] = _read_raw(found)

    results: dict[str, dict[str, Any]] = {}
    seg_results: dict[str, dict[str, Any]] = {}
    predictions: list[dict[str, Any]] = [
        {"doc_id": r.get("doc_id"), "index": r.get("index"), "gold": r["label"]} for r in test_records
    ]
    import numpy as np


    out_dir = output_dir if output_dir is not None else cfg.output_dir
    report = Report(name=cfg.name, labels=labels, results=results, segmentation=seg_results,
                     predictions=predictions, folds=fold_names, settings={
                         "seed": cfg.seed, "lodo": cfg.lodo, "config": cfg.source, "n_records": len(test_records),
                         "data": [str(p) for p in data_paths] or "<records>",
                         "extra_train": list(cfg.extra_train), "n_extra_train": len(x_ys),
                         "test_data": list(cfg.test_data)})
    #: the splitter's clauses of every held-out raw text, one list (rows of the segmentation probabilities)
    seg_clauses: list[dict[str, Any]] = []
    seg_rows: dict[str, list[int]] = {}
    for d, text in raw_texts.items():
        clauses = split_records(text, d)
        seg_rows[d] = list(range(len(seg_clauses), len(seg_clauses) + len(clauses)))
        seg_clauses += clauses
    #: held-out probabilities of every model (rows: test records / segmentation clauses)
    held_out: dict[str, np.ndarray] = {}
    seg_held_out: dict[str, np.ndarray] = {}
    #: models combined from the held-out probabilities of other models of the run (an ensemble's members)
    members_of = {s.name: classifier_class(s.type).member_names(s.params) for s in specs}
    trained = [s for s in specs if not members_of[s.name]]
    bar = tqdm(total=len(trained) * len(folds), desc="evaluate", unit="fold", disable=not progress)
    for spec in specs:
        started = time.perf_counter()
        proba = np.zeros((len(test_records), len(labels)))
        seg_proba = np.zeros((len(seg_clauses), len(labels)))
        members = members_of[spec.name]
        if members:
            cls = classifier_class(spec.type)
            missing = [m for m in members if m not in held_out]
            if missing:
                raise ConfigError(cfg.source, f"models[{spec.name}].params.{'/'.join(cls.member_params)}",
                                  f"{missing} not evaluated in this run (select them too)")
            proba = cls.combine_held_out(spec.params, [held_out[m] for m in members])
            seg_proba = cls.combine_held_out(spec.params, [seg_held_out[m] for m in members])
        for doc, train_idx, test_idx in (folds if not members else []):
            bar.set_postfix(model=spec.name, doc=str(doc)[:12])
            if test_idx is None:
                test_idx = list(range(len(test_records)))
            seed_everything(cfg.seed)
            model = build_classifier(spec, labels, cfg.seed, source=cfg.source, progress=progress,
                                     specs=cfg.models)
            model.fit([texts[i] for i in train_idx] + x_texts, [ys[i] for i in train_idx] + x_ys,
                      [contexts[i] for i in train_idx] + x_contexts)
            proba[test_idx] = model.predict_proba([t_texts[i] for i in test_idx], [t_contexts[i] for i in test_idx])
            if cfg.save_models and out_dir is not None:  # lodo: false: the one model that was tested
                trained_on = [records[i] for i in train_idx] + extra_records
                model.metrics_["train_data"] = {"examples": len(train_idx) + len(x_ys),
                                                "doc_ids": document_ids(trained_on), "config": cfg.source,
                                                "model": spec.name}
                model.save_pretrained(Path(out_dir) / "models" / _slug(spec.name))
            held = sorted({str(test_records[i].get("doc_id")) for i in test_idx} & set(seg_rows))
            rows = [j for d in held for j in seg_rows[d]]
            if rows:
                seg_proba[rows] = model.predict_proba([seg_clauses[j]["text"] for j in rows],
                                                      [join_context(seg_clauses[j]["heading_path"]) for j in rows])
            bar.update(1)
        held_out[spec.name] = proba
        seg_held_out[spec.name] = seg_proba
        best = proba.argmax(axis=1)
        y_pred: list[str | None] = [labels[int(j)] for j in best]
        probs = [float(proba[i, j]) for i, j in enumerate(best)]
        rep = classification_report(t_ys, y_pred, labels)
        rep["seconds"] = round(time.perf_counter() - started, 2)
        rep["type"] = spec.type
        rep["params"] = spec.params
        results[spec.name] = rep
        for rec, lab, pr in zip(predictions, y_pred, probs):
            rec[spec.name] = lab
            rec[f"{spec.name}:prob"] = round(pr, 4)
        if cfg.segmentation:
            seg_pred = [dict(c, label=labels[int(j)]) for c, j in zip(seg_clauses, seg_proba.argmax(axis=1))]
            g_true, g_pred = labels_by_overlap(seg_pred, test_records)
            seg_results[spec.name] = classification_report(g_true, g_pred, labels)
        if out_dir is not None:  # finished models reach disk even if a later one fails
            report.write(out_dir)
    bar.close()
    report.quantities = score_quantities_if_available(test_records)
    if out_dir is not None:
        report.write(out_dir)
    return report


def seen_in_training(model: Any, records: Records) -> list[str] | None:
    """The documents of ``records`` that ``model`` (a model directory) was trained on, from its card
    (:func:`~clausetag.classifiers.card.training_documents`); ``None`` when that is unknown (a fitted
    classifier object, or a card without the list)."""

    if not isinstance(model, (str, Path)) or not Path(model).is_dir():
        return None
    try:
        trained = training_documents(model)
    except (OSError, ValueError, KeyError):
        return None
    if trained is None:
        return None
    return sorted({str(r.get("doc_id")) for r in records} & trained)


def score_model(
    model: Any,
    data: str | Path | Sequence[str | Path] | Records,
    *,
    output_dir: str | Path | None = None,
    name: str | None = None,
    batch_size: int | None = None,
) -> Report:
    """Score a trained model (a directory, a packaged name such as ``"default"``, or a fitted
    classifier) on labeled data, without training anything: the same tables as :func:`evaluate`.
    ``settings["in_training_data"]`` lists the scored documents the model was trained on (its card
    says so; ``None`` when the card does not list its training documents): scores on them overstate
    how well the model does on new text."""

    classifier = load_model(model, batch_size=batch_size)
    labels = [str(c) for c in classifier.classes_]
    records = load_records(data, source="<score>")
    seen = seen_in_training(resolve_model(model), records)
    texts, contexts, ys = examples(records, labels)
    started = time.perf_counter()
    proba = classifier.predict_proba(texts, contexts)
    best = proba.argmax(axis=1)
    key = name or (str(model) if isinstance(model, (str, Path)) else type(model).__name__)
    rep = classification_report(ys, [labels[int(j)] for j in best], labels)
    rep["seconds"] = round(time.perf_counter() - started, 2)
    rep["type"] = getattr(classifier, "type_name", type(classifier).__name__)
    predictions = [{"doc_id": r.get("doc_id"), "index": r.get("index"), "gold": r["label"], key: labels[int(j)],
                    f"{key}:prob": round(float(proba[i, j]), 4)} for i, (r, j) in enumerate(zip(records, best))]
    paths = [data] if isinstance(data, (str, Path)) else ([] if data and isinstance(data[0], dict) else list(data))
    report = Report(name=f"score {key}", labels=labels, results={key: rep}, predictions=predictions,
                    folds=["test"], settings={"lodo": False, "model": str(model), "data": [str(p) for p in paths],
                                              "n_records": len(records), "in_training_data": seen})
    if output_dir is not None:
        report.write(output_dir)
    return report
