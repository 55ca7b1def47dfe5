"""Tag the five seed documents with the default model and print a per-document summary.

    python examples/tag_seeds.py [SEED_DIR] [--out DIR]

Uses the packaged default model, or the one ``$CLAUSETAG_MODEL`` points at. With ``--out DIR`` it
also writes clauses.jsonl, summary.csv, summary.md and mix.png there.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clausetag import Tagger
from clausetag.io.writers import write_records
from clausetag.outputs.summary import summarize

SEED_DIR = Path(__file__).resolve().parents[1] / "labels" / "seed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("seed_dir", nargs="?", default=str(SEED_DIR), help="folder of .txt documents")
    parser.add_argument("--out", help="also write clauses and summary files into this folder")
    args = parser.parse_args(argv)

    tagger = Tagger("default")
    # pipe() takes texts (str) or paths (pathlib.Path: files, folders, glob patterns); results in input order
    results = list(tagger.pipe([Path(args.seed_dir) / "*.txt"]))
    summary = summarize(results)

    table = summary.table()
    cols = ["doc_id", "clauses", "family:supply", "family:environment", "family:demand", "family:none", "quantities"]
    print(table[cols].to_string(index=False))
    for failure in summary.failures:
        print(f"FAILED {failure['path']}: {failure['error']}", file=sys.stderr)

    if args.out:
        out = Path(args.out)
        write_records((r for res in results if res.ok for r in res.records), out / "clauses.jsonl")
        for path in summary.write(out):
            print(f"wrote {path}")
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
