"""Command line: ``clausetag split|extract|tag|train|evaluate|pretrain|validate``.

Each subcommand lives in the module that does the work and registers itself through
``register_cli(subparsers)``; this module only assembles the parser. Module imports stay cheap:
torch/transformers are imported when a command that needs them runs.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Optional, Sequence

from clausetag import __version__

# Modules that contribute subcommands, in the order they appear in --help.
_COMMAND_MODULES = (
    "clausetag.pipeline",
    "clausetag.train",
    "clausetag.evaluate",
    "clausetag.pretrain",
    "clausetag.labels",
)


def _cmd_split(args: argparse.Namespace) -> int:
    from clausetag.readers import ReadError, read_document
    from clausetag.split import split

    failed = 0
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        for path in args.paths:
            try:
                text = read_document(path)
            except ReadError as exc:
                print(f"clausetag split: {exc}", file=sys.stderr)
                failed += 1
                continue
            doc_id = args.doc_id or path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            for clause in split(text, doc_id=doc_id):
                if args.format == "text":
                    mark = "#" if clause.is_heading else " "
                    out.write(f"{clause.index}\t{mark}\t{clause.start}\t{clause.end}\t{clause.text}\n")
                else:
                    out.write(json.dumps(clause.to_dict(), ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 1 if failed else 0


def _cmd_extract(args: argparse.Namespace) -> int:
    from clausetag.quantities import extract_quantities

    lines = [args.text] if args.text is not None else sys.stdin.read().splitlines()
    for line in lines:
        for q in extract_quantities(line):
            print(json.dumps(q.to_dict(), ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clausetag",
        description="Split, tag and extract quantities from Chinese official policy documents.",
    )
    parser.add_argument("--version", action="version", version=f"clausetag {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("split", help="split documents into clauses (JSONL or a text table)")
    p.add_argument("paths", nargs="+", help="files to split (.txt in any supported encoding, .docx, .pdf, .html)")
    p.add_argument("-o", "--output", help="write here instead of standard output")
    p.add_argument("--format", choices=("jsonl", "text"), default="jsonl")
    p.add_argument("--doc-id", help="doc_id to use (default: file stem)")
    p.set_defaults(func=_cmd_split)

    p = sub.add_parser("extract", help="extract quantities from a text (or from standard input, one clause a line)")
    p.add_argument("text", nargs="?", help="text to analyse; omit to read lines from standard input")
    p.set_defaults(func=_cmd_extract)

    for name in _COMMAND_MODULES:
        importlib.import_module(name).register_cli(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
