"""Train the shipped role and indicator re-rankers of the quantity extractor (issue 27).

Trains :mod:`clausetag.quantities.rerank`'s two logistic regressions on the annotated random samples
``labels/quantities_sample``, ``labels/quantities_reach`` and ``labels/quantities_train`` to
``labels/quantities_train4`` (plus any ``--train-extra SAMPLE GOLD``, repeatable) and writes their weights as
JSON. Run from the repository root (the packaged models)::

    python training/qty_rerank.py --out clausetag/resources/quantities

Role: every gold quantity aligned (``clausetag.quantities.evaluate.align_spans``) to a quantity of the rules
(``extract_quantities(..., learned=False)``) is one example, its gold role the label. Indicator: the rules'
quantities with the just-trained role model applied and the rules' indicators; every gold target/actual/cap
quantity aligned to one with an indicator gives its candidate spans, labelled 1 where the candidate equals the
annotated indicator by the scorer's comparison. Deterministic (lbfgs, ``--seed``). Never train on the test sets
(``_TEST_SAMPLES``: ``labels/quantities_test``, ``_test2``, ``_test3``, ``_written`` … ``_written12``, ``_remainder``,
``_regulations`` … ``_regulations3``): ``--train-extra`` refuses a sample or gold file in one of their folders, and a
sample holding any of their sentences.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.quantities.evaluate import TAC_ROLES, align_spans, gold_spans, read_sample, same_field  # noqa: E402
from clausetag.quantities.extract import extract_quantities  # noqa: E402
from clausetag.quantities.indicators import find_indicators  # noqa: E402
from clausetag.quantities.rerank import (  # noqa: E402
    INDICATOR_MODEL,
    ROLE_MODEL,
    LinearModel,
    indicator_candidates,
    rerank_roles,
    role_features,
)

#: the development/training samples (never the test samples)
TRAIN_SAMPLES = ("labels/quantities_sample", "labels/quantities_reach", "labels/quantities_train",
                 "labels/quantities_train2", "labels/quantities_train3", "labels/quantities_train4",
                 "labels/quantities_wtrain")
_TEST_SAMPLES = ("quantities_test", "quantities_test2", "quantities_test3", "quantities_written", "quantities_written2",
                 "quantities_written3", "quantities_written4", "quantities_written5", "quantities_written6",
                 "quantities_written7", "quantities_written8", "quantities_written9", "quantities_written10",
                 "quantities_written11", "quantities_written12", "quantities_remainder", "quantities_regulations",
                 "quantities_regulations2", "quantities_regulations3")
#: weights below this (all classes) are dropped from the files: on the 3,188 quantities of the three training
#: samples the pruned role model decides every role as the full one (39k of 61k features kept)
MIN_WEIGHT = 0.01


def load(sample: str | Path, gold: str | Path) -> list[dict[str, Any]]:
    """Rows with ``text``, ``gold`` (annotated quantities), ``pred`` (the rules' quantities, no indicators)
    and ``pairs`` (gold index -> pred index) for every annotated sentence of one sample."""
    sents, gq = read_sample(sample, gold)
    rows = []
    for r in sents:
        if r["sid"] not in gq:
            continue
        text = r["text"]
        pred = extract_quantities(text, indicators=False, learned=False)
        g = gq[r["sid"]]
        rows.append({"sid": r["sid"], "text": text, "gold": g, "pred": pred,
                     "pairs": align_spans(gold_spans(text, g), [(q.start, q.end) for q in pred])})
    return rows


GOLDEN = (ROOT / "tests/data/quantities_golden.jsonl", ROOT / "tests/data/indicators_golden.jsonl")


def load_golden(path: str | Path) -> list[dict[str, Any]]:
    """Rows (as :func:`load`) of a golden table of the tests: real sentences whose quantities carry a role
    (``quantities_golden.jsonl``: every quantity, by offsets) or a role and an indicator
    (``indicators_golden.jsonl``: the target/actual/cap quantities in order; a quantity of the rules it does
    not list is not target/actual/cap, and is an example only where the rules agree)."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        cases = [json.loads(line) for line in fh if line.strip()]
    for c in cases:
        text = c["text"]
        pred = extract_quantities(text, indicators=False, learned=False)
        gold: list[dict[str, Any]] = []
        pairs: dict[int, int] = {}
        if all("start" in g for g in c["quantities"]):
            spans = {(q.start, q.end): pi for pi, q in enumerate(pred)}
            for g in c["quantities"]:
                pi = spans.get((g["start"], g["end"]))
                if pi is not None and "role" in g:
                    pairs[len(gold)] = pi
                    gold.append(g)
        else:
            pi = 0
            for g in c["quantities"]:
                while pi < len(pred) and pred[pi].text != g["text"]:
                    if pred[pi].role not in TAC_ROLES:
                        pairs[len(gold)] = pi
                        gold.append({"text": pred[pi].text, "role": pred[pi].role})
                    pi += 1
                if pi < len(pred):
                    pairs[len(gold)] = pi
                    gold.append(g)
                    pi += 1
            for k in range(pi, len(pred)):
                if pred[k].role not in TAC_ROLES:
                    pairs[len(gold)] = k
                    gold.append({"text": pred[k].text, "role": pred[k].role})
        rows.append({"sid": c["id"], "text": text, "gold": gold, "pred": pred, "pairs": pairs})
    return rows


def _fit(X: list[set[str]], y: list[Any], C: float, seed: int) -> tuple[Any, Any]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer(sort=True)
    M = vec.fit_transform([dict.fromkeys(sorted(x), 1.0) for x in X])
    clf = LogisticRegression(C=C, max_iter=5000, random_state=seed)
    clf.fit(M, y)
    return vec, clf


def train_role(rows: Sequence[dict[str, Any]], C: float = 1.0, seed: int = 0, margin: float = 0.0) -> LinearModel:
    X, y = [], []
    for r in rows:
        for gi, pi in r["pairs"].items():
            X.append(role_features(r["text"], r["pred"][pi]))
            y.append(r["gold"][gi]["role"])
    vec, clf = _fit(X, y, C, seed)
    return LinearModel.from_sklearn(vec, clf, {"C": C, "seed": seed, "examples": len(y), "margin": margin},
                                    MIN_WEIGHT)


def with_indicators(text: str, pred: Sequence[Any], role: LinearModel) -> list[Any]:
    """The rules' quantities with learned roles and the rules' indicators (the indicator re-ranker's input)."""
    from dataclasses import replace

    qs = rerank_roles(text, pred, role)
    return [q if ind is None else replace(q, indicator=ind.text, indicator_start=ind.start, indicator_end=ind.end)
            for q, ind in zip(qs, find_indicators(text, qs))]


def train_indicator(rows: Sequence[dict[str, Any]], role: LinearModel, C: float = 1.0, seed: int = 0) -> LinearModel:
    X: list[set[str]] = []
    y: list[int] = []
    n_items = 0
    for r in rows:
        text = r["text"]
        qs = with_indicators(text, r["pred"], role)
        for gi, g in enumerate(r["gold"]):
            pi = r["pairs"].get(gi)
            if g["role"] not in TAC_ROLES or pi is None or qs[pi].indicator is None or not g.get("indicator"):
                continue
            cands, feats = indicator_candidates(text, qs[pi])
            n_items += 1
            X += feats
            # the annotated span exactly where a candidate has it, else the scorer's comparison
            labels = [int(text[s:e] == g["indicator"]) for s, e in cands]
            if not any(labels):
                labels = [int(same_field("indicator", text[s:e], g["indicator"])) for s, e in cands]
            y += labels
    vec, clf = _fit(X, y, C, seed)
    return LinearModel.from_sklearn(vec, clf, {"C": C, "seed": seed, "quantities": n_items, "candidates": len(y)},
                                    MIN_WEIGHT)


def _texts(sample: Path, gold: Path) -> set[str]:
    """The sentences of an annotated sample (``read_sample``: a line that is not JSON names its file)."""
    return {r["text"] for r in read_sample(sample, gold)[0]}


def _test_texts() -> set[str]:
    """The sentences of every test sample under labels/ (a copy of one is refused as training data too)."""
    out: set[str] = set()
    for name in _TEST_SAMPLES:
        folder = ROOT / "labels" / name
        if (folder / "sample.jsonl").exists():
            out |= _texts(folder / "sample.jsonl", folder / "gold.jsonl")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="folder for rerank_role.json and rerank_indicator.json "
                    "(the packaged ones: clausetag/resources/quantities)")
    ap.add_argument("--train-extra", nargs=2, action="append", default=[], metavar=("SAMPLE", "GOLD"),
                    help="also train on this annotated sample (repeatable), e.g. labels/quantities_train2/...")
    ap.add_argument("--C-role", type=float, default=1.0, help="inverse regularisation of the role model")
    ap.add_argument("--C-indicator", type=float, default=3.0,
                    help="inverse regularisation of the indicator model (3: by 5-fold CV over quantities_train2/3, "
                    "docs/quantities.md)")
    ap.add_argument("--seed", type=int, default=0, help="random_state of the logistic regressions")
    ap.add_argument("--no-golden", action="store_true",
                    help="leave out the golden tables of the tests (tests/data/quantities_golden.jsonl, "
                    "indicators_golden.jsonl), real cases of constructions the random samples rarely hold")
    args = ap.parse_args(argv)
    pairs = [(ROOT / d / "sample.jsonl", ROOT / d / "gold.jsonl") for d in TRAIN_SAMPLES]
    pairs += [(Path(s), Path(g)) for s, g in args.train_extra]
    for path in [p for pair in pairs for p in pair]:
        if Path(path).resolve().parent.name in _TEST_SAMPLES:
            raise SystemExit(f"error: {path}: a test sample; do not train on it")
    held_out = _test_texts()
    for s, g in args.train_extra:
        try:
            shared = _texts(Path(s), Path(g)) & held_out
        except (OSError, ValueError) as exc:
            raise SystemExit(f"error: {exc}") from None
        if shared:
            raise SystemExit(f"error: {s}: {len(shared)} sentences of a test sample; do not train on them")
    rows: list[dict[str, Any]] = []
    for s, g in pairs:
        try:
            part = load(s, g)
        except (OSError, ValueError) as exc:
            raise SystemExit(f"error: {exc}") from None
        print(f"{s}: {len(part)} sentences, {sum(len(r['pairs']) for r in part)} aligned quantities", file=sys.stderr)
        rows += part
    if not args.no_golden:
        for path in GOLDEN:
            part = load_golden(path)
            print(f"{path}: {len(part)} sentences, {sum(len(r['pairs']) for r in part)} aligned quantities",
                  file=sys.stderr)
            rows += part
    role = train_role(rows, args.C_role, args.seed)
    ind = train_indicator(rows, role, args.C_indicator, args.seed)
    os.makedirs(args.out, exist_ok=True)
    for model, name in ((role, ROLE_MODEL), (ind, INDICATOR_MODEL)):
        path = Path(args.out) / Path(name).name
        model.meta["trained_on"] = [str(Path(s).parent.name) for s, _ in pairs] + (
            [] if args.no_golden else [p.name for p in GOLDEN])
        model.save(path)
        print(f"{path}: {len(model.weights)} features x {len(model.classes)} classes, "
              f"{path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
