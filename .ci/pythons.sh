#!/usr/bin/env bash
# Python 3.10 and 3.13 (issue 25.5): for each interpreter, a fresh venv with the BASE install
# (`pip install .`: no torch, no extras) plus pytest, then the tests of the base install's light paths
# (splitting, rule sets, pattern analysis, quantities, readers, records and writers, base-install
# tagging, the import graph) and a tagging run over the seed documents with the shipped default model.
# The full suite runs once, on the main interpreter, in .ci/run.
# Usage: bash .ci/pythons.sh [VERSION ...]   (default: 3.10 and 3.13 from pyenv, else python3.X on PATH)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false PIP_DISABLE_PIP_VERSION_CHECK=1

# the fast tests that need no extra: a real subset, every test in these files runs (none is deselected)
BASE_TESTS=(
    tests/test_split.py tests/test_split_scan.py tests/test_rulesets.py tests/test_text.py tests/test_patterns.py
    tests/test_quantities.py tests/test_quantities_sample.py tests/test_indicators.py
    tests/test_readers.py tests/test_pdflayout.py tests/test_records.py tests/test_writers.py tests/test_targets.py
    tests/test_import_graph.py tests/test_sklearn_compat.py tests/test_tagging_api.py
)

find_python() {  # $1 = 3.10: pyenv's newest 3.10.x, else python3.10 on PATH
    local v="$1" root="${PYENV_ROOT:-$HOME/.pyenv}/versions" best
    best="$(ls -d "$root/$v".* 2>/dev/null | sort -V | tail -1 || true)"
    if [ -n "$best" ] && [ -x "$best/bin/python" ]; then echo "$best/bin/python"; return; fi
    command -v "python$v" || { echo "pythons: FAIL: no Python $v (pyenv or python$v on PATH)" >&2; exit 1; }
}

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(3.10 3.13)
for v in "${versions[@]}"; do
    start=$SECONDS
    py="$(find_python "$v")"
    venv="$work/venv-$v"
    "$py" -m venv "$venv"
    "$venv/bin/pip" install -q "$repo" pytest hypothesis
    "$venv/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is not None)" \
        || { echo "pythons: FAIL: torch is installed by the base install on $v" >&2; exit 1; }
    # the installed package, not the checkout: the pytest script (unlike `python -m pytest`) does not put
    # the current folder on sys.path, so `import clausetag` finds the venv's copy
    (cd "$repo" && "$venv/bin/pytest" -q -p no:cacheprovider "${BASE_TESTS[@]}" | tail -3; exit "${PIPESTATUS[0]}")
    (cd "$work" && "$venv/bin/python" -c "import clausetag, sys; assert '$venv' in clausetag.__file__, clausetag.__file__")
    (cd "$work" && "$venv/bin/clausetag" tag "$repo/labels/seed" -o "$work/out-$v/" --no-progress)
    n=$(wc -l < "$work/out-$v/clauses.jsonl")
    [ "$n" -gt 0 ] || { echo "pythons: FAIL: no clauses tagged on $v" >&2; exit 1; }
    echo "pythons: OK: $("$venv/bin/python" -V): base install, ${#BASE_TESTS[@]} test files, $n clauses tagged, $((SECONDS - start)) s"
done
