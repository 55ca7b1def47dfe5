"""clausetag: clause splitting, measure-type tagging and quantity extraction for Chinese policy documents.

Light parts (splitting, quantities, labels) import eagerly-cheap modules; anything that needs torch or
transformers is imported lazily on first attribute access.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "split": ("clausetag.splitter", "split"),
    "Clause": ("clausetag.splitter", "Clause"),
    "Splitter": ("clausetag.splitter", "Splitter"),
    "read_text": ("clausetag.text", "read_text"),
    "decode_bytes": ("clausetag.text", "decode_bytes"),
    "extract_quantities": ("clausetag.quantities", "extract_quantities"),
    "extract_times": ("clausetag.quantities", "extract_times"),
    "Quantity": ("clausetag.quantities", "Quantity"),
    "load_schema": ("clausetag.schema", "load_schema"),
    "load_seed": ("clausetag.data", "load_seed"),
    "Tagger": ("clausetag.pipeline", "Tagger"),
    "select": ("clausetag.active", "select"),
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'clausetag' has no attribute {name!r}")
