#!/usr/bin/env bash
# Docs check (issue 25): install the docs extra's packages and build the Sphinx site with warnings as errors, so a
# broken cross-reference, include, docstring or CLI help text fails CI. The HTML goes to a temporary
# folder (a fresh build every time; nothing cached from an earlier run).
# Usage: bash .ci/docs.sh   (from anywhere; prints the build time)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# the docs extra's packages (pyproject.toml), without reinstalling clausetag itself: the build documents this
# checkout (docs/conf.py puts it first on sys.path), and an editable install elsewhere stays as it is
python - <<'PY' > "$out/docs-requirements.txt"
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["docs"]))
PY
python -m pip install -q -r "$out/docs-requirements.txt"
start=$(date +%s)
python -m sphinx -W --keep-going -q -b html -d "$out/doctrees" docs "$out/html"
echo "docs: built warning-free in $(( $(date +%s) - start )) s"
