"""Model lookup: a model name or directory → the directory of a saved model → a loaded classifier.

Names are the models shipped in the package (``clausetag/resources/models/models.json``, e.g.
``"default"``, ``"baseline"``); ``"default"`` honours ``$CLAUSETAG_MODEL``. :func:`resolve_model` is the
one place a name is checked: callers resolve once, then pass the resulting :class:`~pathlib.Path` (or
fitted classifier) to :func:`load_model` and to provenance.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from clausetag.classifiers import load_classifier
from clausetag.classifiers.card import CARD_NAME

__all__ = [
    "MODEL_ENV",
    "ModelNotFoundError",
    "default_model_path",
    "load_model",
    "model_path",
    "packaged_models",
    "resolve_model",
]

MODEL_ENV = "CLAUSETAG_MODEL"
_MODELS_ROOT = Path(__file__).resolve().parents[1] / "resources" / "models"


class ModelNotFoundError(FileNotFoundError):
    """No model at the default (or ``CLAUSETAG_MODEL``) location."""


def default_model_path() -> Path:
    """Where the default model lives: ``$CLAUSETAG_MODEL`` if set, else the copy shipped inside the
    package (``clausetag/resources/models/default/``)."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env).expanduser()
    return _MODELS_ROOT / "default"


def packaged_models() -> dict[str, Path]:
    """Names of the models shipped in the package (``clausetag/resources/models/models.json``) and
    their directories, e.g. ``{"default": …, "baseline": …}``; ``default`` honours ``$CLAUSETAG_MODEL``."""
    index = _MODELS_ROOT / "models.json"
    names: dict[str, str] = json.loads(index.read_text(encoding="utf-8")) if index.is_file() else {}
    out = {name: _MODELS_ROOT / rel for name, rel in names.items()}
    out["default"] = default_model_path()
    return out


def model_path(model: str | os.PathLike[str]) -> Path:
    """The directory a model name (``"default"``, ``"baseline"``, … see :func:`packaged_models`) or a
    path stands for (not checked)."""
    named = packaged_models()
    return named[str(model)] if str(model) in named else Path(model).expanduser()


def resolve_model(model: Any = "default") -> Any:
    """Check ``model`` without loading it: a packaged name or a model directory becomes the directory's
    :class:`~pathlib.Path` (raising :class:`ModelNotFoundError` when there is no model there); a fitted
    classifier object is returned as is."""
    if not isinstance(model, (str, os.PathLike)):
        if not callable(getattr(model, "predict_proba", None)) or not hasattr(model, "classes_"):
            raise TypeError("model must be 'default', a path or a fitted classifier with predict_proba() "
                            f"and classes_; got {model!r}")
        return model
    path = model_path(model)
    if (path / CARD_NAME).is_file():
        return path
    if str(model) == "default":
        where = f"${MODEL_ENV}" if os.environ.get(MODEL_ENV) else "the package"
        raise ModelNotFoundError(
            f"no default model found at {path} (from {where}). Train one, e.g.\n"
            f"  clausetag train --config training/configs/seed_lodo.yaml -o my-model\n"
            f"(see `clausetag train --help`), then pass it with --model my-model "
            f"(Python: Tagger(model='my-model')) or set {MODEL_ENV}=my-model."
        )
    raise ModelNotFoundError(
        f"{path} is not a clausetag model directory ({CARD_NAME} missing); give a packaged "
        f"model name ({', '.join(sorted(packaged_models()))}) or a directory made by `clausetag train`"
    )


def load_model(
    model: Any = "default",
    device: str = "cpu",
    quantize: bool = False,
    batch_size: int | None = None,
) -> Any:
    """Load ``model``: a directory already returned by :func:`resolve_model` (loaded without looking the
    name up again), a packaged name or model directory (resolved first), or a fitted classifier with
    ``predict_proba(texts, contexts)`` and ``classes_`` (returned as is). ``device``/``quantize``/
    ``batch_size`` go to the model class, which uses those that apply to it (``batch_size=None``: the
    model's own default, e.g. one clause per call for an int8 ONNX model)."""
    resolved = model if isinstance(model, Path) and (model / CARD_NAME).is_file() else resolve_model(model)
    if not isinstance(resolved, Path):
        return resolved

    return load_classifier(resolved, device=device, quantize=quantize, batch_size=batch_size)
