import pickle, math, random, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/qtycrf/tune.pkl"
d = pickle.load(open(path, "rb")); n, recs = d[0], d[1]
def lsg(x): return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))
def feats(r):
    C = r["C"]; rk = sorted([a for _, a, _, _ in C if a is not None], reverse=True)
    rb = sorted([b for _, _, b, _ in C if b is not None], reverse=True)
    out = []
    for c, a, b, good in C:
        f = [lsg(a) if a is not None else -8, a is None, b if b is not None else -15, b is None,
             (rk[0] - a) if a is not None else 10, (rb[0] - b) if b is not None else 30, (c[1]-c[0]) / 10]
        out.append(f)
    return np.array(out, dtype=float)
def pick_fixed(r, w=.5, pr=-4, pt=-5):
    best, top = None, -1e18
    for c, a, b, good in r["C"]:
        v = (1-w)*(lsg(a) if a is not None else pr) + w*(b if b is not None else pt)
        if v > top: top, best = v, good
    return best
texts = sorted({r["text"] for r in recs}); rnd = random.Random(0); rnd.shuffle(texts)
K = 5; fold = {t: i % K for i, t in enumerate(texts)}
tot_s = tot_f = 0
for k in range(K):
    tr = [r for r in recs if fold[r["text"]] != k]; te = [r for r in recs if fold[r["text"]] == k]
    X = np.vstack([feats(r) for r in tr]); y = np.array([g for r in tr for *_, g in r["C"]])
    m = LogisticRegression(C=1.0, max_iter=2000).fit(X, y)
    for r in te:
        s = m.decision_function(feats(r)); tot_s += r["C"][int(np.argmax(s))][3]
        tot_f += pick_fixed(r)
print(f"stacked {tot_s/n:.3f} fixed {tot_f/n:.3f} n {n}")
