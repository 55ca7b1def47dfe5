"""A probability ensemble of clause classifiers (soft voting with weights), e.g. the fine-tuned
transformer and the character n-gram baseline, whose errors differ.

Saved as a directory with one sub-directory per member and a ``clausetag.json`` listing the members and
their weights; members load through :func:`clausetag.classifiers.load_classifier`, so an ensemble of an
ONNX transformer and a scikit-learn baseline needs no torch.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clausetag.classifiers.base import Classifier, ParamError, check_inputs
from clausetag.classifiers.card import read_card, write_card


def combine(probas: Sequence[np.ndarray], weights: Sequence[float] | None) -> np.ndarray:
    """Weighted mean of probability matrices with the same columns (weights are normalised)."""
    if not probas:
        raise ValueError("an ensemble needs at least one member")
    w = np.ones(len(probas)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(w) != len(probas) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights {list(w)} do not fit {len(probas)} members (non-negative, not all zero)")
    w = w / w.sum()
    out = np.zeros_like(np.asarray(probas[0], dtype=np.float64))
    for wi, p in zip(w, probas):
        out += wi * np.asarray(p, dtype=np.float64)
    return out


class EnsembleClassifier(Classifier):
    """Soft-voting ensemble: the weighted mean of the members' ``predict_proba``.

    The constructor takes the keys of a run config's ``params`` (``members``, ``weights``); the harness
    turns the member *names* of a config into ``(name, classifier)`` pairs (:attr:`member_params`) and,
    when evaluating, combines the members' held-out probabilities (:meth:`combine_held_out`) instead of
    training anything again::

        - name: ens
          type: ensemble
          params: {members: [bert-e5, baseline-char], weights: [0.7, 0.3]}

    Args:
        members: ``[(name, classifier), ...]`` (cloned and fitted by :meth:`fit`; used as they are when
            already fitted, as :meth:`from_members` and :meth:`from_pretrained` do).
        weights: one non-negative weight per member (default: equal).
        labels: label codes (default: the packaged schema); every member must use the same.

    Fitted attributes: ``classes_``, ``members_`` (the fitted members), ``metrics_``.
    """

    type_name = "ensemble"
    member_params = ("members",)

    def __init__(self, members: Sequence[tuple[str, Classifier]] = (), weights: Sequence[float] | None = None,
                 labels: Sequence[str] | None = None) -> None:
        self.members = members
        self.weights = weights
        self.labels = labels

    @classmethod
    def validate_params(cls, params: dict[str, Any], *, check_files: bool = True) -> dict[str, Any]:
        out = super().validate_params(params, check_files=check_files)
        members = out.get("members")
        if not isinstance(members, list) or len(members) < 2 or not all(isinstance(m, str) for m in members):
            raise ParamError("params.members", f"expected a list of at least two model names, got {members!r}")
        weights = out.get("weights")
        if weights is not None and (not isinstance(weights, list) or len(weights) != len(members)
                                    or not all(isinstance(w, (int, float)) and w >= 0 for w in weights)):
            raise ParamError("params.weights", f"expected {len(members)} non-negative numbers, got {weights!r}")
        return out

    @classmethod
    def combine_held_out(cls, params: dict[str, Any], probas: Sequence[np.ndarray]) -> np.ndarray:
        return combine(probas, params.get("weights"))

    @classmethod
    def from_members(cls, members: Sequence[tuple[str, Classifier]], weights: Sequence[float] | None = None
                     ) -> EnsembleClassifier:
        """An ensemble of members that are already fitted (e.g. an exported ONNX transformer and a
        baseline), which must share their ``classes_``."""
        if not members:
            raise ValueError("an ensemble needs at least one member")
        classes = list(members[0][1].classes_)
        for name, est in members:
            if list(est.classes_) != classes:
                raise ValueError(f"member {name!r} has labels {list(est.classes_)}, expected {classes}")
        model = cls(members=list(members), weights=None if weights is None else list(weights), labels=classes)
        model.members_ = list(members)
        model.classes_ = np.array(classes, dtype=object)
        model.metrics_ = {}
        return model

    def fit(self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
            ) -> EnsembleClassifier:
        from sklearn.base import clone

        ctx = self._start_fit(texts, labels, contexts)
        if not self.members:
            raise ValueError("an ensemble needs at least one member")
        self.members_ = [(name, clone(est).set_params(labels=list(self.classes_)).fit(texts, labels, ctx))
                         for name, est in self.members]
        return self

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        self._require_fitted()
        ctx = check_inputs(texts, contexts)
        probas = []
        for name, est in self.members_:
            if list(est.classes_) != list(self.classes_):
                raise ValueError(f"ensemble member {name!r} has labels {list(est.classes_)}, "
                                 f"expected {list(self.classes_)}")
            probas.append(est.predict_proba(texts, ctx))
        return combine(probas, self.weights)

    def save_pretrained(self, path: str | Path) -> Path:
        """One sub-directory per member; the card lists them (``members``: name, directory, type) and
        keeps the config form of the parameters (``params``: member names and weights)."""
        self._require_fitted()
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        members = []
        for name, est in self.members_:
            est.save_pretrained(out / name)
            members.append({"name": name, "dir": name, "type": est.type_name})
        params = {"members": [name for name, _ in self.members_],
                  "weights": None if self.weights is None else list(self.weights)}
        write_card(out, {"type": self.type_name, "labels": self.labels_, "members": members, "params": params,
                         "metrics": getattr(self, "metrics_", {})})
        return out

    @classmethod
    def from_pretrained(cls, path: str | Path, **kwargs: Any) -> EnsembleClassifier:
        """Load every member (runtime options such as ``batch_size`` pass through to them). Cards written
        before the parameters took the config form (``params: {weights}`` only) load the same way: the
        members always come from the card's ``members`` list."""
        from clausetag.classifiers import load_classifier

        card = read_card(path)
        if card.get("type") != cls.type_name:
            raise ValueError(f"{path}: clausetag.json type is {card.get('type')!r}, not 'ensemble'")
        members = [(m["name"], load_classifier(Path(path) / m["dir"], **kwargs)) for m in card["members"]]
        model = cls(members=members, weights=card.get("params", {}).get("weights"), labels=card["labels"])
        model.members_ = members
        model.classes_ = np.array(card["labels"], dtype=object)
        model.metrics_ = card.get("metrics", {})
        return model
