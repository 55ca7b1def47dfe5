"""The public API (issue 14.2, 14.1): one public name per thing, and no torch on the light paths.

* Every submodule of ``clausetag`` is imported first (as scripts, tests and workers do), and only then
  is every public name of ``clausetag`` called: a submodule named like a public function would replace
  the function by the module (``'module' object is not callable``).
* ``import clausetag``, splitting, extraction and tagging with the shipped scikit-learn model run in a
  fresh interpreter without importing torch or transformers.
"""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import clausetag

ROOT = Path(__file__).resolve().parents[1]
TEXT = "一、总体要求\n设立专项资金，最高给予50万元奖励。加强人才培养和引进。"


def _all_submodules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(clausetag.__path__, prefix="clausetag."):
        if info.name.rsplit(".", 1)[-1] == "__main__":  # running it is the CLI
            continue
        names.append(info.name)
    return sorted(names)


def _read_text(tmp_path: Path) -> Any:
    path = tmp_path / "d.txt"
    path.write_bytes(TEXT.encode("gb18030"))
    return clausetag.read_text(path)


#: one call per public name; a new public name must get an entry (test_every_public_name_is_called)
CALLS: dict[str, Callable[[Path], Any]] = {
    "split": lambda tmp: clausetag.split(TEXT, doc_id="d"),
    "Splitter": lambda tmp: clausetag.Splitter().split(TEXT),
    "Clause": lambda tmp: clausetag.Clause,
    "extract_quantities": lambda tmp: clausetag.extract_quantities(TEXT),
    "extract_times": lambda tmp: clausetag.extract_times("到2027年，培育企业500家"),
    "Quantity": lambda tmp: clausetag.Quantity,
    "decode_bytes": lambda tmp: clausetag.decode_bytes(TEXT.encode("utf-8")),
    "read_text": _read_text,
    "load_schema": lambda tmp: clausetag.load_schema(),
    "load_seed": lambda tmp: clausetag.load_seed(),
    "Tagger": lambda tmp: clausetag.Tagger()(TEXT, doc_id="d").records,
    "DocResult": lambda tmp: [r.doc_id for r in clausetag.Tagger()(TEXT, doc_id="d")] if isinstance(
        clausetag.Tagger()(TEXT), clausetag.DocResult) else None,
    "select": lambda tmp: clausetag.select([clausetag.harness.active.CorpusDoc("c1", "关于支持人才发展的通知", TEXT * 4)],
                                           n=1, min_clauses=None, progress=False),
}


@pytest.fixture(scope="module")
def all_imported() -> list[str]:
    names = _all_submodules()
    for name in names:
        importlib.import_module(name)
    return names


def test_walk_finds_the_package(all_imported: list[str]) -> None:
    assert {"clausetag.cli", "clausetag.tagging.pipeline", "clausetag.io.schema", "clausetag.harness.validation"} <= set(all_imported)


def test_every_public_name_is_called() -> None:
    public = set(clausetag.__all__) - {"__version__"}
    assert public == set(CALLS), "add a call for each new public name to CALLS"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_public_name_callable_after_importing_every_submodule(
    all_imported: list[str], name: str, tmp_path: Path
) -> None:
    obj = getattr(clausetag, name)
    assert callable(obj), f"clausetag.{name} is {type(obj).__name__}, not callable (shadowed by a module?)"
    result = CALLS[name](tmp_path)
    assert result is not None and (not hasattr(result, "__len__") or len(result) > 0)


def test_unknown_attribute_raises() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        clausetag.no_such_thing  # noqa: B018


@pytest.mark.slow
def test_light_paths_never_import_torch(baseline_default_model: None) -> None:
    """Fresh interpreter: import, split, extract, tag with the shipped default model, the CLI parser."""
    code = textwrap.dedent(f"""
        import sys
        import clausetag
        from clausetag.cli import build_parser
        build_parser()
        import clausetag.classifiers
        from clausetag.tagging.pipeline import Tagger
        from clausetag.classifiers.loading import resolve_model
        resolve_model("default")  # a model directory is checked without loading a model library
        Tagger()
        heavy = sorted(m for m in ("sklearn", "pandas", "datasets", "scipy") if m in sys.modules)
        assert not heavy, ("clausetag --help / a model check imports", heavy)
        assert clausetag.split({TEXT!r})
        assert clausetag.extract_quantities({TEXT!r})
        records = clausetag.Tagger()({TEXT!r}, doc_id="d").records
        assert len(records) == 3
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers"))
        assert not bad, bad
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


@pytest.fixture
def baseline_default_model() -> None:
    card = (ROOT / "clausetag" / "resources" / "models" / "default" / "clausetag.json").read_text(encoding="utf-8")
    if '"baseline"' not in card:
        pytest.skip("the shipped default model is not the scikit-learn baseline")
