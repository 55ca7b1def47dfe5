import pickle, math, random
n, recs = pickle.load(open("/tmp/qtycrf/tune.pkl", "rb"))
def ls(x): return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))
def pick(r, w, pr, pt):
    best, top = None, -1e18
    for c, a, b, good in r["C"]:
        v = (1-w)*(ls(a) if a is not None else pr) + w*(b if b is not None else pt)
        if v > top: top, best = v, good
    return best
def acc(rr, *g): return sum(pick(r, *g) for r in rr)
rnd = random.Random(0); texts = sorted({r["text"] for r in recs}); rnd.shuffle(texts)
half = set(texts[:len(texts)//2]); A = [r for r in recs if r["text"] in half]; B = [r for r in recs if r["text"] not in half]
grid = [(w, p, tp) for w in (0, .2, .3, .4, .5, .6, .7, 1.0) for p in (-2, -4, -8) for tp in (-5, -10, -20)]
nA = n * len(A) / len(recs)
for name, tr, te in (("A->B", A, B), ("B->A", B, A)):
    best = max(grid, key=lambda g: acc(tr, *g))
    print(name, best, f"test {acc(te, *best)/len(te):.3f} ranker {acc(te, 0, -99, -10)/len(te):.3f} reader {acc(te, 1, -8, -99)/len(te):.3f} fixed(.4,-4,-10) {acc(te, .4, -4, -10)/len(te):.3f}")
for g in [(0, -99, -10), (1, -8, -99), (.4, -4, -10), (.5, -4, -10), (.3, -4, -10)]:
    print(g, f"all dev over n={n}: {acc(recs, *g)/n:.3f}")
res = sorted(((acc(recs, *g)/n, g) for g in [(w, p, tp) for w in (.3, .4, .5, .6, .7) for p in (-2, -4, -8) for tp in (-5, -10, -20)]), reverse=True)
for a, g in res[:8]: print(g, f"{a:.3f}")
