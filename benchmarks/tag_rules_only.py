"""``clausetag`` command line with the quantity rules alone (``extract_quantities(learned=False)``), to time the
learned re-rankers end to end (there is no command-line switch for it):

    python benchmarks/tag_rules_only.py tag DIR -o OUT.jsonl --model baseline --no-progress --jobs 1

Only ``--jobs 1`` (the in-process path) is patched; worker processes would import the default again.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import clausetag.tagging.pipeline as pipeline
from clausetag.cli import main
from clausetag.quantities.extract import extract_quantities

pipeline.extract_quantities = functools.partial(extract_quantities, learned=False)  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(main())
