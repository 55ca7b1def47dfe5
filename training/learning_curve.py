#!/usr/bin/env python3
"""Learning curve of the policy-document labels (issue 22): macro-F1 on the policy held-out set and on the
eight held-out regulations for models trained with 0, 25, 50 and 100 % of the new policy documents.

    python training/learning_curve.py                       # baseline rows, about a minute on 2 cores
    python training/learning_curve.py --models-config training/configs/e5_finetune_heldout.yaml \
        --models e5-ft --out training/results/learning_curve_e5   # transformer rows (tens of CPU-minutes each)

Every run trains on the base data of ``training/configs/extra_heldout_seed_plus_extra.yaml`` (the seeds,
35 regulations, the targeted clauses) plus the first ``fraction`` of the policy documents in a seeded
random order (``--seed``), so each larger fraction contains the smaller ones and every row uses the same
seed. One model is trained per fraction and scored on both test sets; the held-out documents
(``labels/policy_heldout``) are never training data. Writes ``results.md``, ``results.json`` and
``curve.png`` to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from clausetag.harness.evaluate import evaluate
from clausetag.harness.metrics import classification_report
from clausetag.harness.train import load_config
from clausetag.harness.validation import gold_files

ROOT = Path(__file__).resolve().parents[1]
BASE_CONFIG = ROOT / "training" / "configs" / "extra_heldout_seed_plus_extra.yaml"
DEFAULT_MODELS = [{"name": "baseline-char", "type": "baseline", "params": {"char_ngrams": [1, 3]}}]


def policy_documents(folder: Path, seed: int) -> list[Path]:
    """The policy gold files in a seeded random order (the order in which fractions take them)."""
    paths = sorted(gold_files(folder))  # documents.jsonl is a manifest, not gold
    random.Random(seed).shuffle(paths)
    return paths


def run(fractions: list[float], models: list[dict[str, Any]], policy: Path, heldout: Path, seed: int,
        out: Path) -> list[dict[str, Any]]:
    base = load_config(BASE_CONFIG)
    docs = policy_documents(policy, seed)
    policy_test = sorted(str(p) for p in gold_files(heldout))
    if not policy_test:
        raise SystemExit(f"{heldout}: no gold *.jsonl files (annotate the held-out set first)")
    reg_test = [str(p) for p in base.test_data]
    policy_ids = {Path(p).stem for p in policy_test}
    rows: list[dict[str, Any]] = []
    for fraction in fractions:
        taken = docs[: round(fraction * len(docs))]
        config = {"name": f"learning_curve_{fraction:g}", "data": [*base.data, *map(str, taken)], "lodo": False,
                  "test_data": policy_test + reg_test, "seed": seed, "models": models}
        report = evaluate(config, progress=False)
        n_clauses = sum(1 for p in taken for line in p.open(encoding="utf-8") if line.strip())
        for spec in models:
            name = spec["name"]
            for test_set, keep in (("policy held-out", lambda d: d in policy_ids),
                                   ("8 regulations", lambda d: d not in policy_ids)):
                preds = [p for p in report.predictions if keep(str(p["doc_id"]))]
                rep = classification_report([p["gold"] for p in preds], [p[name] for p in preds], report.labels)
                rows.append({"model": name, "fraction": fraction, "policy_docs": len(taken),
                             "policy_clauses": n_clauses, "test_set": test_set, "n": rep["n"],
                             "accuracy": round(rep["accuracy"], 4), "macro_f1": round(rep["macro_f1"], 4)})
                print(f"{name} {fraction:>4.0%} ({len(taken)} docs, {n_clauses} clauses) {test_set}: "
                      f"macro-F1 {rep['macro_f1']:.3f} acc {rep['accuracy']:.3f}", flush=True)
    write(rows, out, " ".join(sys.argv[1:]))
    return rows


def write(rows: list[dict[str, Any]], out: Path, args: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    lines = ["# Learning curve of the policy-document labels", "",
             f"`python training/learning_curve.py {args}`".replace(" `", "`"), "",
             "| model | policy data | documents | clauses | test set | clauses tested | accuracy | macro-F1 |",
             "|---|---:|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['fraction']:.0%} | {r['policy_docs']} | {r['policy_clauses']} | "
                     f"{r['test_set']} | {r['n']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} |")
    (out / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fig, ax = plt.subplots(figsize=(6, 4))
    for (model, test_set) in dict.fromkeys((r["model"], r["test_set"]) for r in rows):
        pts = [(r["policy_clauses"], r["macro_f1"]) for r in rows if r["model"] == model and r["test_set"] == test_set]
        ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o", label=f"{model}: {test_set}")
    ax.set_xlabel("policy-document clauses in training")
    ax.set_ylabel("macro-F1")
    ax.set_title("Learning curve (policy labels added to seeds + regulations)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "curve.png", dpi=120)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.0, 0.25, 0.5, 1.0])
    parser.add_argument("--policy", type=Path, default=ROOT / "labels" / "policy")
    parser.add_argument("--heldout", type=Path, default=ROOT / "labels" / "policy_heldout")
    parser.add_argument("--models-config", type=Path, help="take the models from this run config")
    parser.add_argument("--models", nargs="+", help="only these model names of --models-config")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "training" / "results" / "learning_curve")
    args = parser.parse_args()
    models = DEFAULT_MODELS
    if args.models_config:
        import yaml

        models = yaml.safe_load(args.models_config.read_text(encoding="utf-8"))["models"]
        if args.models:
            models = [m for m in models if m["name"] in args.models]
    run(args.fractions, models, args.policy, args.heldout, args.seed, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
