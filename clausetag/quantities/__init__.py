"""Quantities: number parsing (:mod:`~clausetag.quantities.numbers`), the extractor
(:mod:`~clausetag.quantities.extract`), what each target measures (:mod:`~clausetag.quantities.indicators`)
and exact-match scoring against gold (:mod:`~clausetag.quantities.evaluate`,
``python -m clausetag.quantities.evaluate``).

The extractor's public names are re-exported here lazily: ``from clausetag.quantities import
extract_quantities`` works as before the package was split.
"""
from __future__ import annotations

import importlib
from typing import Any

_LAZY = dict.fromkeys(("Quantity", "TimeExpr", "extract_quantities", "extract_times", "load_lexicons"), "clausetag.quantities.extract")

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'clausetag.quantities' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
