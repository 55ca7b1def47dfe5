"""A learned role re-ranker on top of the quantity rules (issue 27): features, cross-sample validation.

The rules of :mod:`clausetag.quantities` give each quantity a role; this script asks whether a small linear
model over the rules' role and the quantity's context generalises better than the rules alone, by training
on one annotated random sample and testing on the other (both directions) and by 5-fold cross-validation by
sentence over their union. Run from the repository root::

    python training/qty_role_model.py            # the validation tables (docs/quantities.md)

Gold: every gold quantity of ``labels/quantities_sample`` and ``labels/quantities_reach`` aligned to a
predicted span by :func:`clausetag.quantities.evaluate.align_spans` (identical span, else largest overlap).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.quantities import extract_quantities  # noqa: E402
from clausetag.quantities.evaluate import TAC_ROLES, align_spans, gold_spans, read_sample  # noqa: E402
from clausetag.quantities.rerank import _TO_YEAR, _YEAR, CUES  # noqa: E402  (the shipped model's cue words)

SAMPLES = {"sample": ROOT / "labels/quantities_sample", "reach": ROOT / "labels/quantities_reach"}

_PUNCT = "，,；;：:。！!？?"


def _seg_start(text: str, pos: int) -> int:
    i = pos
    while i > 0 and text[i - 1] not in _PUNCT:
        i -= 1
    return i


def _seg_end(text: str, pos: int) -> int:
    i = pos
    while i < len(text) and text[i] not in _PUNCT:
        i += 1
    return i


#: whether :func:`features` includes the rules' role (``--no-rules``: a classifier on its own)
USE_RULES = True
#: ``--titles``: words of the document title as features (context ``extract_quantities`` does not get)
TITLE_WORDS = ("总结", "报告", "情况", "公报", "工作", "成效", "进展", "回顾", "方案", "规划", "意见", "通知", "计划",
               "办法", "措施", "实施", "行动", "纲要", "要点", "若干", "关于", "年")
USE_TITLES = False
#: ``--branches``: which return of ``quantities._role`` gave the rules' role, and its cue role (traced)
USE_BRANCHES = False


def features(text: str, q: Any, title: str = "", branch: tuple[Any, ...] | None = None) -> dict[str, float]:
    """Sparse features of one quantity (``q`` has start, end, kind, comparator, unit, role, year)."""
    s, e = q.start, q.end
    f: dict[str, float] = {}
    if USE_BRANCHES and branch is not None:
        f[f"branch={branch[0]}"] = 1.0
        f[f"branch={branch[0]}|kind={q.kind}"] = 1.0
        f[f"cue_role={branch[1]}"] = 1.0
        f[f"target_seen={branch[2]}"] = 1.0
    if USE_RULES:
        rr = q.role
        f["rule=" + rr] = 1.0
        f[f"rule={rr}|kind={q.kind}"] = 1.0
        f[f"rule={rr}|comp={q.comparator}"] = 1.0
    f["kind=" + q.kind] = 1.0
    f["comp=" + q.comparator] = 1.0
    f["unit=" + q.unit] = 1.0
    f["year=" + ("none" if q.year is None else "set")] = 1.0
    left, right = text[max(0, s - 20):s], text[e:e + 10]
    for n in (1, 2, 3):
        for i in range(len(left) - n + 1):
            f["L:" + left[i:i + n]] = 1.0
        for i in range(len(right) - n + 1):
            f["R:" + right[i:i + n]] = 1.0
    for k in (1, 2, 3):
        f[f"L{k}:" + left[-k:]] = 1.0
        f[f"R{k}:" + right[:k]] = 1.0
    ss, se = _seg_start(text, s), _seg_end(text, e)
    f["seg0:" + text[ss:ss + 2]] = 1.0
    f["lead=" + str(min(s - ss, 12) // 3)] = 1.0
    f["closes=" + str(e >= se)] = 1.0
    f["first_seg=" + str(ss == 0)] = 1.0
    before, after = text[:s], text[e:]
    for w in CUES:
        if w in before:
            f["B:" + w] = 1.0
        if w in after:
            f["A:" + w] = 1.0
        if w in text[ss:s]:
            f["SB:" + w] = 1.0
    if USE_TITLES:
        for w in TITLE_WORDS:
            if w in title:
                f["T:" + w] = 1.0
                if USE_RULES:
                    f[f"T:{w}|rule={q.role}"] = 1.0
    ym = list(_YEAR.finditer(before))
    if ym:
        f["year_before"] = 1.0
        f["year_before_dist=" + str(min(s - ym[-1].end(), 40) // 10)] = 1.0
        f["year_at_start=" + str(ym[0].start() <= 2)] = 1.0
    if _TO_YEAR.search(before):
        f["to_year_before"] = 1.0
    if _YEAR.search(after):
        f["year_after"] = 1.0
    return f


def _titles() -> dict[str, str]:
    """``{"policies.jsonl.xz:<id>": title}`` of the shared corpus (``CLAUSETAG_CORPUS`` or /work/shared/corpus)."""
    import lzma
    import os

    if _TITLE_CACHE:
        return _TITLE_CACHE
    root = Path(os.environ.get("CLAUSETAG_CORPUS", "/work/shared/corpus"))
    for name in ("policies.jsonl.xz", "regulations.jsonl.xz"):
        with lzma.open(root / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                _TITLE_CACHE[f"{name}:{doc['id']}"] = doc.get("title") or ""
    return _TITLE_CACHE


_TITLE_CACHE: dict[str, str] = {}


def _traced_extract(text: str) -> tuple[list[Any], dict[tuple[int, int], tuple[Any, ...]]]:
    """The rules' quantities, and for each span the line of ``_role`` that returned its role (a trace)."""
    from clausetag.quantities import extract as quantities

    rec: dict[tuple[int, int], tuple[Any, ...]] = {}
    code = quantities._role.__code__

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "return":
            loc = frame.f_locals
            rec[(loc["q_start"], loc["q_end"])] = (frame.f_lineno, loc.get("cue_role"), loc.get("target_seen"))
        return local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code is code else None

    if not USE_BRANCHES:
        return extract_quantities(text, indicators=False, learned=False), rec
    sys.settrace(tracer)
    try:
        pq = extract_quantities(text, indicators=False, learned=False)
    finally:
        sys.settrace(None)
    return pq, rec


def load(name: str, sample: Path | None = None, gold_path: Path | None = None) -> list[dict[str, Any]]:
    """Rows of one sample: ``sid``, ``text``, ``pred`` (rule quantities), ``gold``, ``pairs`` (gold -> pred)."""
    d = SAMPLES.get(name, ROOT)
    sents, gold = read_sample(sample or d / "sample.jsonl", gold_path or d / "gold.jsonl")
    rows = []
    for r in sents:
        if r["sid"] not in gold:
            continue
        pq, rec = _traced_extract(r["text"])
        gq = gold[r["sid"]]
        pairs = align_spans(gold_spans(r["text"], gq), [(q.start, q.end) for q in pq])
        rows.append({"sid": r["sid"], "text": r["text"], "pred": pq, "gold": gq, "pairs": pairs,
                     "branches": [rec.get((q.start, q.end)) for q in pq],
                     "title": _titles().get(r["doc_source"].split("#")[0], "") if USE_TITLES else ""})
    return rows


def training_pairs(rows: Sequence[dict[str, Any]]) -> tuple[list[dict[str, float]], list[str]]:
    X, y = [], []
    for r in rows:
        for gi, pi in r["pairs"].items():
            X.append(features(r["text"], r["pred"][pi], r["title"], r["branches"][pi]))
            y.append(r["gold"][gi]["role"])
    return X, y


def fit(rows: Sequence[dict[str, Any]], C: float = 1.0) -> Any:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X, y = training_pairs(rows)
    model = make_pipeline(DictVectorizer(sort=True), LogisticRegression(C=C, max_iter=5000, random_state=0))
    model.fit(X, y)
    return model


#: ``--allow``: which changes of the rules' role the model may make (rule role, learned role) -> allowed
ALLOW = {"all": lambda a, b: True,
         "to_tac": lambda a, b: b in TAC_ROLES,
         "promote": lambda a, b: a not in TAC_ROLES and b in TAC_ROLES,
         "swap": lambda a, b: a in TAC_ROLES and b in TAC_ROLES}


def score(rows: Sequence[dict[str, Any]], model: Any = None, margin: float = 0.0,
          allow: str = "all") -> dict[str, float]:
    """Role accuracy on gold target/actual/cap (``tac``) and all gold (``all``); ``tac_precision``.

    With ``model`` the role of every predicted quantity is the model's, except where the model's
    probability of the rule's role is within ``margin`` of its best or the change is not in ``ALLOW[allow]``
    (then the rule's role stays)."""
    may = ALLOW[allow]
    n_tac = ok_tac = n_all = ok_all = n_ptac = ok_ptac = 0
    for r in rows:
        roles = [q.role for q in r["pred"]]
        if model is not None and r["pred"]:
            P = model.predict_proba([features(r["text"], q, r["title"], b) for q, b in zip(r["pred"], r["branches"])])
            classes = list(model.classes_)
            for i, q in enumerate(r["pred"]):
                best = int(np.argmax(P[i]))
                rule_p = P[i][classes.index(q.role)] if q.role in classes else 0.0
                if P[i][best] - rule_p > margin and may(q.role, classes[best]):
                    roles[i] = classes[best]
        inv = {pi: gi for gi, pi in r["pairs"].items()}
        for pi, role in enumerate(roles):
            if role in TAC_ROLES:
                n_ptac += 1
                gi = inv.get(pi)
                ok_ptac += gi is not None and r["gold"][gi]["role"] in TAC_ROLES
        for gi, g in enumerate(r["gold"]):
            pi = r["pairs"].get(gi)
            ok = pi is not None and roles[pi] == g["role"]
            n_all += 1
            ok_all += ok
            if g["role"] in TAC_ROLES:
                n_tac += 1
                ok_tac += ok
    return {"n_tac": n_tac, "tac": ok_tac / n_tac, "all": ok_all / n_all, "n_all": n_all,
            "tac_precision": ok_ptac / n_ptac if n_ptac else 1.0}


def _line(name: str, res: dict[str, float]) -> str:
    return f"| {name} | {res['n_tac']} | {res['tac']:.3f} | {res['n_all']} | {res['all']:.3f} | {res['tac_precision']:.3f} |"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation of the logistic regression")
    ap.add_argument("--margin", type=float, default=0.0, help="keep the rule's role unless beaten by this much")
    ap.add_argument("--allow", choices=sorted(ALLOW), default="all",
                    help="changes of the rules' role the model may make (to_tac: only to target/actual/cap)")
    ap.add_argument("--branches", action="store_true", help="add which rule gave the role (traced)")
    ap.add_argument("--titles", action="store_true", help="add words of the document title (from the corpus)")
    ap.add_argument("--no-rules", action="store_true", help="leave the rules' role out of the features")
    ap.add_argument("--eval", nargs=2, metavar=("SAMPLE", "GOLD"),
                    help="train on both committed samples and score this other annotated sample (rules vs learned)")
    ap.add_argument("--train-extra", nargs=2, action="append", default=[], metavar=("SAMPLE", "GOLD"),
                    help="with --eval: also train on this annotated sample (repeatable), e.g. labels/quantities_train")
    args = ap.parse_args(argv)
    global USE_RULES, USE_TITLES, USE_BRANCHES
    USE_RULES = not args.no_rules
    USE_TITLES = args.titles
    USE_BRANCHES = args.branches
    data = {k: load(k) for k in SAMPLES}
    print("| test | n tac | role tac | n all | role all | tac_precision |")
    print("|---|---:|---:|---:|---:|---:|")
    if args.eval:
        other = load("eval", Path(args.eval[0]), Path(args.eval[1]))
        extra = [r for k, (smp, gold) in enumerate(args.train_extra) for r in load(f"extra{k}", Path(smp), Path(gold))]
        m = fit(data["sample"] + data["reach"] + extra, args.C)
        print(_line("eval: rules", score(other)))
        print(_line("eval: learned (trained on sample + reach" + (" + extra" if extra else "") + ")", score(other, m, args.margin, args.allow)))
        return 0
    for train, test in (("sample", "reach"), ("reach", "sample")):
        m = fit(data[train], args.C)
        print(_line(f"{test}: rules", score(data[test])))
        print(_line(f"{test}: learned (trained on {train})", score(data[test], m, args.margin, args.allow)))
    union = data["sample"] + data["reach"]
    rng = np.random.default_rng(27)
    fold = rng.permutation(len(union)) % 5
    tot: dict[str, list[tuple[dict[str, float], list[dict[str, Any]]]]] = {"rules": [], "learned": []}
    for k in range(5):
        tr = [r for r, f in zip(union, fold) if f != k]
        te = [r for r, f in zip(union, fold) if f == k]
        m = fit(tr, args.C)
        tot["rules"].append((score(te), te))
        tot["learned"].append((score(te, m, args.margin, args.allow), te))
    for name, parts in tot.items():
        n_tac = sum(p["n_tac"] for p, _ in parts)
        n_all = sum(p["n_all"] for p, _ in parts)
        agg = {"n_tac": n_tac, "n_all": n_all,
               "tac": sum(p["tac"] * p["n_tac"] for p, _ in parts) / n_tac,
               "all": sum(p["all"] * p["n_all"] for p, _ in parts) / n_all,
               "tac_precision": float(np.mean([p["tac_precision"] for p, _ in parts]))}
        print(_line(f"union 5-fold: {name}", agg))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
