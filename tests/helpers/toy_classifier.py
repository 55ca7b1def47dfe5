"""A third-party classifier type for the entry-point tests: a character-frequency nearest-centroid
classifier, written the way docs/models.md ("Adding your own classifier") asks (a
:class:`~clausetag.classifiers.base.Classifier` subclass; constructor = config keys; a JSON card)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clausetag.classifiers.base import Classifier, ParamError, check_inputs, softmax
from clausetag.classifiers.card import read_card, write_card

GROUP = "clausetag.classifiers"
ENTRY_POINT = "toy = toy_classifier:CentroidClassifier"


class CentroidClassifier(Classifier):
    """Softmax of ``-distance / temperature`` to each label's mean character-count vector."""

    type_name = "toy"

    def __init__(self, labels: Sequence[str] | None = None, *, temperature: float = 1.0, seed: int = 0) -> None:
        self.labels = labels
        self.temperature = temperature
        self.seed = seed

    @classmethod
    def validate_params(cls, params: dict[str, Any], *, check_files: bool = True) -> dict[str, Any]:
        out = super().validate_params(params, check_files=check_files)
        if not isinstance(out.get("temperature", 1.0), (int, float)) or out.get("temperature", 1.0) <= 0:
            raise ParamError("params.temperature", f"expected a positive number, got {out['temperature']!r}")
        return out

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64))
        for i, text in enumerate(texts):
            for ch in text:
                out[i, ord(ch) % 64] += 1
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1)

    def fit(self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
            ) -> CentroidClassifier:
        self._start_fit(texts, labels, contexts)
        X, ys = self._vectors(texts), np.array(labels, dtype=object)
        # a label never seen in training sits far away (probability ~0)
        self.centroids_ = np.array([X[ys == c].mean(axis=0) if (ys == c).any() else np.full(64, 1e3)
                                    for c in self.classes_])
        return self

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        self._require_fitted()
        check_inputs(texts, contexts)
        if len(texts) == 0:
            return np.zeros((0, len(self.classes_)))
        dist = np.linalg.norm(self._vectors(texts)[:, None, :] - self.centroids_[None], axis=2)
        return softmax(-dist / self.temperature)

    def save_pretrained(self, path: str | Path) -> Path:
        self._require_fitted()
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        (out / "centroids.json").write_text(json.dumps(self.centroids_.tolist()),
                                            encoding="utf-8")
        write_card(out, self._card_base())
        return out

    @classmethod
    def from_pretrained(cls, path: str | Path, **kwargs: Any) -> CentroidClassifier:
        card = read_card(path)
        model = cls(**cls._params_from_card(card, path))
        model.centroids_ = np.array(json.loads((Path(path) / "centroids.json").read_text(encoding="utf-8")))
        model.classes_ = np.array(card["labels"], dtype=object)
        model.metrics_ = card.get("metrics", {})
        return model


def register(monkeypatch: Any) -> None:
    """Make ``toy`` a registered type: this folder on ``sys.path`` and an entry point added to what
    ``importlib.metadata.entry_points(group="clausetag.classifiers")`` returns."""
    import importlib.metadata

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent))
    real = importlib.metadata.entry_points
    name, value = (s.strip() for s in ENTRY_POINT.split("="))
    toy = importlib.metadata.EntryPoint(name=name, value=value, group=GROUP)

    def entry_points(**params: Any) -> Any:
        found = real(**params)
        if params.get("group") == GROUP:
            return importlib.metadata.EntryPoints([*found, toy])
        return found

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
