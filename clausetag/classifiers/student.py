"""A distilled student: a :class:`~clausetag.classifiers.bert.BertClassifier` whose encoder is the first
``keep_layers`` layers of a (converted, vocabulary-pruned) e5 encoder, trained on the gold clauses plus
unlabeled corpus clauses labelled softly by a teacher (knowledge distillation, Hinton et al. 2015).

Loss: class-weighted cross-entropy on the gold clauses, ``distill_weight · T² · KL(teacher_T ‖
student_T)`` on the corpus clauses (:class:`~clausetag.classifiers.trainer.Trainer`). The corpus sample
(:func:`clausetag.harness.distill.sample_corpus_clauses`) is seeded and skips labeled documents; the teacher's
probabilities are computed once and cached (:func:`clausetag.harness.distill.teacher_probabilities`). With
``distill_clauses: 0`` the same model trains on gold labels alone (the ablation without distillation).

In a run config::

    - name: student-l4
      type: student
      params:
        base_model: .cache/e5-small-zh
        keep_layers: 4
        teacher: .cache/teachers/ens        # a saved model directory (an ensemble is cached per member)
        corpora: [/work/shared/corpus/regulations.jsonl.xz, /work/shared/corpus/policies.jsonl.xz]
        distill_clauses: 12000
        exclude_documents: [labels]         # skip every labeled document, held-out ones included
        num_threads: 2
        training_args: {temperature: 2.0, distill_weight: 1.0, head_lr: 0.003}

A fitted student saves, loads and exports to ONNX like a ``bert`` model (its ``clausetag.json`` type is
``student``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from clausetag.classifiers.base import ParamError
from clausetag.classifiers.bert import BertClassifier


class StudentClassifier(BertClassifier):
    """A truncated transformer trained on gold labels plus a teacher's soft labels.

    Takes every parameter of :class:`BertClassifier` (``keep_layers`` defaults to 4 and ``max_length``
    to 96 here, and the training arguments to :attr:`default_training_args`; the distillation
    temperature, ``distill_weight``, ``head_lr`` and ``time_limit_s`` are training arguments) and:

    Args:
        teacher: saved model directory of the teacher (``None`` only with ``distill_clauses=0``).
        corpora: unlabeled corpus files (JSONL or JSONL.xz with ``id``, ``title``, ``text``).
        distill_clauses: how many corpus clauses to sample and distil on (0: gold labels only).
        per_doc: at most this many clauses from one corpus document.
        exclude_documents: labeled JSONL files/folders whose documents (``doc_id``/``source``) are left
            out of the corpus sample.
        cache_dir: where teacher probabilities are cached.
        num_threads: torch intra-op threads while training (``None``: torch's default).
    """

    type_name = "student"
    default_training_args: ClassVar[Mapping[str, Any]] = {"epochs": 2, "batch_size": 32, "lr": 1e-4,
                                                          "warmup_ratio": 0.06}

    def __init__(
        self,
        base_model: str | Path = ".cache/e5-small-zh",
        labels: Sequence[str] | None = None,
        *,
        keep_layers: int | None = 4,
        max_length: int = 96,
        teacher: str | None = None,
        corpora: Sequence[str] = (),
        distill_clauses: int = 0,
        per_doc: int = 8,
        exclude_documents: Sequence[str] = (),
        cache_dir: str = ".cache/distill",
        num_threads: int | None = None,
        **bert_params: Any,
    ) -> None:
        super().__init__(base_model, labels, keep_layers=keep_layers, max_length=max_length, **bert_params)
        self.teacher = teacher
        self.corpora = corpora
        self.distill_clauses = distill_clauses
        self.per_doc = per_doc
        self.exclude_documents = exclude_documents
        self.cache_dir = cache_dir
        self.num_threads = num_threads

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """scikit-learn's parameter list: the student's own and :class:`BertClassifier`'s (which the
        constructor passes on through ``**bert_params``)."""
        names: list[str] = sorted({*super()._get_param_names(), *BertClassifier._get_param_names()})
        return names

    @classmethod
    def validate_params(cls, params: dict[str, Any], *, check_files: bool = True) -> dict[str, Any]:
        out = super().validate_params(params, check_files=check_files)
        n = out.get("distill_clauses", 0)
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ParamError("params.distill_clauses", f"expected a whole number >= 0, got {n!r}")
        for key in ("corpora", "exclude_documents"):
            value = out.get(key, [])
            if isinstance(value, str):
                value = out[key] = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ParamError(f"params.{key}", f"expected a list of paths, got {value!r}")
        if n:
            if not out.get("teacher"):
                raise ParamError("params.teacher", "required when distill_clauses > 0 (a saved model directory)")
            if not out.get("corpora"):
                raise ParamError("params.corpora", "required when distill_clauses > 0 (unlabeled corpus files)")
            if check_files:
                if not (Path(out["teacher"]) / "clausetag.json").is_file():
                    raise ParamError("params.teacher", f"{out['teacher']} is not a saved clausetag model directory")
                for key in ("corpora", "exclude_documents"):
                    for p in out.get(key, []):
                        if not Path(p).exists():
                            raise ParamError(f"params.{key}", f"not found: {p}")
        return out

    def fit(self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
            ) -> StudentClassifier:
        if not self.num_threads:
            super().fit(texts, labels, contexts)
            return self
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(int(self.num_threads))
        try:  # the thread count is process-wide: later models of the same run keep theirs
            super().fit(texts, labels, contexts)
        finally:
            torch.set_num_threads(before)
        return self

    def _soft_examples(self) -> tuple[list[str], list[str], np.ndarray] | None:
        from clausetag.harness.distill import labeled_document_ids, sample_corpus_clauses, teacher_probabilities

        if not self.distill_clauses:
            return None
        if not self.teacher or not self.corpora:
            raise ValueError("distill_clauses > 0 needs a teacher and corpora")
        exclude = labeled_document_ids(self.exclude_documents) if self.exclude_documents else set()
        clauses = sample_corpus_clauses(list(self.corpora), int(self.distill_clauses), seed=self.seed,
                                        per_doc=self.per_doc, exclude=exclude)
        args = self.training_arguments()
        probs = teacher_probabilities(self.teacher, clauses, self.labels_, cache_dir=self.cache_dir,
                                      progress=self.progress)
        self.metrics_["distillation"] = {
            "clauses": len(clauses), "documents": len({c.corpus_id for c in clauses}),
            "corpora": [str(c) for c in self.corpora], "excluded_documents": len(exclude),
            "teacher": str(self.teacher), "temperature": args.temperature, "distill_weight": args.distill_weight}
        return [c.text for c in clauses], [c.context for c in clauses], probs
