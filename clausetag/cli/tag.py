"""``clausetag tag``: tag the clauses of documents and write records, summary and plot."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from clausetag.classifiers.loading import MODEL_ENV
from clausetag.cli.errors import UserError, check_device, remove_created, require, writable_output


def add_parsers(subparsers: Any) -> None:
    """Add ``tag``."""
    p = subparsers.add_parser(
        "tag",
        help="tag the clauses of documents (txt/docx/pdf/html) with measure types",
        description=(
            "Split documents into clauses, tag each with a measure type and extract quantities. "
            "If -o is a folder, writes clauses.<format>, summary.csv, summary.md and mix.png into it. "
            "Finished documents are committed to disk in small batches beside a state file (OUT/clauses.jsonl.state): "
            "after Ctrl-C, SIGTERM, SIGHUP or even SIGKILL, --resume continues where the run stopped. "
            "Inputs that do not exist are reported as failures like unreadable files; the rest is tagged. "
            "Exit status: 0 all documents tagged, 1 some failed (the rest are written), 2 the run could not "
            "start (bad option, no input, unwritable output, missing model, extra or device; nothing is "
            "written), 3 internal error, 128+N stopped by signal N. --debug shows tracebacks."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders (searched recursively) or glob patterns")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file (.jsonl/.csv/.parquet) or folder (an existing folder, a path ending "
                        "in '/', or a name without extension)")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"],
                   help="output format (default: from the -o extension; jsonl for a folder)")
    p.add_argument("--model", default="default",
                   help=f"a packaged model name (default, baseline, …) or a model directory "
                        f"(default: ${MODEL_ENV} or the packaged default model)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                   help="device for transformer (bert) models; cuda fails (exit 2) where CUDA is not "
                        "available, never falls back to CPU; scikit-learn and ONNX models run on CPU")
    p.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation (BERT, CPU)")
    p.add_argument("--batch-size", type=int, default=None, metavar="N",
                   help="clauses per model call (default: the model's own; 1 for an int8 ONNX model, "
                        "whose results would otherwise depend on their batch-mates)")
    p.add_argument("--resume", action="store_true",
                   help="keep documents already in the output and tag only the others")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-recursive", action="store_true", help="do not descend into sub-folders")
    p.add_argument("--no-quantities", action="store_true", help="skip quantity extraction")
    p.add_argument("--no-reader", action="store_true",
                   help="quantity roles and indicators without the transformer readers (about 2.5x as fast end "
                        "to end with --model baseline, less accurate; docs/quantities.md)")
    p.add_argument("--probs", metavar="all|K",
                   help="also write the label distribution (column probs): all labels, or the top K")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="worker processes, each loading the model once (default: all CPU cores); "
                        "the output is the same for every N")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local worker processes (default) or a Ray Data pipeline (pip install 'clausetag[ray]')")
    p.add_argument("--ray-address", metavar="ADDR",
                   help="with --engine ray: address of an existing Ray cluster (default: start a local Ray)")
    p.set_defaults(func=run_tag)


def run_tag(args: argparse.Namespace) -> int:
    """Run ``clausetag tag``; returns the exit status.

    Everything that can stop the run (options, inputs, model, device, engine, output folder) is checked
    before anything is written, so a run that cannot start leaves no output behind (exit 2). Inputs that
    do not exist are tagged as failures, like unreadable files; the rest is processed (exit 1)."""
    from clausetag.io.readers import ReadError, iter_inputs
    from clausetag.io.writers import FORMATS, format_for
    from clausetag.tagging.batch import run_batch
    from clausetag.tagging.parallel import default_jobs
    from clausetag.tagging.pipeline import Tagger, parse_probs
    from clausetag.tagging.runstate import StateError

    if args.batch_size is not None and args.batch_size < 1:
        raise UserError("--batch-size must be at least 1")
    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    if args.ray_address and args.engine != "ray":
        raise UserError("--ray-address needs --engine ray")
    try:
        probs = parse_probs(args.probs)
    except ValueError as exc:
        raise UserError(f"--{exc}") from None
    out = Path(args.output)
    # a folder: an existing one, a trailing slash, or a name without extension that is not a file
    is_dir = out.is_dir() or str(args.output).endswith(("/", os.sep)) or (not out.exists() and out.suffix == "")
    if is_dir:
        fmt = args.format or "jsonl"
        records_path = out / f"clauses.{fmt}"
    else:
        if out.is_file() and not args.format and out.suffix.lower() not in FORMATS:
            raise UserError(f"-o {out}: an existing file whose extension ({out.suffix or 'none'}) names no output "
                            "format; give a new folder name, a file ending in .jsonl, .csv or .parquet, or --format")
        try:
            fmt = format_for(out, args.format)
        except ValueError as exc:
            raise UserError(f"-o {exc}") from None
        if args.format and out.suffix.lower() in FORMATS and FORMATS[out.suffix.lower()] != args.format:
            raise UserError(f"--format {args.format} does not match the extension of {out}")
        records_path = out
    skipped: list[tuple[Path, str]] = []
    try:
        files = list(iter_inputs(args.paths, recursive=not args.no_recursive, missing="keep",
                                 on_skip=lambda p, why: skipped.append((p, why))))
    except ReadError as exc:
        raise UserError(str(exc)) from None
    if skipped:
        print(skipped_line(sorted(skipped)), file=sys.stderr)
    if not files:
        raise UserError("no supported documents found in " + " ".join(args.paths))
    if not any(p.exists() for p in files):
        raise UserError(f"{files[0]}: no such file or directory" if len(files) == 1 else
                        f"none of the {len(files)} inputs exists ({files[0]}, …): check the paths")
    check_device(args.device)
    try:
        extractor = None
        if args.no_reader:
            import functools

            from clausetag.quantities.extract import extract_quantities

            extractor = functools.partial(extract_quantities, reader=False)
        tagger = Tagger(args.model, device=args.device, quantize=args.quantize, batch_size=args.batch_size,
                        with_quantities=not args.no_quantities, probs=probs, extractor=extractor)
    except (FileNotFoundError, ValueError, TypeError) as exc:
        raise UserError(f"--model {args.model}: {exc}") from None

    for module in _model_needs(tagger.model_dir):  # models load in the workers: check their extras here
        require(module, f"--model {args.model} (a transformer model)")
    engine = None
    if args.engine == "ray":
        require("ray.data", "--engine ray")
        from clausetag.tagging.ray_engine import ray_engine

        engine = ray_engine(address=args.ray_address)
    created = writable_output(records_path.parent)
    try:
        return run_batch(files, tagger, records_path, fmt, out if is_dir else None,
                         jobs=args.jobs or default_jobs(), resume=args.resume, progress=not args.no_progress,
                         engine=engine)
    except StateError as exc:
        remove_created(created)
        raise UserError(f"cannot resume: {exc}") from None


def _model_needs(path: Path | None) -> list[str]:
    """The optional modules a model directory (as resolved by the Tagger) needs to load: torch and
    transformers for a ``bert`` or ``student`` model, also inside an ensemble; none for scikit-learn, ONNX
    and embedding models."""
    from clausetag.classifiers.card import TRANSFORMER_TYPES, read_card

    if path is None:
        return []
    try:
        card = read_card(path)
    except (OSError, ValueError):
        return []
    if card.get("type") in TRANSFORMER_TYPES:
        return ["torch", "transformers"]
    if card.get("members"):  # an ensemble: what its members need
        return sorted({m for member in card.get("members", []) for m in _model_needs(path / member["dir"])})
    return []


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
