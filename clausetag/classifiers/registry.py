"""Classifier types by name: the built-in ones and any that an installed package registers in the
``clausetag.classifiers`` entry-point group.

The ``type`` of a run config's model and of a saved model's ``clausetag.json`` is looked up here. A
package adds its own type in its ``pyproject.toml``::

    [project.entry-points."clausetag.classifiers"]
    centroid = "my_package.centroid:CentroidClassifier"

The class must subclass :class:`clausetag.classifiers.base.Classifier` and set ``type_name`` to the
entry point's name (the name its saved cards carry); docs/models.md ("Adding your own classifier")
gives the whole contract. clausetag's own pyproject declares the built-in types the same way; they are
also known from :data:`BUILTIN`, so a source tree run without installing (no distribution metadata)
works, and the entry points are only read when a name is not a built-in one. A built-in name cannot
be taken over by another package (its entry point is ignored with a warning).
"""
from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clausetag.classifiers.base import Classifier

__all__ = ["BUILTIN", "GROUP", "classifier_class", "classifier_types"]

#: the entry-point group that registers classifier types
GROUP = "clausetag.classifiers"

#: the built-in types: ``type`` → (module, class); the same as clausetag's own entry points
BUILTIN: dict[str, tuple[str, str]] = {
    "baseline": ("clausetag.classifiers.baseline", "BaselineClassifier"),
    "bert": ("clausetag.classifiers.bert", "BertClassifier"),
    "onnx": ("clausetag.classifiers.onnx", "OnnxClassifier"),
    "embedding": ("clausetag.classifiers.embedding", "EmbeddingClassifier"),
    "ensemble": ("clausetag.classifiers.ensemble", "EnsembleClassifier"),
    "student": ("clausetag.classifiers.student", "StudentClassifier"),
}


def _registered() -> dict[str, tuple[str, str, str]]:
    """Types from the installed distributions' entry points: ``type`` → (module, class, where from)."""
    import importlib.metadata

    out: dict[str, tuple[str, str, str]] = {}
    for ep in importlib.metadata.entry_points(group=GROUP):
        dist = getattr(getattr(ep, "dist", None), "name", None) or "an installed package"
        where = f"entry point {ep.name} = {ep.value} ({dist})"
        module, _, attr = ep.value.partition(":")
        if ep.name in BUILTIN:
            if (module.strip(), attr.strip()) != BUILTIN[ep.name]:
                warnings.warn(f"ignoring {where}: {ep.name!r} is a built-in clausetag classifier type",
                              stacklevel=3)
            continue
        if ep.name in out and out[ep.name][2] != where:
            warnings.warn(f"classifier type {ep.name!r} is registered twice; using {out[ep.name][2]}, "
                          f"ignoring {where}", stacklevel=3)
            continue
        out[ep.name] = (module.strip(), attr.strip(), where)
    return out


def classifier_types() -> dict[str, tuple[str, str]]:
    """Every known type: ``type`` → (module, class), built-ins first, then the registered ones."""
    return {**BUILTIN, **{name: (module, attr) for name, (module, attr, _) in _registered().items()}}


def classifier_class(type_name: str) -> type[Classifier]:
    """The classifier class of ``type_name`` (imported on first use). An unknown name is a
    ``ValueError`` that lists the known types; a registered class that cannot be imported, is not a
    :class:`~clausetag.classifiers.base.Classifier` or has another ``type_name`` is an error naming its
    entry point."""
    from clausetag.classifiers.base import Classifier

    if not isinstance(type_name, str):
        raise ValueError(f"unknown classifier type {type_name!r}; known: {sorted(classifier_types())}")
    if type_name in BUILTIN:
        module, attr = BUILTIN[type_name]
        where = f"built-in type {type_name!r}"
    else:
        registered = _registered()
        if type_name not in registered:
            known = sorted({*BUILTIN, *registered})
            raise ValueError(f"unknown classifier type {type_name!r}; known: {known} (a package adds one "
                             f"through the {GROUP!r} entry points)")
        module, attr, where = registered[type_name]
    try:
        found: Any = importlib.import_module(module)
        for part in attr.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise ImportError(f"classifier type {type_name!r} ({where}) cannot be loaded: {exc}") from exc
    if not (isinstance(found, type) and issubclass(found, Classifier)):
        raise TypeError(f"classifier type {type_name!r} ({where}) is not a subclass of "
                        "clausetag.classifiers.base.Classifier")
    if found.type_name != type_name:
        raise ValueError(f"classifier type {type_name!r} ({where}): the class's type_name is "
                         f"{found.type_name!r}; it must equal the entry point's name")
    return found
