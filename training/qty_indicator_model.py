"""A learned re-ranker of indicator spans on top of the rules (issue 27): cross-sample validation.

For every quantity whose rules give an indicator, the candidates are the rules' span and its variants whose
start and end lie on a jieba word boundary (or the rules' own edge) within ``WINDOW`` characters of the
rules' edges, not crossing the quantity or a clause break. A logistic regression scores each candidate
(gold: the candidate equals the annotated indicator by the scorer's comparison); the best one is kept.
Validated by training on one annotated sample and testing on the other, both directions, and 5-fold by
sentence over the union. Run from the repository root::

    python training/qty_indicator_model.py
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.quantities import extract_quantities  # noqa: E402
from clausetag.quantities.evaluate import TAC_ROLES, align_spans, gold_spans, read_sample, same_field  # noqa: E402

SAMPLES = {"sample": ROOT / "labels/quantities_sample", "reach": ROOT / "labels/quantities_reach"}
WINDOW = 8
#: whether :func:`cand_features` says which candidate is the rules' span (``--no-rules``: ranking on its own)
USE_RULES = True
_BREAKS = "，,；;：:。！!？?"


def _tokens(text: str) -> list[tuple[int, int, str, str]]:
    import jieba.posseg as pseg

    out, pos = [], 0
    for w, flag in pseg.cut(text):
        out.append((pos, pos + len(w), w, flag))
        pos += len(w)
    return out


def candidates(text: str, toks: Sequence[tuple[int, int, str, str]], q: Any) -> list[tuple[int, int]]:
    a, b = q.indicator_start, q.indicator_end
    bounds = sorted({t[0] for t in toks} | {len(text), a, b})
    lo, hi = a, b
    while lo > 0 and a - lo < WINDOW and text[lo - 1] not in _BREAKS:
        lo -= 1
    while hi < len(text) and hi - b < WINDOW and text[hi] not in _BREAKS:
        hi += 1
    starts = [x for x in bounds if lo <= x <= min(a + WINDOW, b - 1)]
    ends = [x for x in bounds if max(b - WINDOW, a + 1) <= x <= hi]
    out = {(a, b)}
    for s in starts:
        for e in ends:
            if e - s < 1 or e - s > 40:
                continue
            if s < q.end and e > q.start:  # crosses the quantity
                continue
            out.add((s, e))
    return sorted(out)


def _tok_at(toks: Sequence[tuple[int, int, str, str]], pos: int) -> tuple[str, str]:
    for t in toks:
        if t[0] <= pos < t[1]:
            return t[2], t[3]
    return "", "END"


def cand_features(text: str, toks: Sequence[tuple[int, int, str, str]], q: Any, s: int, e: int) -> dict[str, float]:
    a, b = q.indicator_start, q.indicator_end
    f: dict[str, float] = {"bias": 1.0}
    if USE_RULES:
        f["is_rule"] = float((s, e) == (a, b))
    f["ds=" + str(max(-WINDOW, min(WINDOW, s - a)))] = 1.0
    f["de=" + str(max(-WINDOW, min(WINDOW, e - b)))] = 1.0
    f["len=" + str(min(e - s, 20) // 2)] = 1.0
    f["side=" + ("before" if e <= q.start else "after")] = 1.0
    f["kind=" + q.kind] = 1.0
    f["role=" + q.role] = 1.0
    w, p = _tok_at(toks, s)
    f["first=" + w] = 1.0
    f["first_pos=" + p] = 1.0
    w, p = _tok_at(toks, e - 1)
    f["last=" + w] = 1.0
    f["last_pos=" + p] = 1.0
    f["last_char=" + text[e - 1]] = 1.0
    f["first_char=" + text[s]] = 1.0
    f["prev_char=" + (text[s - 1] if s else "^")] = 1.0
    f["next_char=" + (text[e] if e < len(text) else "$")] = 1.0
    # what the candidate adds to or cuts from the rules' span, word by word
    for name, lo, hi in (("add_left", s, a), ("cut_left", a, s), ("add_right", b, e), ("cut_right", e, b)):
        if lo < hi:
            f[f"{name}=" + text[lo:hi]] = 1.0
            for t in toks:
                if lo <= t[0] < hi:
                    f[f"{name}_w=" + t[2]] = 1.0
                    f[f"{name}_pos=" + t[3]] = 1.0
    f["has_de"] = float("的" in text[s:e])
    f["has_list"] = float("、" in text[s:e])
    return f


def load(name: str, sample: Path | None = None, gold_path: Path | None = None) -> list[dict[str, Any]]:
    """Per gold target/actual/cap quantity aligned to a rule quantity with an indicator: candidates, features,
    labels; and the rule's own correctness (``rule_ok``), for every gold target/actual/cap quantity."""
    d = SAMPLES.get(name, ROOT)
    sents, gold = read_sample(sample or d / "sample.jsonl", gold_path or d / "gold.jsonl")
    items = []
    for r in sents:
        if r["sid"] not in gold:
            continue
        text = r["text"]
        pq = extract_quantities(text, learned=False)
        gq = gold[r["sid"]]
        pairs = align_spans(gold_spans(text, gq), [(q.start, q.end) for q in pq])
        toks = _tokens(text) if any(q.indicator is not None for q in pq) else []
        for gi, g in enumerate(gq):
            if g["role"] not in TAC_ROLES:
                continue
            pi = pairs.get(gi)
            q = pq[pi] if pi is not None else None
            item: dict[str, Any] = {"sid": r["sid"], "rule_ok": q is not None and same_field("indicator", q.indicator,
                                                                                         g["indicator"])}
            if q is not None and q.indicator is not None:
                cands = candidates(text, toks, q)
                item["cands"] = cands
                item["X"] = [cand_features(text, toks, q, s, e) for s, e in cands]
                item["y"] = [int(same_field("indicator", text[s:e], g["indicator"])) for s, e in cands]
            items.append(item)
    return items


def fit(items: Sequence[dict[str, Any]], C: float = 1.0) -> Any:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X = [x for it in items if "X" in it for x in it["X"]]
    y = [v for it in items if "X" in it for v in it["y"]]
    model = make_pipeline(DictVectorizer(sort=True), LogisticRegression(C=C, max_iter=5000, random_state=0))
    model.fit(X, y)
    return model


def score(items: Sequence[dict[str, Any]], model: Any = None) -> dict[str, float]:
    n = len(items)
    ok = oracle = 0
    for it in items:
        if "X" not in it or model is None:
            ok += it["rule_ok"]
            oracle += it["rule_ok"] or any(it.get("y", []))
            continue
        p = model.predict_proba(it["X"])[:, 1]
        ok += it["y"][int(np.argmax(p))]
        oracle += it["rule_ok"] or any(it["y"])
    return {"n": n, "acc": ok / n, "oracle": oracle / n}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--no-rules", action="store_true", help="leave out which candidate is the rules' span")
    ap.add_argument("--eval", nargs=2, metavar=("SAMPLE", "GOLD"),
                    help="train on both committed samples and score this other annotated sample (rules vs learned)")
    ap.add_argument("--train-extra", nargs=2, action="append", default=[], metavar=("SAMPLE", "GOLD"),
                    help="with --eval: also train on this annotated sample (repeatable), e.g. labels/quantities_train")
    args = ap.parse_args(argv)
    global USE_RULES
    USE_RULES = not args.no_rules
    data = {k: load(k) for k in SAMPLES}
    print("| test | n tac | indicator: rules | learned | best candidate (ceiling) |")
    print("|---|---:|---:|---:|---:|")
    if args.eval:
        other = load("eval", Path(args.eval[0]), Path(args.eval[1]))
        extra = [r for k, (smp, gold) in enumerate(args.train_extra) for r in load(f"extra{k}", Path(smp), Path(gold))]
        m = fit(data["sample"] + data["reach"] + extra, args.C)
        r0, r1 = score(other), score(other, m)
        print(f"| eval (trained on sample + reach{' + extra' if extra else ''}) | {r0['n']} | {r0['acc']:.3f} | {r1['acc']:.3f} | {r1['oracle']:.3f} |")
        return 0
    for train, test in (("sample", "reach"), ("reach", "sample")):
        m = fit(data[train], args.C)
        r0, r1 = score(data[test]), score(data[test], m)
        print(f"| {test} (trained on {train}) | {r0['n']} | {r0['acc']:.3f} | {r1['acc']:.3f} | {r1['oracle']:.3f} |")
    union = data["sample"] + data["reach"]
    sids = sorted({it["sid"] for it in union})
    rng = np.random.default_rng(27)
    fold_of = dict(zip(sids, rng.permutation(len(sids)) % 5))
    ok0 = ok1 = 0.0
    for k in range(5):
        tr = [it for it in union if fold_of[it["sid"]] != k]
        te = [it for it in union if fold_of[it["sid"]] == k]
        m = fit(tr, args.C)
        ok0 += score(te)["acc"] * len(te)
        ok1 += score(te, m)["acc"] * len(te)
    print(f"| union 5-fold by sentence | {len(union)} | {ok0 / len(union):.3f} | {ok1 / len(union):.3f} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
