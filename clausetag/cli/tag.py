"""``clausetag tag``: tag the clauses of documents and write records, summary and plot."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from clausetag.pipeline import MODEL_ENV


def add_parsers(subparsers: Any) -> None:
    """Add ``tag``."""
    p = subparsers.add_parser(
        "tag",
        help="tag the clauses of documents (txt/docx/pdf/html) with measure types",
        description=(
            "Split documents into clauses, tag each with a measure type and extract quantities. "
            "If -o is a folder, writes clauses.<format>, summary.csv, summary.md and mix.png into it. "
            "Exit status: 0 all documents tagged, 1 some failed (the rest are written), 2 usage error."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders (searched recursively) or glob patterns")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file (.jsonl/.csv/.parquet) or folder (an existing folder, a path ending "
                        "in '/', or a name without extension)")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"],
                   help="output format (default: from the -o extension; jsonl for a folder)")
    p.add_argument("--model", default="default",
                   help=f"model directory (default: ${MODEL_ENV} or the packaged default model)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="device for BERT models")
    p.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation (BERT, CPU)")
    p.add_argument("--batch-size", type=int, default=32, metavar="N", help="classifier batch size (default 32)")
    p.add_argument("--resume", action="store_true",
                   help="keep documents already in the output and tag only the others")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-recursive", action="store_true", help="do not descend into sub-folders")
    p.add_argument("--no-quantities", action="store_true", help="skip quantity extraction")
    p.add_argument("--probs", metavar="all|K",
                   help="also write the label distribution (column probs): all labels, or the top K")
    p.set_defaults(func=run_tag)


def run_tag(args: argparse.Namespace) -> int:
    """Run ``clausetag tag``; returns the exit status."""
    from clausetag.pipeline import DocResult, Tagger, parse_probs
    from clausetag.readers import ReadError, iter_inputs
    from clausetag.summary import SummaryBuilder
    from clausetag.writers import (
        FORMATS,
        RecordWriter,
        existing_doc_ids,
        format_for,
        iter_records,
    )

    def usage(msg: str) -> int:
        print(f"clausetag tag: error: {msg}", file=sys.stderr)
        return 2

    if args.batch_size < 1:
        return usage("--batch-size must be at least 1")
    try:
        probs = parse_probs(args.probs)
    except ValueError as exc:
        return usage(f"--{exc}")
    out = Path(args.output)
    # a folder: an existing one, a trailing slash, or a name without extension that is not a file
    is_dir = out.is_dir() or str(args.output).endswith(("/", os.sep)) or (not out.exists() and out.suffix == "")
    if is_dir:
        fmt = args.format or "jsonl"
        records_path = out / f"clauses.{fmt}"
    else:
        try:
            fmt = format_for(out, args.format)
        except ValueError as exc:
            return usage(str(exc))
        if args.format and out.suffix.lower() in FORMATS and FORMATS[out.suffix.lower()] != args.format:
            return usage(f"--format {args.format} does not match the extension of {out}")
        records_path = out
    skipped: list[tuple[Path, str]] = []
    try:
        files = list(iter_inputs(args.paths, recursive=not args.no_recursive,
                                 on_skip=lambda p, why: skipped.append((p, why))))
    except ReadError as exc:
        return usage(str(exc))
    if skipped:
        print(skipped_line(sorted(skipped)), file=sys.stderr)
    if not files:
        return usage("no supported documents found in " + " ".join(args.paths))
    try:
        tagger = Tagger(args.model, device=args.device, quantize=args.quantize, batch_size=args.batch_size,
                        with_quantities=not args.no_quantities, probs=probs)
    except (FileNotFoundError, ValueError, TypeError) as exc:
        return usage(str(exc))

    summary = SummaryBuilder()
    done: set[str] = set()
    if args.resume and records_path.exists():
        try:
            done = existing_doc_ids(records_path, fmt)
            if is_dir:
                summary.add_records(iter_records(records_path, fmt))
        except (ValueError, OSError) as exc:
            return usage(f"cannot resume from {records_path}: {exc}")
        print(f"resuming: {len(done)} document(s) already in {records_path}", file=sys.stderr)

    failures: list[DocResult] = []
    n_docs = 0
    writer = RecordWriter(records_path, fmt, resume=args.resume)
    try:
        for result in tagger.tag_paths(files, progress=not args.no_progress, skip_doc_ids=done):
            summary.add(result)
            if result.ok:
                writer.write(result.records or [])
                n_docs += 1
            else:
                failures.append(result)
                say(f"failed: {result.path}: {result.error}")
    except KeyboardInterrupt:
        writer.commit()
        print(f"\ninterrupted: {n_docs} finished document(s) kept in {records_path}; "
              "rerun with --resume to continue", file=sys.stderr)
        return 130
    except BaseException:
        writer.abort()
        raise
    writer.commit()
    written = [str(records_path)]
    if is_dir:
        from clausetag.report import write_report

        written += [str(p) for p in summary.write(out, provenance=tagger.provenance)]
        written.append(str(write_report(out / "report.html", iter_records(records_path, fmt), summary,
                                        provenance=tagger.provenance)))
    print(f"tagged {n_docs} document(s), {len(failures)} failed; wrote {', '.join(written)}", file=sys.stderr)
    return 1 if failures else 0


def say(message: str) -> None:
    """Print a message on stderr above the progress bar (``tqdm.write``), never into it."""
    from tqdm.auto import tqdm

    tqdm.write(message, file=sys.stderr)


def skipped_line(skipped: list[tuple[Path, str]], examples: int = 3) -> str:
    """One line for every file that was not a document: how many, why, and a few names."""
    from collections import Counter

    reasons = Counter(why for _, why in skipped)
    names = ", ".join(p.name for p, _ in skipped[:examples]) + (", …" if len(skipped) > examples else "")
    why = "; ".join(f"{n} {r}" for r, n in reasons.most_common())
    return f"skipped {len(skipped)} file(s) that are not documents ({why}): {names}"
