"""Clause classifiers behind one surface (see :mod:`clausetag.classifiers.base`).

* :class:`~clausetag.classifiers.baseline.BaselineClassifier` – scikit-learn TF-IDF + logistic regression.
* :class:`~clausetag.classifiers.bert.BertClassifier` – ``transformers`` sequence classification.
* :mod:`~clausetag.classifiers.vocab` – the offline character vocabulary and BERT size presets.

Importing this package is cheap: torch and transformers load only when a BERT model is built or loaded.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from clausetag.classifiers.base import CARD_NAME, Classifier, Prediction, join_context, read_card

#: ``clausetag.json`` ``type`` → (module, class)
REGISTRY: dict[str, tuple[str, str]] = {
    "baseline": ("clausetag.classifiers.baseline", "BaselineClassifier"),
    "bert": ("clausetag.classifiers.bert", "BertClassifier"),
}

__all__ = [
    "CARD_NAME",
    "Classifier",
    "Prediction",
    "REGISTRY",
    "BaselineClassifier",
    "BertClassifier",
    "classifier_class",
    "join_context",
    "load_classifier",
]


def classifier_class(type_name: str) -> type[Classifier]:
    """The classifier class registered under ``type_name`` (``"baseline"`` or ``"bert"``)."""
    try:
        module, attr = REGISTRY[type_name]
    except KeyError:
        raise ValueError(f"unknown classifier type {type_name!r}; known: {sorted(REGISTRY)}") from None
    return getattr(importlib.import_module(module), attr)


def load_classifier(path: str | Path, **kwargs: Any) -> Classifier:
    """Load any saved clausetag classifier: reads ``clausetag.json`` in ``path`` and dispatches on its
    ``type``. Extra keyword arguments (e.g. ``device="cuda"``, ``quantize=True`` for BERT) pass through."""
    card = read_card(path)
    type_name = card.get("type")
    if type_name not in REGISTRY:
        raise ValueError(
            f"{Path(path) / CARD_NAME}: 'type' is {type_name!r}, expected one of {sorted(REGISTRY)}"
        )
    return classifier_class(type_name).from_pretrained(path, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "BaselineClassifier":
        return classifier_class("baseline")
    if name == "BertClassifier":
        return classifier_class("bert")
    raise AttributeError(f"module 'clausetag.classifiers' has no attribute {name!r}")
