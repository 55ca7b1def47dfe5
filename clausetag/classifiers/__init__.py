"""Clause classifiers behind one scikit-learn-style surface (see :mod:`clausetag.classifiers.base`).

* :class:`~clausetag.classifiers.baseline.BaselineClassifier` – scikit-learn TF-IDF + logistic regression.
* :class:`~clausetag.classifiers.bert.BertClassifier` – a fine-tuned ``transformers`` encoder (torch).
* :class:`~clausetag.classifiers.onnx.OnnxClassifier` – an exported transformer on ONNX Runtime (no torch).
* :class:`~clausetag.classifiers.embedding.EmbeddingClassifier` – a frozen ONNX encoder + logistic
  regression (trains and runs without torch).
* :class:`~clausetag.classifiers.ensemble.EnsembleClassifier` – weighted soft voting over members.
* :class:`~clausetag.classifiers.student.StudentClassifier` – a truncated transformer distilled from a
  teacher's probabilities over unlabeled corpus clauses (:mod:`clausetag.harness.distill`).
* :mod:`~clausetag.classifiers.vocab` – the offline character vocabulary and BERT size presets.
* :mod:`~clausetag.classifiers.loading` – model lookup: packaged names, ``$CLAUSETAG_MODEL``,
  :func:`resolve_model` (a name or directory → the model directory, checked once) and :func:`load_model`.

The registry (:mod:`~clausetag.classifiers.registry`: the built-ins plus the types that installed packages
register through the ``clausetag.classifiers`` entry points) maps the ``type`` of run configs and
``clausetag.json`` cards to classes; each class
validates its own config (``validate_params``) and loads its own directories (``from_pretrained``), so
callers never branch on the type. Importing this package is cheap: scikit-learn, torch, transformers
and onnxruntime load only when a model of that kind is built or loaded.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clausetag.classifiers.card import CARD_NAME, read_card
from clausetag.classifiers.registry import BUILTIN, classifier_class, classifier_types
from clausetag.io.records import CONTEXT_SEPARATOR, join_context

if TYPE_CHECKING:
    from clausetag.classifiers.base import Classifier

#: the built-in types, ``type`` → (module, class); :func:`classifier_types` adds those that installed
#: packages register through the ``clausetag.classifiers`` entry points
REGISTRY = BUILTIN
_BY_CLASS = {cls: type_name for type_name, (_, cls) in REGISTRY.items()}
#: model lookup, re-exported lazily from :mod:`clausetag.classifiers.loading`
_LOADING = ("MODEL_ENV", "ModelNotFoundError", "default_model_path", "load_model", "model_path",
            "packaged_models", "resolve_model")

__all__ = [
    "CARD_NAME",
    "CONTEXT_SEPARATOR",
    "MODEL_ENV",
    "REGISTRY",
    "BaselineClassifier",
    "BertClassifier",
    "Classifier",
    "EmbeddingClassifier",
    "EnsembleClassifier",
    "ModelNotFoundError",
    "OnnxClassifier",
    "StudentClassifier",
    "classifier_class",
    "classifier_types",
    "default_model_path",
    "join_context",
    "load_classifier",
    "load_model",
    "model_path",
    "packaged_models",
    "resolve_model",
]


def load_classifier(path: str | Path, **kwargs: Any) -> Classifier:
    """Load any saved clausetag classifier: reads ``clausetag.json`` in ``path`` and dispatches on its
    ``type``. Runtime options (``device``, ``quantize``, ``batch_size``) pass through; each class uses
    the ones that apply to it."""
    card = read_card(path)
    type_name: Any = card.get("type")
    try:
        cls = classifier_class(type_name)
    except ValueError as exc:
        raise ValueError(f"{Path(path) / CARD_NAME}: 'type': {exc}") from None
    return cls.from_pretrained(path, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "Classifier":
        from clausetag.classifiers.base import Classifier

        return Classifier
    if name in _LOADING:
        return getattr(importlib.import_module("clausetag.classifiers.loading"), name)
    if name in _BY_CLASS:
        return classifier_class(_BY_CLASS[name])
    raise AttributeError(f"module 'clausetag.classifiers' has no attribute {name!r}")
