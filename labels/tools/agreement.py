"""Inter-annotator agreement between two independent label tables of the same clauses.

    python labels/tools/agreement.py FIRST_DIR SECOND_DIR [--adjudicated DIR] [--out FILE]
        [--readme labels/README.md] [--marker agreement]

Each DIR holds `<doc_id>.labels.tsv` files (columns index, label, ...) over the same clauses;
documents present in both are compared. Reports, per document and overall, the number of clauses,
raw agreement and Cohen's kappa over all clauses and over non-heading clauses (those that neither
annotator labelled `heading`); per label the one-vs-rest kappa with both annotators' counts; the most
frequent disagreements; and with `--adjudicated`, each annotator's agreement with the adjudicated
labels and how the disagreements were settled. Writes Markdown to stdout, to `--out`, or into the
`<!-- MARKER:start -->` … `<!-- MARKER:end -->` section of `--readme`.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from clausetag.io.schema import load_schema


def read(path: Path) -> dict[int, str]:
    """index → label of one `<doc_id>.labels.tsv` table."""
    with path.open(encoding="utf-8") as f:
        return {int(r["index"]): r["label"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}


def cohen_kappa(a: list[str], b: list[str]) -> float:
    """Cohen's kappa of two equally long label sequences (1.0 when chance agreement is 1)."""
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two non-empty label lists of the same length")
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def _scores(a: list[str], b: list[str]) -> tuple[int, float, float]:
    """(clauses, raw agreement, kappa); zeros when empty."""
    if not a:
        return 0, 0.0, 0.0
    return len(a), sum(x == y for x, y in zip(a, b)) / len(a), cohen_kappa(a, b)


def _non_heading(a: list[str], b: list[str]) -> tuple[list[str], list[str]]:
    pairs = [(x, y) for x, y in zip(a, b) if x != "heading" and y != "heading"]
    return [x for x, _ in pairs], [y for _, y in pairs]


def report(first: Path, second: Path, adjudicated: Path | None = None) -> str:
    """The Markdown agreement report of two label-table folders (see the module docstring)."""
    docs = sorted(p.name for p in second.glob("*.labels.tsv") if (first / p.name).exists())
    if not docs:
        raise SystemExit("no document labelled in both folders")
    a: list[str] = []
    b: list[str] = []
    adj: list[str] = []
    per_doc: list[tuple[str, list[str], list[str]]] = []
    for name in docs:
        la, lb = read(first / name), read(second / name)
        if set(la) != set(lb):
            raise SystemExit(f"{name}: the two tables cover different clauses")
        da = [la[i] for i in sorted(la)]
        db = [lb[i] for i in sorted(la)]
        per_doc.append((name.split(".")[0], da, db))
        a += da
        b += db
        if adjudicated:
            ld = read(adjudicated / name)
            if set(ld) != set(la):
                raise SystemExit(f"{adjudicated / name}: does not cover the same clauses")
            adj.extend(ld[i] for i in sorted(la))
    lines = [
        f"Documents: {len(docs)}; clauses: {len(a)}. Non-heading: clauses that neither annotator labelled `heading`.",
        "",
        "| document | clauses | agreement | kappa | non-heading clauses | agreement | kappa | disagreements |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for doc, da, db in per_doc + [("**all**", a, b)]:
        n, acc, k = _scores(da, db)
        nh = _non_heading(da, db)
        m, acc2, k2 = _scores(*nh)
        dis = sum(x != y for x, y in zip(da, db))
        lines.append(f"| {doc} | {n} | {acc:.3f} | {k:.3f} | {m} | {acc2:.3f} | {k2:.3f} | {dis} |")
    if adj:
        n = len(a)
        dis = [(x, y, z) for x, y, z in zip(a, b, adj) if x != y]
        kept = sum(z == x for x, _, z in dis)
        took = sum(z == y for _, y, z in dis)
        lines += [
            "",
            "| adjudication | value |",
            "|---|---:|",
            f"| disagreements adjudicated | {len(dis)} |",
            f"| settled for the first annotator | {kept} |",
            f"| settled for the second annotator | {took} |",
            f"| settled on a third label | {len(dis) - kept - took} |",
            f"| first annotator vs adjudicated (agreement) | {sum(x == z for x, z in zip(a, adj)) / n:.3f} |",
            f"| second annotator vs adjudicated (agreement) | {sum(y == z for y, z in zip(b, adj)) / n:.3f} |",
            f"| first annotator vs adjudicated (kappa) | {cohen_kappa(a, adj):.3f} |",
            f"| second annotator vs adjudicated (kappa) | {cohen_kappa(b, adj):.3f} |",
        ]
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
    return "\n".join(lines) + "\n"


def splice(readme: Path, marker: str, text: str, command: str) -> None:
    """Replace the `<!-- marker:start/end -->` section of `readme` with `text` and its command."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    content = readme.read_text(encoding="utf-8")
    if start not in content or end not in content:
        raise SystemExit(f"{readme}: no {start} … {end} section")
    section = f"{start}\nGenerated by `{command}`; do not edit by hand.\n\n{text}{end}"
    head, rest = content.split(start, 1)
    readme.write_text(head + section + rest.split(end, 1)[1], encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    ap.add_argument("--adjudicated", type=Path)
    ap.add_argument("--out", type=Path, help="write the Markdown report to this file")
    ap.add_argument("--readme", type=Path, help="replace the <!-- MARKER:start/end --> section of this file")
    ap.add_argument("--marker", default="agreement", help="section marker in --readme (default: agreement)")
    args = ap.parse_args()
    text = report(args.first, args.second, args.adjudicated)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    if args.readme:
        splice(args.readme, args.marker, text, "python labels/tools/agreement.py " + " ".join(sys.argv[1:]))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
