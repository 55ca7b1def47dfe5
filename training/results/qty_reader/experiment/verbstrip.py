import pickle, math, sys
sys.path.insert(0, "/work/main")
from clausetag.quantities.evaluate import same_field
from clausetag.quantities.rerank import _pos_cut
n, recs = pickle.load(open("/tmp/qtycrf/tune.pkl", "rb"))[:2]
def lsg(x): return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))
base = strip = ch = 0; ex = []
for r in recs:
    best, top = None, -1e18
    for c, a, b, good in r["C"]:
        v = .5*(lsg(a) if a is not None else -4) + .5*(b if b is not None else -5)
        if v > top: top, best = v, (c, good)
    (s, e), good = best; span = r["text"][s:e]
    base += good
    toks = list(_pos_cut(span))
    new = span
    if len(toks) >= 2 and toks[0][1] == "v" and len(span) - len(toks[0][0]) >= 2 and any(f.startswith("n") for _, f in toks[1:]):
        new = span[len(toks[0][0]):]
    g2 = same_field("indicator", new, r["gold"])
    strip += g2
    if new != span: ch += 1; ex.append((span, new, r["gold"], good, g2))
print(n, "base", round(base/n, 4), "strip", round(strip/n, 4), "changed", ch)
for x in ex[:25]: print(x)
