"""``clausetag select``: choose documents or clauses of a corpus to annotate next (active learning)."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from clausetag.pipeline import MODEL_ENV


def add_parsers(subparsers: Any) -> None:
    """Add ``select``."""
    p = subparsers.add_parser(
        "select",
        help="rank corpus documents (or clauses) for annotation by model uncertainty, rarity and diversity",
        description=(
            "Tag every candidate of CORPUS with the model and pick the N documents (or clauses) most worth "
            "annotating next: high uncertainty of the model (margin or entropy), labels that are rare in "
            "its training data and the --exclude folders, spread over document types and sources, no "
            "near-duplicates. Documents in the --exclude folders and the held-out set "
            "(labels/policy_heldout) are never selected, nor near-duplicates of them. Each output row "
            "says why it was chosen. See docs/annotation.md."
        ),
    )
    p.add_argument("corpus", metavar="CORPUS",
                   help="corpus JSONL(.xz) with id, title, text per line, or a folder of .txt files")
    p.add_argument("-o", "--output", required=True, metavar="OUT.jsonl", help="selection, one JSON row per pick")
    p.add_argument("--model", default="default",
                   help=f"a packaged model name or a model directory (default: ${MODEL_ENV} or the packaged default)")
    p.add_argument("-n", type=int, default=50, metavar="N", help="how many documents/clauses (default 50)")
    p.add_argument("--unit", choices=["document", "clause"], default="document",
                   help="select whole documents (default) or single clauses")
    p.add_argument("--seed", type=int, default=0, help="breaks ties and draws the MinHash permutations (default 0)")
    p.add_argument("--exclude", nargs="+", default=[], metavar="LABELED_DIR",
                   help="folders of labeled documents (gold .jsonl and/or .txt) to leave out; their labels "
                        "count for rarity")
    p.add_argument("--heldout", metavar="DIR",
                   help="held-out folder never selected (default: labels/policy_heldout of the checkout)")
    p.add_argument("--method", choices=["margin", "entropy"], default="margin", help="uncertainty measure")
    p.add_argument("--top-k", type=int, default=None, metavar="K",
                   help="document uncertainty = mean of its K most uncertain clauses (default: of all body clauses)")
    p.add_argument("--rarity-weight", type=float, default=0.5, metavar="W",
                   help="score = uncertainty + W × rarity (default 0.5)")
    p.add_argument("--type-decay", type=float, default=0.7, metavar="F",
                   help="score factor per document a type holds beyond its fair share (default 0.7; 1 = off)")
    p.add_argument("--source-decay", type=float, default=0.85, metavar="F",
                   help="the same per source (default 0.85; 1 = off)")
    p.add_argument("--dup-threshold", type=float, default=0.7, metavar="J",
                   help="character 5-shingle Jaccard from which two texts are near-duplicates (default 0.7)")
    p.add_argument("--min-clauses", type=int, default=10, metavar="N",
                   help="only documents with at least N clauses (default 10; 0 = no limit)")
    p.add_argument("--max-clauses", type=int, default=None, metavar="N", help="only documents with at most N clauses")
    p.add_argument("--per-doc", type=int, default=3, metavar="N", help="with --unit clause: at most N clauses a document")
    p.add_argument("--texts-out", metavar="DIR",
                   help="also write the raw text of every selected document to DIR/<id>.txt (for export-tasks)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_select)


def run_select(args: argparse.Namespace) -> int:
    """Run ``clausetag select``; returns the exit status."""
    import time
    from collections import Counter

    from clausetag.active import SelectionError, read_corpus, select, write_selection, write_texts

    def usage(msg: str) -> int:
        print(f"clausetag select: error: {msg}", file=sys.stderr)
        return 2

    if args.n < 1:
        return usage("-n must be at least 1")
    for name in ("type_decay", "source_decay", "dup_threshold"):
        if not 0 < getattr(args, name) <= 1:
            return usage(f"--{name.replace('_', '-')} must be in (0, 1]")
    t0 = time.perf_counter()
    skipped: list[dict[str, Any]] = []
    try:
        docs = read_corpus(args.corpus)
        rows = select(docs, model=args.model, n=args.n, unit=args.unit, seed=args.seed, exclude=args.exclude,
                      heldout=args.heldout, method=args.method, top_k=args.top_k,
                      rarity_weight=args.rarity_weight, type_decay=args.type_decay,
                      source_decay=args.source_decay, dup_threshold=args.dup_threshold,
                      min_clauses=args.min_clauses or None, max_clauses=args.max_clauses,
                      per_doc=args.per_doc, progress=not args.no_progress, skipped=skipped)
    except (SelectionError, FileNotFoundError, ValueError, TypeError) as exc:
        return usage(str(exc))
    write_selection(rows, args.output)
    if args.texts_out:
        write_texts(rows, docs, args.texts_out)
    why = Counter(s["rule"] for s in skipped)
    left = "; ".join(f"{n} {w}" for w, n in why.most_common())
    types = Counter(r["doc_type"] for r in rows)
    print(f"selected {len(rows)} {args.unit}(s) of {len(docs)} documents in {time.perf_counter() - t0:.1f} s "
          f"→ {args.output}" + (f"; left out: {left}" if left else ""), file=sys.stderr)
    print("types: " + ", ".join(f"{t} {n}" for t, n in types.most_common()), file=sys.stderr)
    return 0
