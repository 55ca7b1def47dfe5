"""``clausetag train``, ``clausetag evaluate`` and ``clausetag pretrain``: the training harness.

Torch and transformers are imported only when a command that needs them runs (BERT models, pre-training).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from clausetag.cli.errors import UserError, check_device, remove_created, require, writable_output


def add_parsers(subparsers: Any) -> None:
    """Add ``train``, ``evaluate``, ``score`` and ``pretrain``."""
    p = subparsers.add_parser("train", help="train a clause classifier from a run config",
                              description="Train one model of a run config on all its labeled data.")
    p.add_argument("--config", required=True, help="run config YAML (training/configs/*.yaml)")
    p.add_argument("--data", nargs="+", help="labeled JSONL file(s)/folder(s), overriding the config's data")
    p.add_argument("--model", help="which model of the config to train (default: the first)")
    p.add_argument("-o", "--output", required=True, help="directory to save the trained model to")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_train)

    p = subparsers.add_parser(
        "evaluate", help="evaluate every model of a run config (leave-one-document-out)",
        description="Cross-validate the models of a run config; writes results.md, results.json, "
                    "predictions.jsonl and confusion-matrix PNGs.")
    p.add_argument("--config", required=True, help="run config YAML (training/configs/*.yaml)")
    p.add_argument("--data", nargs="+", help="labeled JSONL file(s)/folder(s), overriding the config's data")
    p.add_argument("--models", nargs="+", help="evaluate only these models of the config")
    p.add_argument("-o", "--output", help="output directory (default: the config's output_dir)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_evaluate)

    p = subparsers.add_parser(
        "score", help="score a trained model on labeled data (no training)",
        description="Accuracy, macro-F1, per-label F1 and the confusion matrix of a trained model "
                    "(a directory or a packaged name such as default or baseline) on labeled JSONL data.")
    p.add_argument("model", help="model directory or packaged model name")
    p.add_argument("data", nargs="+", help="labeled JSONL file(s)/folder(s)")
    p.add_argument("-o", "--output", help="write results.md/json, predictions and the confusion PNG here")
    p.add_argument("--name", help="the model's name in the tables (default: as given)")
    p.set_defaults(func=run_score)

    p = subparsers.add_parser(
        "pretrain",
        help="pre-train an offline Chinese BERT base model (MLM) on a text corpus",
        description="Masked-language-model pre-training of a BERT with the offline character vocabulary. "
                    "CORPUS: folders of .txt/.jsonl files or .txt/.jsonl(.xz/.gz) files (JSONL: 'text' field).",
    )
    p.add_argument("corpus", nargs="+", help="corpus files or folders (read in place)")
    p.add_argument("-o", "--output", required=True, help="output directory for the base model")
    p.add_argument("--preset", default="small",
                   help="model size: a preset of clausetag.classifiers.vocab.PRESETS (default: small)")
    p.add_argument("--steps", type=int, default=1000, help="optimiser steps (default: 1000)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=128)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lowercase", action="store_true", help="lower-case Latin letters")
    p.add_argument("--device", default="auto",
                   help="cpu, cuda or auto (default: cuda when available); cuda fails where it is not")
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_pretrain)


def run_train(args: argparse.Namespace) -> int:
    """``clausetag train --config CONFIG [--data PATH ...] [--model NAME] -o DIR``"""
    from clausetag.harness.train import train

    created = writable_output(Path(args.output))  # before training, not after it
    try:
        model = train(args.config, data=args.data, output_dir=args.output, model_name=args.model,
                      progress=not args.no_progress)
    except BaseException:
        remove_created(created)
        raise
    info = model.metrics_.get("train_data", {})
    print(f"trained {info.get('model')} on {info.get('examples')} clauses from {info.get('documents')} "
          f"documents; saved to {args.output}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """``clausetag evaluate --config CONFIG [--data PATH ...] [--models NAME ...] [-o OUTDIR]``"""
    from clausetag.harness.evaluate import evaluate
    from clausetag.harness.metrics import report_markdown
    from clausetag.harness.train import ConfigError, as_config, select_models

    cfg = as_config(args.config, check_files=False)  # evaluate checks the models it runs
    if args.output is None and cfg.output_dir is None:
        raise ConfigError(cfg.source, "output_dir", "no output directory: set output_dir or pass -o")
    select_models(cfg, args.models)  # missing base models etc. before the output folder is made
    created = writable_output(Path(args.output or str(cfg.output_dir)), "-o" if args.output else "output_dir")
    try:
        report = evaluate(cfg, data=args.data, output_dir=args.output, models=args.models,
                          progress=not args.no_progress)
    except BaseException:
        remove_created(created)
        raise
    print(report_markdown(report.results, report.labels).split("\n\nPer-label")[0])
    print(f"results written to {Path(report.files['markdown']).parent}")
    return 0


def run_score(args: argparse.Namespace) -> int:
    """``clausetag score MODEL DATA... [-o OUT]``"""
    from clausetag.harness.evaluate import score_model
    from clausetag.harness.metrics import report_markdown

    created = writable_output(Path(args.output)) if args.output else []
    try:
        report = score_model(args.model, args.data, output_dir=args.output, name=args.name)
    except BaseException:
        remove_created(created)
        raise
    seen = report.settings.get("in_training_data")
    n_docs = len({r.get("doc_id") for r in report.predictions})
    if seen:
        names = ", ".join(seen[:3]) + (", …" if len(seen) > 3 else "")
        print(f"clausetag score: warning: {len(seen)} of the {n_docs} scored document(s) ({names}) are in the "
              f"training data of {args.model} (its model card lists them): these scores overstate how it "
              "does on new text", file=sys.stderr)
    elif seen is None:
        print(f"clausetag score: note: the model card of {args.model} does not list its training documents; "
              "cannot tell whether the scored ones are among them", file=sys.stderr)
    print(report_markdown(report.results, report.labels).split("\n\nPer-label")[0])
    if args.output:
        print(f"results written to {args.output}")
    return 0


def run_pretrain(args: argparse.Namespace) -> int:
    """``clausetag pretrain CORPUS... -o DIR [--preset small] [--steps N] ...``"""
    from clausetag.classifiers.vocab import PRESETS

    if args.preset not in PRESETS:
        raise UserError(f"unknown --preset {args.preset!r}; choose from {', '.join(sorted(PRESETS))}")
    for module in ("torch", "transformers"):
        require(module, "pretrain")
    check_device(args.device)
    from clausetag.pretrained.mlm import pretrain_mlm

    window: list[float] = []
    started = time.perf_counter()

    def log_line(step: int, loss: float) -> None:  # with --no-progress: one line per --log-every steps
        window.append(loss)
        if step % args.log_every == 0 or step == args.steps:
            print(f"step {step}/{args.steps} loss {sum(window) / len(window):.4f} "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
            window.clear()

    out = pretrain_mlm(
        args.corpus, args.output, args.preset, steps=args.steps, batch_size=args.batch_size,
        seq_len=args.seq_len, lr=args.lr, seed=args.seed, lowercase=args.lowercase, device=args.device,
        log_every=args.log_every, progress=not args.no_progress,
        callback=log_line if args.no_progress else None,
    )
    card = json.loads((out / "clausetag.json").read_text(encoding="utf-8"))
    curve = card["loss_curve"]
    if curve:
        print(f"loss {curve[0]['loss']:.3f} (step {curve[0]['step']}) -> {curve[-1]['loss']:.3f} "
              f"(step {curve[-1]['step']}) in {card['seconds']} s")
    print(f"base model written to {out}")
    return 0

