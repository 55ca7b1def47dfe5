#!/usr/bin/env python3
"""Gold JSONL from skeletons and label tables with unit corrections: ``clausetag apply-units`` of this checkout.

Kept so that the commands written down before the step moved into the package still work; the logic is in
:mod:`clausetag.harness.units` (see its docstring for the table format and the heading rules).

    python labels/tools/apply_units.py --raw RAW_DIR --skeletons SKEL_DIR --labels LABEL_DIR --out OUT_DIR \
        [--source-is-doc-id]

is ``clausetag apply-units`` with the same options: each failed document is one line on stderr naming the
document and row; the exit status is 1 if a document failed, 2 if a folder is missing.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clausetag.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["apply-units", *sys.argv[1:]]))
