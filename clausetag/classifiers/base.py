"""The one classifier surface shared by every clause classifier, in the scikit-learn manner.

A classifier maps clause texts (plus, optionally, a *context* string: the clause's heading path joined
with ``" > "``) to one of the schema's measure-type labels. Every implementation is a
:class:`sklearn.base.BaseEstimator`:

* the constructor stores its arguments unchanged (so ``get_params``/``set_params``/``clone`` work) and
  reads nothing from disk; the label list is resolved at ``fit`` time (``labels=None`` → the packaged
  schema) into ``classes_``, so ``predict_proba`` always has one column per schema label, including labels
  never seen in training;
* fitted state ends in ``_`` (``classes_``, ``metrics_``, …); ``predict`` returns label codes,
  ``predict_proba`` probabilities with columns in ``classes_`` order;
* it saves itself to a directory with a ``clausetag.json`` card (``{"type": ..., "labels": [...], ...}``)
  that :func:`clausetag.classifiers.load_classifier` dispatches on;
* its constructor takes exactly the keys of a run config's ``params`` (plus ``labels`` and, when it
  has one, ``seed``, which the harness sets); its class validates them (:meth:`Classifier.validate_params`)
  and says which of them name other models of the run (:attr:`Classifier.member_params`), so the harness
  builds every type with one ``cls(**params)`` and needs no per-type branches.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from clausetag.io.records import join_context


class ParamError(ValueError):
    """A constructor parameter in a run config is wrong; ``key`` names it (``params.<name>``)."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)


def default_labels() -> list[str]:
    """The label codes of the packaged schema, in schema order."""
    from clausetag.io.schema import load_schema

    return list(load_schema().codes)


def resolve_labels(labels: Sequence[str] | None) -> list[str]:
    """Validate an explicit label list, or fall back to the packaged schema."""
    out = list(labels) if labels is not None else default_labels()
    if not out:
        raise ValueError("the label list is empty")
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate labels in {out}")
    return out


def check_inputs(texts: Sequence[str], contexts: Sequence[str] | None) -> list[str] | None:
    """Validate ``texts``/``contexts`` lengths; return contexts as a list (or None)."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not a single string")
    if contexts is None:
        return None
    out = [join_context(c) for c in contexts]
    if len(out) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(out)} contexts")
    return out


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64."""
    z = np.asarray(logits, dtype=np.float64)
    if len(z) == 0:
        return z
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


class Classifier(ClassifierMixin, BaseEstimator):
    """Abstract clause classifier: ``fit``, ``predict``, ``predict_proba``, ``save_pretrained``,
    ``from_pretrained`` (see the module docstring for the contract)."""

    #: the ``type`` written to ``clausetag.json`` and used in run configs
    type_name: ClassVar[str] = ""
    #: False for inference-only classifiers (e.g. an exported ONNX model)
    trainable: ClassVar[bool] = True
    #: constructor parameters a run config may not set (the harness sets them)
    harness_params: ClassVar[frozenset[str]] = frozenset({"labels", "seed"})
    #: constructor parameters that name other models of the same run: a list of model names in a config
    #: (each listed before this model), ``[(name, unfitted classifier), ...]`` in the constructor (the
    #: harness builds them). A type with member parameters is evaluated by :meth:`combine_held_out`.
    member_params: ClassVar[tuple[str, ...]] = ()

    classes_: np.ndarray
    metrics_: dict[str, Any]

    # -- the surface ------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
            ) -> Classifier:
        """Train on clause texts and their gold label codes; returns ``self``."""
        raise NotImplementedError(f"{type(self).__name__} cannot be trained")

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """Probabilities, shape ``(len(texts), len(self.classes_))``, columns in ``classes_`` order."""
        raise NotImplementedError

    def predict(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """The most probable label code of every text (an array of ``str``)."""
        proba = self.predict_proba(texts, contexts)
        if len(proba) == 0:
            return np.array([], dtype=object)
        out: np.ndarray = self.classes_[proba.argmax(axis=1)]
        return out

    def save_pretrained(self, path: str | Path) -> Path:
        """Write the model directory (weights, ``clausetag.json``); returns the directory."""
        raise NotImplementedError

    @classmethod
    def from_pretrained(cls, path: str | Path, **kwargs: Any) -> Classifier:
        """Load a directory written by :meth:`save_pretrained`."""
        raise NotImplementedError

    # -- helpers shared by implementations --------------------------------------------------------
    @property
    def labels_(self) -> list[str]:
        """``classes_`` as a list of label codes."""
        self._require_fitted()
        return [str(c) for c in self.classes_]

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "classes_")

    def _require_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted; call fit() or from_pretrained() first")

    def _start_fit(self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None
                   ) -> list[str] | None:
        """Common checks at the start of ``fit``; sets ``classes_``. Returns the contexts as a list."""
        ctx = check_inputs(texts, contexts)
        if len(texts) != len(labels):
            raise ValueError(f"got {len(texts)} texts but {len(labels)} labels")
        if len(texts) == 0:
            raise ValueError("no training examples")
        classes = resolve_labels(getattr(self, "labels", None))
        unknown = sorted(set(labels) - set(classes))
        if unknown:
            raise ValueError(f"labels not in the schema: {unknown}; known: {classes}")
        self.classes_ = np.array(classes, dtype=object)
        self.metrics_ = {}
        return ctx

    def _card_base(self) -> dict[str, Any]:
        return {"type": self.type_name, "labels": self.labels_, "params": self.get_params(deep=False),
                "metrics": getattr(self, "metrics_", {})}

    @classmethod
    def _params_from_card(cls, card: dict[str, Any], path: str | Path) -> dict[str, Any]:
        if card.get("type") != cls.type_name:
            raise ValueError(f"{path}: clausetag.json type is {card.get('type')!r}, not {cls.type_name!r}")
        names = set(cls.param_names())
        params = {k: v for k, v in dict(card.get("params", {})).items() if k in names}
        params["labels"] = list(card["labels"])
        return params

    # -- run configs ------------------------------------------------------------------------------
    @classmethod
    def param_names(cls) -> list[str]:
        """The constructor's parameter names (scikit-learn's view of them)."""
        names: list[str] = cls._get_param_names()
        return names

    @classmethod
    def member_names(cls, params: Mapping[str, Any]) -> list[str]:
        """The names of the run's other models that a config's ``params`` refer to (:attr:`member_params`)."""
        return [str(m) for key in cls.member_params for m in (params.get(key) or [])]

    @classmethod
    def combine_held_out(cls, params: dict[str, Any], probas: Sequence[np.ndarray]) -> np.ndarray:
        """This model's held-out probabilities from its members' (in :meth:`member_names` order), without
        training: how the harness evaluates a type with :attr:`member_params`."""
        raise NotImplementedError(f"{cls.__name__} has member parameters {cls.member_params} but does not "
                                  "implement combine_held_out")

    @classmethod
    def validate_params(cls, params: dict[str, Any], *, check_files: bool = True) -> dict[str, Any]:
        """Check a run config's ``params`` for this class; returns them normalised. Raises
        :class:`ParamError` naming the offending key. ``check_files=False`` skips checks that need
        files on disk."""
        if not isinstance(params, dict):
            raise ParamError("params", f"expected a mapping, got {params!r}")
        names = set(cls.param_names())
        for key in params:
            if key in cls.harness_params:
                raise ParamError(f"params.{key}", f"set '{key}' at the top level of the config")
            if key not in names:
                raise ParamError(f"params.{key}",
                                 f"unknown parameter for {cls.type_name}; known: {sorted(names - cls.harness_params)}")
        return dict(params)
