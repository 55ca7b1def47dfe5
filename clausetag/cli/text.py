"""``clausetag split`` and ``clausetag extract``: the splitter and the quantity extractor on files/text."""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any


def add_parsers(subparsers: Any) -> None:
    """Add ``split`` and ``extract``."""
    p = subparsers.add_parser("split", help="split documents into clauses (JSONL or a text table)")
    p.add_argument("paths", nargs="+",
                   help="files to split (.txt in any supported encoding, .docx, .pdf, .html)")
    p.add_argument("-o", "--output", help="write here instead of standard output")
    p.add_argument("--format", choices=("jsonl", "text"), default="jsonl",
                   help="jsonl (default) or text: one tab-separated line per clause: document, index, "
                        "'#' for a heading, start, end, text")
    p.add_argument("--doc-id", help="doc_id to use (default: file stem)")
    p.set_defaults(func=run_split)

    p = subparsers.add_parser(
        "extract", help="extract quantities from a text (or from standard input, one clause a line)")
    p.add_argument("text", nargs="?", help="text to analyse; omit to read lines from standard input")
    p.set_defaults(func=run_extract)


def run_split(args: argparse.Namespace) -> int:
    """``clausetag split``: 0 when every file was read, 1 when some could not be (named on stderr)."""
    from clausetag.io.readers import ReadError, read_document
    from clausetag.segment.splitter import split

    failed = 0
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(args.output, "w", encoding="utf-8")) if args.output else sys.stdout
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
                    out.write(f"{doc_id}\t{clause.index}\t{mark}\t{clause.start}\t{clause.end}\t{clause.text}\n")
                else:
                    out.write(json.dumps(clause.to_dict(), ensure_ascii=False) + "\n")
    return 1 if failed else 0


def run_extract(args: argparse.Namespace) -> int:
    """``clausetag extract``: one JSON line per quantity."""
    from clausetag.quantities.extract import extract_quantities

    lines = [args.text] if args.text is not None else sys.stdin.read().splitlines()
    for line in lines:
        for q in extract_quantities(line):
            print(json.dumps(q.to_dict(), ensure_ascii=False))
    return 0
