"""Build gold JSONL from annotators' label tables (how labels/seed and labels/extra were made).

Annotators label the clauses of a *skeleton* (the splitter's output when annotation started, one
`<doc_id>.skeleton.jsonl` + `<doc_id>.labels.tsv` with columns index, label, confidence, note).
The gold clauses are the splitter's *current* output, so the labels are carried over by character
span: each current clause takes the label of the skeleton clause it overlaps most (a clause the
splitter now merges or splits keeps its annotated label; every such case is reported). Quantities,
annotated per skeleton clause with offsets into that clause's text, are moved to the clause that
now contains them, with offsets recomputed.

    python labels/tools/merge_annotations.py --raw labels/seed --skeletons ANNOT_DIR \
        --labels ANNOT_DIR/pass2 [--quantities ANNOT_DIR/quantities] --out labels/seed

Every problem is printed; the exit status is 1 if a document could not be merged.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from clausetag.harness.data import write_labeled
from clausetag.harness.units import char_positions  # raw offset of every character of a clause text
from clausetag.segment.splitter import split
from clausetag.segment.text import read_text


def read_labels(path: Path) -> dict[int, dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return {int(r["index"]): r for r in rows}


def merge_document(doc_id: str, raw: str, skeleton: list[dict], labels: dict[int, dict], quantities: dict[int, list[dict]], source: str | None, quantities_annotated: bool = True) -> tuple[list[dict], list[str]]:
    notes: list[str] = []
    missing = [c["index"] for c in skeleton if c["index"] not in labels]
    if missing:
        raise ValueError(f"{doc_id}: no label for skeleton clauses {missing[:10]}")
    # absolute raw positions of every annotated quantity
    abs_q: list[tuple[int, int, dict]] = []
    for c in skeleton:
        if c["index"] in quantities:
            pos = char_positions(raw, c["start"], c["end"], c["text"])
            for q in quantities[c["index"]]:
                if c["text"][q["start"] : q["end"]] != q["text"]:
                    raise ValueError(f"{doc_id}:{c['index']}: quantity {q['text']!r} offsets do not match the clause text")
                abs_q.append((pos[q["start"]], pos[q["end"] - 1] + 1, q))
    records = []
    used_q: set[int] = set()
    for clause in split(raw, doc_id=doc_id):
        overlaps = []
        for s in skeleton:
            ov = min(clause.end, s["end"]) - max(clause.start, s["start"])
            if ov > 0:
                overlaps.append((ov, s["index"]))
        if not overlaps:
            raise ValueError(f"{doc_id}: clause {clause.index} {clause.text[:20]!r} overlaps no annotated clause")
        overlaps.sort(reverse=True)
        best = overlaps[0][1]
        label = labels[best]["label"]
        if len({labels[i]["label"] for _, i in overlaps}) > 1:
            notes.append(f"{doc_id}:{clause.index} merges annotated clauses {[i for _, i in overlaps]} "
                         f"with labels {[labels[i]['label'] for _, i in overlaps]}; kept {label!r}")
        if clause.is_heading and label != "heading":
            notes.append(f"{doc_id}:{clause.index} splitter heading {clause.text[:20]!r} labelled {label!r} by the annotator")
        rec = clause.to_dict()
        rec["label"] = label
        if source:
            rec["source"] = source
        pos = char_positions(raw, clause.start, clause.end, clause.text)
        index_of = {p: i for i, p in enumerate(pos)}
        qs = []
        for qi, (a, b, q) in enumerate(abs_q):
            if clause.start <= a and b <= clause.end:
                used_q.add(qi)
                nq = dict(q)
                nq["start"], nq["end"] = index_of[a], index_of[b - 1] + 1
                if clause.text[nq["start"] : nq["end"]] != q["text"]:
                    raise ValueError(f"{doc_id}:{clause.index}: quantity {q['text']!r} does not map cleanly")
                qs.append(nq)
        rec["quantities"] = sorted(qs, key=lambda q: q["start"])
        if not quantities_annotated:
            rec["quantities_annotated"] = False  # labels only: an empty list does not mean "no amounts"
        records.append(rec)
    lost = [abs_q[i][2]["text"] for i in range(len(abs_q)) if i not in used_q]
    if lost:
        raise ValueError(f"{doc_id}: quantities crossing clause boundaries: {lost}")
    return records, notes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", required=True, type=Path, help="folder with <doc_id>.txt")
    ap.add_argument("--skeletons", required=True, type=Path, help="folder with <doc_id>.skeleton.jsonl")
    ap.add_argument("--labels", required=True, type=Path, help="folder with <doc_id>.labels.tsv")
    ap.add_argument("--quantities", type=Path, help="folder with <doc_id>.quantities.jsonl")
    ap.add_argument("--sources", type=Path, help="JSONL with doc_id and source (corpus id) per document")
    ap.add_argument("--source-is-doc-id", action="store_true", help="source = doc_id (corpus documents)")
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args()

    sources = {}
    if args.sources:
        for line in args.sources.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            sources[d["doc_id"]] = d.get("source_id", d["doc_id"])
    failed = 0
    total = 0
    if args.source_is_doc_id:
        sources = {p.stem: p.stem for p in args.raw.glob("*.txt")}
    for raw_path in sorted(args.raw.glob("*.txt")):
        doc_id = raw_path.stem
        lab = args.labels / f"{doc_id}.labels.tsv"
        if not lab.exists():
            print(f"skip {doc_id}: no labels yet", file=sys.stderr)
            continue
        skeleton = [json.loads(line) for line in (args.skeletons / f"{doc_id}.skeleton.jsonl").read_text(encoding="utf-8").splitlines()]
        quantities: dict[int, list[dict]] = {}
        if args.quantities and (args.quantities / f"{doc_id}.quantities.jsonl").exists():
            for line in (args.quantities / f"{doc_id}.quantities.jsonl").read_text(encoding="utf-8").splitlines():
                if line.strip():
                    d = json.loads(line)
                    quantities[int(d["index"])] = d["quantities"]
        try:
            records, notes = merge_document(doc_id, read_text(raw_path), skeleton, read_labels(lab), quantities,
                                            sources.get(doc_id), quantities_annotated=args.quantities is not None)
        except ValueError as exc:
            print(f"FAILED {exc}", file=sys.stderr)
            failed += 1
            continue
        for n in notes:
            print(n)
        write_labeled(records, args.out / f"{doc_id}.jsonl")
        total += len(records)
    print(f"wrote {total} clauses; {failed} documents failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
