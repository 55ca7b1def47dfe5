"""Add the list of training documents (``metrics.train_data.doc_ids``) to the cards of the shipped models.

    python training/add_training_documents.py [--check]

Models trained since clausetag records this list themselves (``clausetag train`` and ``save_models`` of
``clausetag evaluate``); the shipped ones were trained before, so their lists are rebuilt here from the
training configs they were trained with, and checked against the counts their cards already hold
(examples, documents). Only ``clausetag.json`` changes; no weights are touched. ``clausetag score``
reads the list to warn when it scores a model on its own training documents.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.classifiers.card import read_card, write_card  # noqa: E402
from clausetag.harness.train import as_config, config_labels, document_ids, examples, load_records  # noqa: E402

MODELS = ROOT / "clausetag" / "resources" / "models"
#: model directory → the config whose ``data`` it was trained on, and where in the card the counts are
SHIPPED = {
    "default": ("training/configs/default_model.yaml", "train_data"),
    "ensemble/baseline": ("training/configs/default_model.yaml", "train_data"),
    "ensemble/transformer": ("training/configs/e5_finetune_heldout.yaml", "train"),  # its training split
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that the cards list their documents")
    args = ap.parse_args()
    stale = 0
    for name, (config, counts_key) in SHIPPED.items():
        cfg = as_config(ROOT / config, check_files=False)
        records = load_records([ROOT / p for p in cfg.data], source=cfg.source)
        n_examples = len(examples(records, config_labels(cfg))[0])
        card = read_card(MODELS / name)
        metrics = card.setdefault("metrics", {})
        counts = metrics.get(counts_key, {})
        if counts.get("examples") != n_examples:
            raise SystemExit(f"{name}: {config} gives {n_examples} examples, the card says {counts.get('examples')}; "
                             "the labels changed since the model was trained")
        docs = document_ids(records)
        train_data = metrics.setdefault("train_data", {"examples": n_examples, "documents": len(docs),
                                                       "config": config})
        if train_data.get("documents", len(docs)) != len(docs):
            raise SystemExit(f"{name}: {len(docs)} documents, the card says {train_data['documents']}")
        if train_data.get("doc_ids") == docs:
            continue
        stale += 1
        if not args.check:
            train_data["doc_ids"] = docs
            write_card(MODELS / name, card)
            print(f"{name}: {len(docs)} training documents listed")
    if args.check and stale:
        print(f"{stale} card(s) do not list their training documents", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
