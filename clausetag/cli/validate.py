"""``clausetag validate``: check gold JSONL against its raw texts and the label schema."""
from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parsers(subparsers: Any) -> None:
    """Add ``validate PATH...``."""
    p = subparsers.add_parser(
        "validate",
        help="check labeled gold JSONL against its raw texts and the label schema",
        description="Check gold JSONL files (or directories of them) against the raw texts beside them "
                    "and the label schema. Exit status 1 if any problem is found.",
    )
    p.add_argument("paths", nargs="+", help="JSONL files or directories of *.jsonl (e.g. labels/seed)")
    p.add_argument("--reference-dir", default=None,
                   help="folder of reference raw texts that the raw texts must equal byte-for-byte")
    p.set_defaults(func=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    """Print every problem (``path:line: [code] message``); 0 when valid, 1 otherwise."""
    from clausetag.harness.validation import gold_paths, validate

    problems = validate(args.paths, reference_dir=args.reference_dir)
    for problem in problems:
        print(problem)
    files, _ = gold_paths(args.paths)
    if problems:
        print(f"{len(problems)} problem(s) in {len(files)} file(s)", file=sys.stderr)
        return 1
    print(f"OK: {len(files)} file(s) valid", file=sys.stderr)
    return 0
