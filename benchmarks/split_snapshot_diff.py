"""Compare two splitter snapshots (``split_snapshot.py dump``) clause by clause, by input class.

Run:  python benchmarks/split_snapshot_diff.py BEFORE.jsonl AFTER.jsonl [--examples 3] [--cls 'default: corpus regulations'] [--corpus DIR]

Per class of input (rule set, then golden / seeds / labels folder / corpus file / oneline / random):
documents changed, new and removed spans (a changed span counts once as each), demoted and
promoted headings (same span, flag changed), heading-path and unit changes (same span and flag);
with ``--examples`` a few new spans of each class.
"""
from __future__ import annotations

import argparse
import json
import lzma
from collections import defaultdict
from pathlib import Path
from typing import Any


def _corpus_of(corpus: Path) -> dict[str, str]:
    """Document id -> corpus file stem (``policies``, ``regulations``)."""
    out = {}
    for f in sorted(corpus.glob("*.jsonl.xz")):
        with lzma.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                out[str(json.loads(line)["id"])] = f.name.split(".")[0]
    return out


def _cls(key: str, corpus_of: dict[str, str]) -> str:
    parts = key.split(":")
    if parts[0] == "golden":
        return "golden"
    rs, kind, rest = parts[0], parts[1], parts[2:]
    one = ""
    if kind == "oneline":
        one, kind, rest = "oneline ", parts[2], parts[3:]
    if kind.startswith("labels/"):
        return f"{rs}: {one}{'/'.join(kind.split('/')[:2])}"
    if kind == "corpus":
        return f"{rs}: {one}corpus {corpus_of.get(rest[0], '?') if rest else '?'}"
    return f"{rs}: {one}{kind}"


def _load(path: str) -> dict[str, list[list[Any]]]:
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out[r["key"]] = r["clauses"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--examples", type=int, default=0)
    ap.add_argument("--cls", default=None, help="only this class")
    ap.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    args = ap.parse_args(argv)
    a, b = _load(args.before), _load(args.after)
    corpus_of = _corpus_of(args.corpus)
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    ex: dict[str, list[str]] = defaultdict(list)
    for key in sorted(set(a) & set(b)):
        c = _cls(key, corpus_of)
        if args.cls and c != args.cls:
            continue
        s = stats[c]
        s["inputs"] += 1
        ca = {(x[3], x[4]): x for x in a[key]}
        cb = {(x[3], x[4]): x for x in b[key]}
        if a[key] == b[key]:
            continue
        s["changed"] += 1
        new, gone = set(cb) - set(ca), set(ca) - set(cb)
        s["new spans"] += len(new)
        s["removed spans"] += len(gone)
        for span in set(ca) & set(cb):
            x, y = ca[span], cb[span]
            if x[6] != y[6]:
                s["demoted" if x[6] else "promoted"] += 1
                if len(ex[c + " flag"]) < args.examples:
                    ex[c + " flag"].append(f"{key[:60]}: {'demoted' if x[6] else 'promoted'} {y[2][:60]}")
            elif x[5] != y[5]:
                s["path"] += 1
            elif x[7:] != y[7:]:
                s["units"] += 1
        for span in sorted(new)[: max(0, args.examples - len(ex[c]))]:
            ex[c].append(f"{key[:60]}: {cb[span][2][:80]}")
    cols = ["inputs", "changed", "new spans", "removed spans", "demoted", "promoted", "path", "units"]
    print("| class | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for c in sorted(stats):
        print(f"| {c} | " + " | ".join(f"{stats[c][k]:,}" for k in cols) + " |")
    for c in sorted(ex):
        print(f"\n{c}:")
        for e in ex[c]:
            print("   ", e)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
