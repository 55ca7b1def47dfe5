"""The model card ``clausetag.json``: every saved classifier directory has one (``{"type": ..., "labels":
[...], "params": {...}, ...}``), and :func:`clausetag.classifiers.load_classifier` dispatches on its
``type``. Reading and writing it needs no scikit-learn, torch or numpy import, so a model directory can
be checked (the CLI does so before any work) without loading a model library.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

__all__ = ["CARD_NAME", "read_card", "training_documents", "write_card"]

CARD_NAME = "clausetag.json"
#: model types whose saved directory is a transformers checkpoint (torch to run, ONNX export possible)
TRANSFORMER_TYPES = frozenset({"bert", "student"})


def read_card(path: str | Path) -> dict[str, Any]:
    """Read ``clausetag.json`` from a model directory, with a clear error when it is missing."""
    card = Path(path) / CARD_NAME
    if not card.is_file():
        raise FileNotFoundError(f"{path} is not a clausetag model directory: {CARD_NAME} not found in it")
    with card.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def write_card(path: str | Path, card: dict[str, Any]) -> Path:
    """Write ``clausetag.json`` (UTF-8, readable) into a model directory."""
    out = Path(path) / CARD_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(card, ensure_ascii=False, indent=2, default=_jsonable) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def training_documents(path: str | Path) -> set[str] | None:
    """The ``doc_id`` of every document a saved model was trained on, from its card
    (``metrics.train_data.doc_ids``; for a card with ``members`` (an ensemble), the union over its member
    directories), or
    ``None`` when the card (or a member's) does not list them (a model saved by an older clausetag)."""
    card = read_card(path)
    if card.get("members"):
        docs: set[str] = set()
        for member in card.get("members", []):
            found = training_documents(Path(path) / member["dir"])
            if found is None:
                return None
            docs |= found
        return docs
    ids = (card.get("metrics") or {}).get("train_data", {}).get("doc_ids")
    return None if ids is None else {str(d) for d in ids}


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist") and hasattr(obj, "dtype"):  # numpy scalars and arrays
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
