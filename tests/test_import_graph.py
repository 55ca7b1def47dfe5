"""No import cycles between the modules of ``clausetag``.

Every module under ``clausetag/`` is parsed (never imported) and each ``import``/``from … import`` of a
``clausetag`` module becomes an edge, wherever it stands: at module level, inside a function, under
``if TYPE_CHECKING`` or in ``try``. A strongly connected component of more than one module is a cycle;
the test names its modules and one path around it. (Importing a package's submodule runs the
package's ``__init__`` first; that implicit edge is not counted, an explicit import is.)
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "clausetag"


def module_files(root: Path = PACKAGE) -> dict[str, Path]:
    """``clausetag.x.y`` → its file, for every module and package under ``root``."""
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ``clausetag`` modules that ``name`` (its source at ``path``) imports anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from pkg import sub` imports the submodule; `from mod import name` imports the module
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module for a in node.names]
        else:
            continue
        for target in targets:
            # `import clausetag.a.b` also names clausetag.a.b; keep the longest known module prefix
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def cycle_path(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One closed path through ``component``, starting and ending at its first module."""
    members = set(component)
    start = component[0]
    # breadth-first from start's successors back to start, inside the component
    frontier = [[start, nxt] for nxt in sorted(graph[start] & members)]
    seen = set()
    while frontier:
        path = frontier.pop(0)
        if path[-1] == start:
            return path
        if path[-1] in seen:
            continue
        seen.add(path[-1])
        frontier += [path + [nxt] for nxt in sorted(graph[path[-1]] & members)]
    return component


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    assert "clausetag.tagging.pipeline" in graph and "clausetag.segment.splitter" in graph
    assert "clausetag.segment.text" in graph["clausetag.segment.splitter"]  # a module-level import
    assert "clausetag.classifiers.loading" in graph["clausetag.tagging.pipeline"]


def test_cycle_finder_finds_and_names_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycle_path(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_function_level_imports_count(tmp_path: Path) -> None:
    pkg = tmp_path / "clausetag"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "a.py").write_text("from clausetag.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .a import x\n    return x\n")
    modules = module_files(pkg)
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert cycles(graph) == [["clausetag.sub.a", "clausetag.sub.b"]]


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = cycles(graph)
    if found:
        pytest.fail("import cycles in clausetag:\n" + "\n".join(
            "  " + " → ".join(cycle_path(graph, c)) + f"  (component: {', '.join(c)})" for c in found))


#: module paths of the flat layout before issue 25 (the package root now holds only sub-packages)
OLD_MODULES = ["splitter", "rulesets", "text", "quantities_eval", "numbers", "indicators", "readers", "writers", "records", "schema", "pdflayout", "pipeline", "batch", "parallel", "ray_engine", "runstate", "summary", "report", "provenance", "targets", "fonts", "train", "evaluate", "metrics", "data", "validation", "active", "labelstudio", "distill", "split_eval", "pretrain"]


def test_package_root_holds_only_subpackages() -> None:
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]


def test_no_stale_module_paths() -> None:
    """Code, docs, configs and tools name modules by their new paths (catches a merge that brings back
    ``clausetag.pipeline`` or ``clausetag/splitter.py``). Result logs of past runs and the changelog are history: not checked."""
    root = PACKAGE.parent
    stale = re.compile(r"\bclausetag[./](?:" + "|".join(OLD_MODULES) + r")\b(?![\w-])(?!\.(?:md|yaml|json|html)\b)")
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if (not path.is_file() or path.suffix not in {".py", ".md", ".yaml", ".yml", ".toml", ".sh", ".txt", ".cfg"}
                or rel.startswith((".git/", "benchmarks/results/", "training/results/", "build/", "tests/test_import_graph.py", "CHANGELOG.md"))
                or "egg-info" in rel or "/." in "/" + rel):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if stale.search(line):
                found.append(f"{rel}:{n}: {line.strip()[:100]}")
    assert not found, "old module paths:\n" + "\n".join(found[:30])
