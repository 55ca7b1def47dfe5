"""Joint reader A/B: train on the fold-0 training rows (older samples minus fold 0, + golden), score on
quantities_train3 + train4 exactly as tune.py / role_exp.py scored the single-task readers."""
import os, sys, pickle, random, math, time
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/training")
import torch
torch.set_num_threads(int(os.environ.get("THREADS", "2")))
from pathlib import Path
from tokenizers import Tokenizer
import qty_rerank as T
import qty_reader as QR
from clausetag.quantities import rerank as R
from clausetag.quantities import reader as Rd
from clausetag.quantities.evaluate import TAC_ROLES, same_field
ENC = Path("/work/main/.cache/e5-small-zh"); EPOCHS = float(os.environ.get("EPOCHS", "3"))
OUT = os.environ.get("OUT", "/tmp/mt/joint_f0")
tok = Tokenizer.from_file(str(ENC / "tokenizer.json"))
rows, golden = pickle.loads(open("/tmp/qtycand/rows.pkl", "rb").read())
old, new, _ = pickle.loads(open("/tmp/qtyw/rows.pkl", "rb").read())
dev = [r for r in new if r["sid"].startswith("qw-")] + T.load(T.ROOT/"labels/quantities_train4/sample.jsonl", T.ROOT/"labels/quantities_train4/gold.jsonl")
rnd = random.Random(0); idx = list(range(len(rows))); rnd.shuffle(idx); f0 = set(idx[0::5])
tr = [rows[i] for i in range(len(rows)) if i not in f0] + golden
log = open(OUT + ".log", "a")
def say(m): print(time.strftime("%H:%M:%S"), m, file=log, flush=True)
exs = QR.joint_examples(tr, tok, 160)
say(f"train rows {len(tr)} examples {len(exs)} with span {sum(e[3] is not None for e in exs)}")
model, steps = QR.train_reader(exs, "joint", ENC, epochs=EPOCHS, role_weight=float(os.environ.get("RW", "1")), say=say)
torch.save(model.state_dict(), OUT + ".pt")
def run(text, s, e):
    enc = Rd.encode(tok, text, s, e, 160)
    with torch.no_grad():
        o = model(torch.tensor([enc.ids]), torch.ones(1, len(enc.ids), dtype=torch.long))[0]
    return o, enc
MO = tok.token_to_id("【")
role = T.train_role(tr); ind = T.train_indicator(tr, role, C=3.0)
# roles
ROLES = list(QR.ROLES); rrecs = []
for r in dev:
    text = r["text"]
    for gi, pi in r["pairs"].items():
        g = r["gold"][gi].get("role")
        if g not in ROLES: continue
        q = r["pred"][pi]; o, enc = run(text, q.start, q.end)
        lp = Rd.log_softmax(o[enc.ids.index(MO), 2:].tolist())
        lin = Rd.log_softmax(role.scores(R.role_features(text, q)))
        lind = dict(zip(role.classes, lin))
        rrecs.append((g, dict(zip(ROLES, lp)), lind))
def racc(v, skip=1.0, tac=True):
    ok = n = 0
    for g, lp, lin in rrecs:
        if tac and g not in TAC_ROLES: continue
        n += 1
        if math.exp(max(lin.values())) >= skip: p = max(lin, key=lin.get)
        else: p = max(ROLES, key=lambda k: (1-v)*lin[k] + v*lp[k])
        ok += p == g
    return ok / n, n
for v in (0, .5, .6, .7, 1.0): say(f"role v {v}: tac {racc(v)[0]:.3f} (n {racc(v)[1]}) all {racc(v, tac=False)[0]:.3f}; skip .98 tac {racc(v, .98)[0]:.3f}")
# spans, as tune.py
recs = []; n = 0
for r in dev:
    text = r["text"]; qs0 = T.with_indicators(text, r["pred"], role)
    for gi, g in enumerate(r["gold"]):
        if g["role"] not in TAC_ROLES: continue
        n += 1; pi = r["pairs"].get(gi)
        if pi is None or qs0[pi].role not in TAC_ROLES: continue
        q = qs0[pi]; o, enc = run(text, q.start, q.end)
        starts, ends = Rd.span_logprobs(o[:, 0].tolist(), o[:, 1].tolist(), enc.offsets)
        best = Rd.best_span(starts, ends, q.start, q.end)
        cands, feats = R.indicator_candidates(text, q)
        C = {c: [ind.scores(f)[0], None] for c, f in zip(cands, feats)}
        if best is not None and best not in C: C[best] = [None, None]
        for c in C:
            if c[0] in starts and c[1] in ends: C[c][1] = starts[c[0]] + ends[c[1]]
        recs.append(dict(text=text, C=[(c, a, b, same_field("indicator", text[c[0]:c[1]], g.get("indicator"))) for c, (a, b) in C.items()], gold=g.get("indicator")))
pickle.dump((n, recs, rrecs), open(OUT + "_recs.pkl", "wb"))
def lsg(x): return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))
def pick(r, w, pr, pt):
    best, top = None, -1e18
    for c, a, b, good in r["C"]:
        v = (1-w)*(lsg(a) if a is not None else pr) + w*(b if b is not None else pt)
        if v > top: top, best = v, good
    return best
for g in [(0, -99, -10), (1, -8, -99), (.5, -4, -5), (.6, -4, -5), (.7, -4, -5), (.5, -4, -10)]:
    say(f"span {g}: {sum(pick(r, *g) for r in recs)/n:.3f} (n {n}, recs {len(recs)}, oracle {sum(any(x[3] for x in r['C']) for r in recs)/n:.3f})")
