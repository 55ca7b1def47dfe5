"""The indicator rules' cue file, ``clausetag/lexicons/indicator_cues.yaml``, read once for every module that uses
it (:mod:`clausetag.quantities.indicators`, :mod:`clausetag.quantities.places`)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["load_indicator_cues"]


@lru_cache(maxsize=1)
def load_indicator_cues() -> dict[str, Any]:
    """Cue words from ``clausetag/lexicons/indicator_cues.yaml``."""
    import yaml

    with resources.files("clausetag.lexicons").joinpath("indicator_cues.yaml").open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)
