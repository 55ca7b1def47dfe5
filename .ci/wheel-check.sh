#!/usr/bin/env bash
# Wheel check (issue 14.1): build the wheel, install it WITHOUT extras into a fresh venv, tag the seed
# documents with the shipped default model from outside the checkout, and assert torch is absent.
# Usage: bash .ci/wheel-check.sh   (prints the venv size and the install time)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false

python -m pip wheel "$repo" --no-deps -q -w "$work/dist"
echo "wheel-check: wheel built in ${SECONDS} s"
python -m venv "$work/venv"
start=$(date +%s)
"$work/venv/bin/pip" install -q --no-compile "$work"/dist/clausetag-*.whl
echo "wheel-check: base install took $(( $(date +%s) - start )) s, venv $(du -sh "$work/venv" | cut -f1)"

cd "$work"   # outside the checkout: the installed package must find its rules, schema and model
"$work/venv/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is not None)" \
    || { echo "wheel-check: FAIL: torch is installed by the base install" >&2; exit 1; }
"$work/venv/bin/clausetag" tag "$repo/labels/seed" -o "$work/out/" --no-progress
n=$(wc -l < "$work/out/clauses.jsonl")
[ "$n" -gt 0 ] || { echo "wheel-check: FAIL: no clauses tagged" >&2; exit 1; }
for f in summary.csv summary.md mix.png; do
    [ -s "$work/out/$f" ] || { echo "wheel-check: FAIL: $f missing" >&2; exit 1; }
done
"$work/venv/bin/python" - <<'PY'
import sys
import clausetag
clauses = clausetag.split("一、总体要求\n加强组织领导。")
assert [c.text for c in clauses] == ["一、总体要求", "加强组织领导。"], clauses
assert clausetag.extract_quantities("最高可支持50万元")[0].value == 500000.0
assert "torch" not in sys.modules and "transformers" not in sys.modules
PY
echo "wheel-check: OK: $n clauses tagged without torch (${SECONDS} s in all)"
