"""Fused role accuracy on train3+train4 with the fold-0 role reader (recs.pkl) and a linear role model trained on
the fold-0 rows with or without the precision features."""
import os, sys, pickle, random, math
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/training"); sys.path.insert(0, "/tmp/mt")
import qty_rerank as T
from clausetag.quantities import rerank as R
from clausetag.quantities.reader import log_softmax
if os.environ.get("PREC"):
    import rfeat; rfeat.install()
rows, golden = pickle.loads(open("/tmp/qtycand/rows.pkl", "rb").read())
old, new, _ = pickle.loads(open("/tmp/qtyw/rows.pkl", "rb").read())
dev = [r for r in new if r["sid"].startswith("qw-")] + T.load(T.ROOT/"labels/quantities_train4/sample.jsonl", T.ROOT/"labels/quantities_train4/gold.jsonl")
rnd = random.Random(0); idx = list(range(len(rows))); rnd.shuffle(idx); f0 = set(idx[0::5])
tr = [rows[i] for i in range(len(rows)) if i not in f0] + golden
import cv as CV; role = CV.train_role([(tr, 1.0)])
recs = pickle.load(open("/tmp/qrole/recs.pkl", "rb"))
ROLES = ["target", "actual", "cap", "threshold", "other"]
k = 0; res = {v: [0, 0] for v in (0, .5, .6, .7)}; n = 0
for r in dev:
    text = r["text"]
    for gi, pi in r["pairs"].items():
        g = r["gold"][gi].get("role")
        if g not in ROLES: continue
        x = recs[k]; k += 1
        assert x["gold"] == g
        if g not in ("target", "actual", "cap"): continue
        n += 1
        lin = dict(zip(role.classes, log_softmax(role.scores(R.role_features(text, r["pred"][pi])))))
        for v in res:
            if math.exp(max(lin.values())) >= 0.98: p = max(lin, key=lin.get)
            else: p = max(ROLES, key=lambda c: (1 - v) * lin[c] + v * x["tfp"][ROLES.index(c)])
            res[v][0] += p == g
print("PREC" if os.environ.get("PREC") else "base", n, {v: round(a / n, 3) for v, (a, _) in res.items()})
