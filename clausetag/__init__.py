"""clausetag: clause splitting, measure-type tagging and quantity extraction for Chinese policy documents.

Light parts (splitting, quantities, labels) import eagerly-cheap modules; anything that needs torch or
transformers is imported lazily on first attribute access.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "split": ("clausetag.segment.splitter", "split"),
    "Clause": ("clausetag.segment.splitter", "Clause"),
    "Splitter": ("clausetag.segment.splitter", "Splitter"),
    "read_text": ("clausetag.segment.text", "read_text"),
    "decode_bytes": ("clausetag.segment.text", "decode_bytes"),
    "extract_quantities": ("clausetag.quantities.extract", "extract_quantities"),
    "extract_times": ("clausetag.quantities.extract", "extract_times"),
    "Quantity": ("clausetag.quantities.extract", "Quantity"),
    "load_schema": ("clausetag.io.schema", "load_schema"),
    "load_seed": ("clausetag.harness.data", "load_seed"),
    "DocResult": ("clausetag.tagging.pipeline", "DocResult"),
    "Tagger": ("clausetag.tagging.pipeline", "Tagger"),
    "select": ("clausetag.harness.active", "select"),
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'clausetag' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
