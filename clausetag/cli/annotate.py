"""Annotation commands: ``select`` (active learning), ``export-tasks``, ``import-annotations`` (the Label
Studio round trip) and ``apply-units`` (gold from label tables with unit corrections). See docs/annotation.md."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from clausetag.classifiers.loading import MODEL_ENV
from clausetag.cli.errors import UserError, remove_created, writable_output


def add_parsers(subparsers: Any) -> None:
    """Add ``select``, ``export-tasks``, ``import-annotations`` and ``apply-units``."""
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
    p.add_argument("--seed", type=int, default=0,
                   help="fixes the score noise, the tie-break and the MinHash permutations (default 0)")
    p.add_argument("--noise", type=float, default=0.01, metavar="B",
                   help="scale of the seeded Gumbel noise on every score (default 0.01; 0 = plain greedy ranking)")
    p.add_argument("--exclude", nargs="+", default=[], metavar="LABELED_DIR",
                   help="folders of labeled documents (gold .jsonl and/or .txt) to leave out; their labels "
                        "count for rarity. A .jsonl file (e.g. an earlier selection) leaves out its doc ids")
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

    p = subparsers.add_parser(
        "export-tasks",
        help="write Label Studio tasks (one per clause) with the model's labels as pre-annotations",
        description=(
            "Split and tag documents and write one Label Studio task per clause (clause text, heading path, "
            "title, previous/next clause, doc id, index, start/end in the raw text and its path) with the "
            "model's label as a prediction (model_version = model hash, score = probability). "
            "import-annotations checks the spans against the raw texts: the .txt inputs themselves (e.g. from "
            "`clausetag select --texts-out`) or, for .docx/.pdf/.html, the texts written by --raw-out. "
            "--config-out writes the labeling config for the 17 labels."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="INPUT", help="documents, folders or glob patterns")
    p.add_argument("-o", "--output", required=True, metavar="TASKS.json", help="Label Studio tasks (JSON list)")
    p.add_argument("--model", default="default",
                   help=f"a packaged model name or a model directory (default: ${MODEL_ENV} or the packaged default)")
    p.add_argument("--config-out", metavar="CONFIG.xml", help="also write the labeling config XML")
    p.add_argument("--raw-out", metavar="RAW_DIR",
                   help="also write the text the spans index to RAW_DIR/<doc_id>.txt (the --raw folder of "
                        "import-annotations; needed for .docx/.pdf/.html inputs; the / of ids such as a/x.txt, "
                        "which tell same-named files apart, is written __)")
    p.add_argument("--no-predictions", action="store_true",
                   help="no pre-annotations (a blind second annotation for an agreement study)")
    p.add_argument("--selection", metavar="SELECTION.jsonl",
                   help="a `clausetag select` output: its titles are used for the documents it lists")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_export_tasks)

    p = subparsers.add_parser(
        "import-annotations",
        help="turn a Label Studio JSON export into validated gold JSONL",
        description=(
            "Read a Label Studio export (JSON or JSON_MIN format) of tasks made by export-tasks and write gold JSONL "
            "(OUT_DIR/<doc_id>.jsonl beside a copy of RAW_DIR/<doc_id>.txt), checked against the raw texts "
            "and the label schema, with annotator, times and lead time kept. A document is written only "
            "when all its clauses are annotated without problems. Several annotations of one task that "
            "disagree: the one marked ground truth, else the latest (updated_at) wins and is reported; --all "
            "writes one folder per annotator instead. Exit status 1 if any problem was found."
        ),
    )
    p.add_argument("export", metavar="EXPORT.json", help="Label Studio export (JSON or JSON_MIN format)")
    p.add_argument("--raw", required=True, metavar="RAW_DIR", help="folder of the raw texts <doc_id>.txt")
    p.add_argument("-o", "--output", required=True, metavar="OUT_DIR", help="folder for the gold files")
    p.add_argument("--all", action="store_true", dest="all_annotations",
                   help="keep every annotation: one sub-folder per annotator (OUT_DIR/<annotator>/)")
    p.add_argument("--label-tables", action="store_true",
                   help="also write <doc_id>.labels.tsv (index, label, note) beside each gold file, the input "
                        "of labels/tools/agreement.py")
    p.set_defaults(func=run_import_annotations)

    p = subparsers.add_parser(
        "apply-units",
        help="make gold JSONL from skeletons and label tables with unit corrections (merge_prev/split)",
        description=(
            "For every LABEL_DIR/<doc_id>.labels.tsv (columns index, label, unit, note), apply the annotator's "
            "unit corrections to the clauses of SKEL_DIR/<doc_id>.skeleton.jsonl (merge_prev: join the clause "
            "to the one before; split: cut it where the note's 'split: <first chars>=<label> | …' parts start), "
            "rebuild the heading paths from the gold headings and write OUT_DIR/<doc_id>.jsonl beside a copy "
            "of RAW_DIR/<doc_id>.txt. import-annotations writes the skeleton and table of every document with "
            "unit corrections to OUT_DIR/units/. The skeleton is checked first (indices increasing, spans in "
            "order, each raw[start:end] equal to the clause text up to whitespace). Each failed document is "
            "one line on stderr naming the document and row or clause (its gold from an earlier run is left as "
            "it was); the others are written; exit status 1 if a document failed."
        ),
    )
    p.add_argument("--raw", required=True, metavar="RAW_DIR", help="folder of the raw texts <doc_id>.txt")
    p.add_argument("--skeletons", required=True, metavar="SKEL_DIR", help="folder of the <doc_id>.skeleton.jsonl")
    p.add_argument("--labels", required=True, metavar="LABEL_DIR", help="folder of the <doc_id>.labels.tsv")
    p.add_argument("--out", "-o", required=True, metavar="OUT_DIR",
                   help="folder for <doc_id>.jsonl and a copy of <doc_id>.txt (may be RAW_DIR)")
    p.add_argument("--source-is-doc-id", action="store_true",
                   help="set each record's source to its doc id (corpus documents)")
    p.set_defaults(func=run_apply_units)


def _outputs(*specs: tuple[str | None, str, bool]) -> list[Any]:
    """Check that every output can be written before any work: ``(path, option, is_folder)``; a file's
    folder is checked. Returns the folders created (removed again if the command cannot start)."""
    from pathlib import Path


    created: list[Any] = []
    for path, option, is_folder in specs:
        if path is None:
            continue
        p = Path(path)
        if not is_folder and p.is_dir():
            raise UserError(f"{option} {p}: is a folder; give a file name")
        if is_folder and p.exists() and not p.is_dir():
            raise UserError(f"{option} {p}: is a file, not a folder; choose another output path")
        created += writable_output(p if is_folder else (p.parent if str(p.parent) else Path(".")), option)
    return created


def run_select(args: argparse.Namespace) -> int:
    """Run ``clausetag select``; returns the exit status."""
    import time
    from collections import Counter

    from clausetag.classifiers.loading import resolve_model
    from clausetag.harness.active import SelectionError, heldout_dir, read_corpus, select, write_selection, write_texts

    if args.n < 1:
        raise UserError("-n must be at least 1")
    for name in ("top_k", "max_clauses", "per_doc"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UserError(f"--{name.replace('_', '-')} must be at least 1")
    if args.noise < 0:
        raise UserError("--noise must be at least 0")
    for name in ("type_decay", "source_decay", "dup_threshold"):
        if not 0 < getattr(args, name) <= 1:
            raise UserError(f"--{name.replace('_', '-')} must be in (0, 1]")
    try:
        resolve_model(args.model)
        docs = read_corpus(args.corpus)
    except (SelectionError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    created = _outputs((args.output, "-o", False), (args.texts_out, "--texts-out", True))
    if args.heldout is None and heldout_dir() is None:
        print("clausetag select: warning: no held-out folder found (labels/policy_heldout of a checkout or "
              "$CLAUSETAG_LABELS); pass --heldout DIR to keep held-out documents out", file=sys.stderr)
    t0 = time.perf_counter()
    skipped: list[dict[str, Any]] = []
    try:
        rows = select(docs, model=args.model, n=args.n, unit=args.unit, seed=args.seed, exclude=args.exclude,
                      heldout=args.heldout, method=args.method, top_k=args.top_k,
                      rarity_weight=args.rarity_weight, type_decay=args.type_decay, noise=args.noise,
                      source_decay=args.source_decay, dup_threshold=args.dup_threshold,
                      min_clauses=args.min_clauses or None, max_clauses=args.max_clauses,
                      per_doc=args.per_doc, progress=not args.no_progress, skipped=skipped)
    except (SelectionError, ValueError) as exc:
        remove_created(created)
        raise UserError(str(exc)) from None
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


def run_export_tasks(args: argparse.Namespace) -> int:
    """Run ``clausetag export-tasks``; returns the exit status (1: some documents could not be read)."""
    import json
    from pathlib import Path

    from clausetag.classifiers.loading import resolve_model
    from clausetag.harness.labelstudio import export_tasks, labeling_config, write_tasks
    from clausetag.io.readers import ReadError, iter_inputs

    titles: dict[str, str] = {}
    if args.selection:
        try:
            for line in Path(args.selection).read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    titles[str(row["doc_id"])] = str(row.get("title") or "")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UserError(f"--selection {args.selection}: not a `clausetag select` output ({exc})") from None
    try:
        files = list(iter_inputs(args.paths, missing="keep"))
    except ReadError as exc:
        raise UserError(str(exc)) from None
    if not files:
        raise UserError("no supported documents found in " + " ".join(args.paths))
    if not any(p.exists() for p in files):
        raise UserError(f"{files[0]}: no such file or directory" if len(files) == 1 else
                        f"none of the {len(files)} inputs exists ({files[0]}, …): check the paths")
    try:
        resolve_model(args.model)
    except (FileNotFoundError, TypeError) as exc:
        raise UserError(f"--model {args.model}: {exc}") from None
    created = _outputs((args.output, "-o", False), (args.config_out, "--config-out", False),
                       (args.raw_out, "--raw-out", True))
    errors: list[str] = []
    tasks = export_tasks(args.paths, model=args.model, titles=titles, raw_out=args.raw_out,
                         predictions=not args.no_predictions, progress=not args.no_progress, errors=errors)
    for err in errors:
        print(f"failed: {err}", file=sys.stderr)
    if not tasks:
        remove_created(created)
        raise UserError("no clauses to export: " + ("every document failed" if errors else "the documents are empty"),
                        code=1 if errors else 2)
    write_tasks(tasks, args.output)
    if args.config_out:
        Path(args.config_out).write_text(labeling_config(), encoding="utf-8")
    docs = len({t["data"]["doc_id"] for t in tasks})
    print(f"{len(tasks)} tasks from {docs} document(s) → {args.output}"
          + (f"; labeling config → {args.config_out}" if args.config_out else "")
          + (f"; {len(errors)} document(s) failed" if errors else ""), file=sys.stderr)
    return 1 if errors else 0


def run_import_annotations(args: argparse.Namespace) -> int:
    """Run ``clausetag import-annotations``; returns the exit status (1: problems found)."""
    from pathlib import Path

    from clausetag.harness.labelstudio import LabelStudioError, import_annotations, read_export

    try:
        tasks = read_export(args.export)
    except LabelStudioError as exc:
        raise UserError(str(exc)) from None
    if not Path(args.raw).is_dir():
        raise UserError(f"--raw {args.raw}: no such folder (the raw texts <doc_id>.txt)")
    _outputs((args.output, "-o", True))
    result = import_annotations(tasks, args.raw, args.output, all_annotations=args.all_annotations,
                                label_tables=args.label_tables, name=str(args.export))
    for line in result.conflicts:
        print(f"conflict: {line}", file=sys.stderr)
    for line in result.pending:
        print(f"next: {line}", file=sys.stderr)
    for line in result.problems:
        print(line, file=sys.stderr)
    print(f"wrote {len(result.written)} gold file(s), {result.clauses} clauses → {args.output}; "
          + (f"{len(result.pending)} document(s) with unit corrections for `clausetag apply-units`; "
             if result.pending else "")
          + f"{len(result.problems)} problem(s), {len(result.conflicts)} conflict(s) resolved", file=sys.stderr)
    return 1 if result.problems else 0


def run_apply_units(args: argparse.Namespace) -> int:
    """Run ``clausetag apply-units``; returns the exit status (1: some documents failed)."""
    from pathlib import Path

    from clausetag.harness.units import TABLE_SUFFIX, apply_units_dir

    for option, folder, what in (("--raw", args.raw, "the raw texts <doc_id>.txt"),
                                 ("--skeletons", args.skeletons, "the <doc_id>.skeleton.jsonl"),
                                 ("--labels", args.labels, "the <doc_id>.labels.tsv")):
        if not Path(folder).is_dir():
            kind = "is a file, not a folder" if Path(folder).exists() else "no such folder"
            raise UserError(f"{option} {folder}: {kind} ({what})")
    if not any(Path(args.labels).glob(f"*{TABLE_SUFFIX}")):
        raise UserError(f"--labels {args.labels}: no <doc_id>{TABLE_SUFFIX} label table in this folder")
    _outputs((args.out, "--out", True))
    result = apply_units_dir(args.raw, args.skeletons, args.labels, args.out, source_is_doc_id=args.source_is_doc_id)
    for line in result.problems:
        print(line, file=sys.stderr)
    print(f"{len(result.written)} document(s) written to {args.out} ({result.clauses} clauses); "
          f"{len(result.problems)} failed", file=sys.stderr)
    return 1 if result.problems else 0
