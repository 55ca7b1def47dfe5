"""The one classifier surface shared by every clause classifier.

A classifier maps clause texts (plus, optionally, a *context* string: the clause's heading path joined
with ``" > "``) to one of the schema's measure-type labels. Every implementation

* keeps the full, ordered label list it was built with (``labels``), so ``predict_proba`` always has one
  column per schema label, including labels never seen in training;
* saves itself to a directory with a ``clausetag.json`` card (``{"type": ..., "labels": [...], ...}``)
  that :func:`clausetag.classifiers.load_classifier` dispatches on.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np

CARD_NAME = "clausetag.json"
CONTEXT_SEPARATOR = " > "


@dataclass(frozen=True)
class Prediction:
    """One predicted label and its probability."""

    label: str
    prob: float


def join_context(heading_path: Sequence[str] | str | None) -> str:
    """Turn a heading path (outermost first) into the context string the classifiers take."""
    if heading_path is None:
        return ""
    if isinstance(heading_path, str):
        return heading_path
    return CONTEXT_SEPARATOR.join(h.strip() for h in heading_path if h and h.strip())


def default_labels() -> list[str]:
    """The label codes of the packaged schema, in schema order."""
    from clausetag.schema import load_schema

    return list(load_schema().codes)


def resolve_labels(labels: Sequence[str] | None) -> list[str]:
    """Validate an explicit label list, or fall back to the packaged schema."""
    out = list(labels) if labels is not None else default_labels()
    if not out:
        raise ValueError("the label list is empty")
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate labels in {out}")
    return out


def read_card(path: str | Path) -> dict[str, Any]:
    """Read ``clausetag.json`` from a model directory, with a clear error when it is missing."""
    card = Path(path) / CARD_NAME
    if not card.is_file():
        raise FileNotFoundError(f"{path} is not a clausetag model directory: {CARD_NAME} not found in it")
    with card.open(encoding="utf-8") as fh:
        return json.load(fh)


def write_card(path: str | Path, card: dict[str, Any]) -> Path:
    """Write ``clausetag.json`` (UTF-8, readable) into a model directory."""
    out = Path(path) / CARD_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(card, ensure_ascii=False, indent=2, default=_jsonable) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def check_inputs(texts: Sequence[str], contexts: Sequence[str] | None) -> list[str] | None:
    """Validate ``texts``/``contexts`` lengths; return contexts as a list (or None)."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not a single string")
    if contexts is None:
        return None
    contexts = [join_context(c) for c in contexts]
    if len(contexts) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(contexts)} contexts")
    return contexts


class Classifier(ABC):
    """Abstract clause classifier: ``fit``, ``predict``, ``predict_proba``, ``save_pretrained``,
    ``from_pretrained``."""

    #: the ``type`` written to ``clausetag.json``
    type_name: ClassVar[str] = ""

    labels: list[str]
    metrics: dict[str, Any]

    @abstractmethod
    def fit(
        self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
    ) -> "Classifier":
        """Train on clause texts and their gold label codes; returns ``self``."""

    @abstractmethod
    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """Probabilities, shape ``(len(texts), len(self.labels))``, columns in ``self.labels`` order."""

    def predict(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> list[Prediction]:
        """The most probable label of every text, with its probability."""
        proba = self.predict_proba(texts, contexts)
        if len(proba) == 0:
            return []
        best = proba.argmax(axis=1)
        return [Prediction(self.labels[int(j)], float(proba[i, j])) for i, j in enumerate(best)]

    @abstractmethod
    def save_pretrained(self, path: str | Path) -> Path:
        """Write the model directory (weights, ``clausetag.json``); returns the directory."""

    @classmethod
    @abstractmethod
    def from_pretrained(cls, path: str | Path, **kwargs: Any) -> "Classifier":
        """Load a directory written by :meth:`save_pretrained`."""

    def _check_labels(self, labels: Sequence[str]) -> None:
        unknown = sorted(set(labels) - set(self.labels))
        if unknown:
            raise ValueError(f"labels not in the schema: {unknown}; known: {self.labels}")
