"""``clausetag`` command line with the quantity rules alone (``extract_quantities(learned=False)``), to time the
learned re-rankers end to end (there is no command-line switch for it):

    python benchmarks/tag_rules_only.py tag DIR -o OUT.jsonl --model baseline --no-progress --jobs 1

With ``QTY_VARIANT=no-reader`` in the environment: the rules and the linear re-rankers without the transformer
reader (``extract_quantities(reader=False)``), to time the reader.

Only ``--jobs 1`` (the in-process path) is patched; worker processes would import the default again.
"""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import clausetag.tagging.pipeline as pipeline
from clausetag.cli import main
from clausetag.quantities.extract import extract_quantities

_VARIANTS = {"rules": {"learned": False}, "no-reader": {"reader": False}}
pipeline.extract_quantities = functools.partial(  # type: ignore[assignment]
    extract_quantities, **_VARIANTS[os.environ.get("QTY_VARIANT", "rules")])

if __name__ == "__main__":
    sys.exit(main())
