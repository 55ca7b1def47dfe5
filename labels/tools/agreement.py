"""Inter-annotator agreement between two independent label tables of the same clauses.

    python labels/tools/agreement.py FIRST_DIR SECOND_DIR [--adjudicated DIR] [--out labels/AGREEMENT.md]

Each DIR holds `<doc_id>.labels.tsv` files (columns index, label, ...) over the same skeleton clauses;
documents present in both are compared. Reports the number of clauses, raw agreement (accuracy),
Cohen's kappa overall, and per label the one-vs-rest kappa with both annotators' counts; with
`--adjudicated`, each annotator's accuracy against the adjudicated labels. Writes Markdown.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from clausetag.labels import load_schema  # noqa: E402


def read(path: Path) -> dict[int, str]:
    with path.open(encoding="utf-8") as f:
        return {int(r["index"]): r["label"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}


def cohen_kappa(a: list[str], b: list[str]) -> float:
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    ap.add_argument("--adjudicated", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    docs = sorted(p.name for p in args.second.glob("*.labels.tsv") if (args.first / p.name).exists())
    if not docs:
        print("no document labelled in both folders", file=sys.stderr)
        return 1
    a: list[str] = []
    b: list[str] = []
    adj: list[str] = []
    for name in docs:
        la, lb = read(args.first / name), read(args.second / name)
        if set(la) != set(lb):
            print(f"{name}: the two tables cover different clauses", file=sys.stderr)
            return 1
        for i in sorted(la):
            a.append(la[i])
            b.append(lb[i])
        if args.adjudicated:
            ld = read(args.adjudicated / name)
            adj.extend(ld[i] for i in sorted(la))
    n = len(a)
    acc = sum(x == y for x, y in zip(a, b)) / n
    kappa = cohen_kappa(a, b)
    lines = [
        f"Documents: {len(docs)} ({', '.join(d.split('.')[0] for d in docs)}); clauses: {n}.",
        "",
        f"| measure | value |",
        f"|---|---:|",
        f"| raw agreement (accuracy) | {acc:.3f} |",
        f"| Cohen's kappa | {kappa:.3f} |",
        f"| disagreements | {sum(x != y for x, y in zip(a, b))} |",
    ]
    if adj:
        lines.append(f"| first annotator vs adjudicated | {sum(x == y for x, y in zip(a, adj)) / n:.3f} |")
        lines.append(f"| second annotator vs adjudicated | {sum(x == y for x, y in zip(b, adj)) / n:.3f} |")
    lines += ["", "Per label (one-vs-rest Cohen's kappa; counts are clauses given the label by each annotator):", "",
              "| label | first | second | both | kappa |", "|---|---:|---:|---:|---:|"]
    for code in load_schema().codes:
        ya = [x == code for x in a]
        yb = [y == code for y in b]
        na, nb = sum(ya), sum(yb)
        both = sum(x and y for x, y in zip(ya, yb))
        if na == 0 and nb == 0:
            lines.append(f"| {code} | 0 | 0 | 0 | — |")
            continue
        k = cohen_kappa([str(x) for x in ya], [str(y) for y in yb])
        lines.append(f"| {code} | {na} | {nb} | {both} | {k:.3f} |")
    confusions = Counter((x, y) for x, y in zip(a, b) if x != y)
    lines += ["", "Most frequent disagreements (first → second):", "", "| first | second | clauses |", "|---|---|---:|"]
    for (x, y), c in confusions.most_common(12):
        lines.append(f"| {x} | {y} | {c} |")
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
