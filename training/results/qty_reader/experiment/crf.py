"""5-fold CV: char CRF indicator tagger vs the shipped ranker."""
import pickle, random, sys, time, statistics as st, collections
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/training"); sys.path.insert(0, "/tmp/qtycand")
import pycrfsuite
import qty_rerank as T
from clausetag.quantities import rerank as R
from clausetag.quantities.evaluate import TAC_ROLES, same_field
import jieba, jieba.posseg as pseg, logging
jieba.setLogLevel(logging.WARNING)
rows, golden = pickle.loads(open("/tmp/qtycand/rows.pkl","rb").read())
roles = pickle.loads(open("/tmp/qtycand/roles.pkl","rb").read())
STOP = set("。；;！？!?\n")
_seg = {}
def seg(text):
    if text not in _seg:
        out = []; pos = 0
        for w in pseg.cut(text):
            out.append((pos, pos+len(w.word), w.word, w.flag)); pos += len(w.word)
        _seg[text] = out
    return _seg[text]

def region(text, q):
    lo = q.start
    while lo > 0 and text[lo-1] not in STOP and q.start - lo < 80: lo -= 1
    hi = q.end
    while hi < len(text) and text[hi] not in STOP and hi - q.end < 50: hi += 1
    return lo, hi

def bucket(d):
    return str(d) if d < 4 else ("4-6" if d < 7 else ("7-12" if d < 13 else ("13-24" if d < 25 else "25+")))

def featurize(text, q, qs):
    lo, hi = region(text, q)
    toks = seg(text)
    wat = {}
    for s, e, w, p in toks:
        if e <= lo or s >= hi: continue
        for i in range(max(s, lo), min(e, hi)):
            wb = "S" if e - s == 1 else ("B" if i == s else ("E" if i == e-1 else "M"))
            wat[i] = (w, p, wb)
    others = set()
    for o in qs:
        if o is not q:
            others.update(range(o.start, o.end))
    a, b = (q.indicator_start, q.indicator_end) if q.indicator is not None else (None, None)
    X = []
    for i in range(lo, hi):
        c = text[i]
        w, p, wb = wat.get(i, ("", "x", "S"))
        if i < q.start:
            side = "L"; d = q.start - i; between = text[i+1:q.start]
        elif i >= q.end:
            side = "R"; d = i - q.end + 1; between = text[q.end:i]
        else:
            side = "Q"; d = 0; between = ""
        commas = min(sum(ch in "，,：:" for ch in between), 2)
        db = bucket(d)
        if a is None: rule = "none"
        elif a <= i < b: rule = "S" if b - a == 1 else ("B" if i == a else ("E" if i == b-1 else "I"))
        else: rule = "O"
        f = ["bias", "c="+c, "c-1="+(text[i-1] if i > lo else "^"), "c+1="+(text[i+1] if i+1 < hi else "$"),
             "c-2="+(text[i-2] if i-1 > lo else "^"), "c+2="+(text[i+2] if i+2 < hi else "$"),
             "b-="+text[max(lo,i-1):i+1], "b+="+text[i:i+2],
             "w="+w, "wp="+p, "wb="+wb, "wpwb="+p+wb, "side="+side, "d="+side+db, "cm="+side+str(commas),
             "rule="+rule, "rule_side="+rule+side, "kind="+side+q.kind, "role="+side+q.role,
             "sc="+side+c, "swp="+side+p+wb, "sdc="+side+db+str(commas)]
        if i in others: f.append("inother")
        if side == "Q": f.append("inq")
        X.append(f)
    return lo, hi, X

def labels(text, q, ind, lo, hi):
    y = ["O"] * (hi - lo)
    if not ind: return y
    occ = [i for i in range(lo, hi - len(ind) + 1) if text.startswith(ind, i) and (i + len(ind) <= q.start or i >= q.end)]
    if not occ: return None
    i = min(occ, key=lambda i: min(abs(i+len(ind)-q.start), abs(i-q.end)))
    y[i-lo] = "B"
    for k in range(i+1, i+len(ind)): y[k-lo] = "I"
    return y

def decode(text, q, lo, tags):
    spans = []; i = 0
    while i < len(tags):
        if tags[i] == "B" or (tags[i] == "I" and (i == 0 or tags[i-1] == "O")):
            j = i+1
            while j < len(tags) and tags[j] == "I": j += 1
            spans.append((lo+i, lo+j)); i = j
        else: i += 1
    if not spans: return None
    return min(spans, key=lambda s: min(abs(s[1]-q.start), abs(s[0]-q.end)))

def examples(rs, role):
    out = []
    for r in rs:
        text = r["text"]
        qs = T.with_indicators(text, r["pred"], role)
        for gi, g in enumerate(r["gold"]):
            pi = r["pairs"].get(gi)
            if g["role"] not in TAC_ROLES or pi is None: continue
            q = qs[pi]
            lo, hi, X = featurize(text, q, qs)
            y = labels(text, q, g.get("indicator"), lo, hi)
            if y is None: continue
            out.append((X, y))
    return out

def train(exs, path, c1=0.05, c2=0.05, iters=150):
    tr = pycrfsuite.Trainer(verbose=False)
    for X, y in exs: tr.append(X, y)
    tr.set_params({"c1": c1, "c2": c2, "max_iterations": iters, "feature.possible_transitions": True})
    tr.train(path)

def evaluate(rs, role, path, mode="crf"):
    tg = pycrfsuite.Tagger(); tg.open(path)
    n = acc = 0; errs = []
    for r in rs:
        text = r["text"]
        qs = T.with_indicators(text, r["pred"], role)
        for gi, g in enumerate(r["gold"]):
            pi = r["pairs"].get(gi)
            if g["role"] not in TAC_ROLES or pi is None or not g.get("indicator"): continue
            n += 1
            q = qs[pi]
            if q.role not in TAC_ROLES: continue
            lo, hi, X = featurize(text, q, qs)
            sp = decode(text, q, lo, tg.tag(X))
            pred = text[sp[0]:sp[1]] if sp else q.indicator
            ok = pred is not None and same_field("indicator", pred, g["indicator"])
            acc += ok
            if not ok: errs.append((text, q.text, g["indicator"], pred, q.indicator))
    return n, acc, errs

if __name__ == "__main__":
    c1 = float(sys.argv[1]) if len(sys.argv) > 1 else 0.05
    c2 = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
    rnd = random.Random(0)
    idx = list(range(len(rows))); rnd.shuffle(idx)
    folds = [set(idx[k::5]) for k in range(5)]
    res = []; allerr = []
    t0 = time.time()
    for k, (f, role) in enumerate(zip(folds, roles)):
        tr = [rows[i] for i in range(len(rows)) if i not in f] + golden
        te = [rows[i] for i in sorted(f)]
        p = f"/tmp/qtycrf/f{k}.crf"
        train(examples(tr, role), p, c1, c2)
        n, a, e = evaluate(te, role, p); res.append((n, a)); allerr += e
        print(k, n, a/n, f"{time.time()-t0:.0f}s", flush=True)
    N = sum(n for n, a in res); A = sum(a for n, a in res)
    print(f"c1={c1} c2={c2} CRF acc {A/N:.3f} folds", " ".join(f"{a/n:.3f}" for n, a in res))
    pickle.dump(allerr, open(f"/tmp/qtycrf/errs_{c1}_{c2}.pkl", "wb"))
