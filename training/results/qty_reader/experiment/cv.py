"""5-fold CV over the newer-guide samples (train2+train3): role and indicator accuracy of the shipped ranker
recipe trained with the older samples weighted w_old (0 = left out)."""
import pickle, random, sys, time, os
from pathlib import Path
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/training")
import qty_rerank as T
from clausetag.quantities import rerank as R
from clausetag.quantities.evaluate import TAC_ROLES, same_field
C = Path("/tmp/qtyw/rows.pkl")
if C.exists():
    old, new, golden = pickle.loads(C.read_bytes())
else:
    old = [r for d in ("labels/quantities_sample", "labels/quantities_reach", "labels/quantities_train")
           for r in T.load(T.ROOT/d/"sample.jsonl", T.ROOT/d/"gold.jsonl")]
    new = [r for d in ("labels/quantities_train2", "labels/quantities_train3")
           for r in T.load(T.ROOT/d/"sample.jsonl", T.ROOT/d/"gold.jsonl")]
    golden = [r for p in T.GOLDEN for r in T.load_golden(p)]
    C.write_bytes(pickle.dumps((old, new, golden)))
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

def fit(X, y, w, Cc=None):
    Cc = Cc if Cc is not None else float(os.environ.get("CC", "1.0"))
    vec = DictVectorizer(sort=True); M = vec.fit_transform([dict.fromkeys(sorted(x), 1.0) for x in X])
    clf = LogisticRegression(C=Cc, max_iter=5000, random_state=0); clf.fit(M, y, sample_weight=w)
    return R.LinearModel.from_sklearn(vec, clf, {}, T.MIN_WEIGHT)

def train_role(groups):
    X, y, w = [], [], []
    for rs, wt in groups:
        for r in rs:
            for gi, pi in r["pairs"].items():
                X.append(R.role_features(r["text"], r["pred"][pi])); y.append(r["gold"][gi]["role"]); w.append(wt)
                if os.environ.get("TDUP"):
                    import ctx as _c
                    if r["text"] in _c.CTX:
                        v = _c.CTX.pop(r["text"]); X.append(R.role_features(r["text"], r["pred"][pi])); _c.CTX[r["text"]] = v
                        y.append(r["gold"][gi]["role"]); w.append(wt)
    return fit(X, y, w, float(os.environ.get("CR", "1.0")))

def train_ind(groups, role):
    X, y, w = [], [], []
    for rs, wt in groups:
        for r in rs:
            text = r["text"]; qs = T.with_indicators(text, r["pred"], role)
            for gi, g in enumerate(r["gold"]):
                pi = r["pairs"].get(gi)
                if g["role"] not in TAC_ROLES or pi is None or qs[pi].indicator is None or not g.get("indicator"): continue
                cands, feats = R.indicator_candidates(text, qs[pi])
                labels = [int(text[s:e] == g["indicator"]) for s, e in cands]
                if not any(labels): labels = [int(same_field("indicator", text[s:e], g["indicator"])) for s, e in cands]
                X += feats; y += labels; w += [wt] * len(labels)
    return fit(X, y, w, float(os.environ.get("CI", "1.0")))

def evaluate(rs, role, ind):
    n = rok = iok = 0
    for r in rs:
        text = r["text"]; qs = R.rerank_indicators(text, T.with_indicators(text, r["pred"], role), ind)
        for gi, g in enumerate(r["gold"]):
            if g["role"] not in TAC_ROLES: continue
            n += 1; pi = r["pairs"].get(gi)
            if pi is None: continue
            q = qs[pi]; rok += q.role == g["role"]
            iok += same_field("indicator", q.indicator, g.get("indicator"))
    return n, rok, iok

if __name__ == "__main__":
    if os.environ.get("FEATS"): import feats; feats.install()
    if os.environ.get("RFEATS") == "1": import feats; feats.install_role()
    if os.environ.get("RFEATS") == "t": import feats; feats.install_role_tense()
    if os.environ.get("PREC"): import rfeat; rfeat.install()
    if os.environ.get("CTX") == "prev": import ctxprev; ctxprev.install([old, new, golden])
    elif os.environ.get("CTX"): import ctx; ctx.install([old, new])
    w_old = float(sys.argv[1]); w_gold = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    w_role_old = float(sys.argv[3]) if len(sys.argv) > 3 else w_old
    rnd = random.Random(0); idx = list(range(len(new))); rnd.shuffle(idx)
    folds = [set(idx[k::5]) for k in range(5)]
    tot = [0, 0, 0]; per = []; t0 = time.time()
    for f in folds:
        tr = [new[i] for i in range(len(new)) if i not in f]; te = [new[i] for i in sorted(f)]
        gr = [(tr, 1.0)] + ([(old, w_role_old)] if w_role_old else []) + ([(golden, w_gold)] if w_gold else [])
        gi = [(tr, 1.0)] + ([(old, w_old)] if w_old else []) + ([(golden, w_gold)] if w_gold else [])
        role = train_role(gr); ind = train_ind(gi, role)
        if os.environ.get("EVALNOCTX"):
            import ctx as _c; saved = dict(_c.CTX); _c.CTX.clear()
            n, a, b = evaluate(te, role, ind); _c.CTX.update(saved)
        else:
            n, a, b = evaluate(te, role, ind)
        per.append(b / n)
        tot = [tot[0]+n, tot[1]+a, tot[2]+b]
    print(f"w_old={w_old} w_gold={w_gold} w_role_old={w_role_old}: n {tot[0]} role {tot[1]/tot[0]:.3f} indicator {tot[2]/tot[0]:.3f} folds "
          + " ".join(f"{x:.3f}" for x in per) + f" ({time.time()-t0:.0f}s)", flush=True)
