import os, sys, pickle, random
os.environ["FOLD"] = "0"
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/training"); sys.path.insert(0, "/tmp/qtyw")
import torch
import span as S
import qty_rerank as T
from clausetag.quantities import rerank as R
from clausetag.quantities.evaluate import TAC_ROLES, same_field
old, new, golden = pickle.loads(open("/tmp/qtyw/rows.pkl","rb").read())
dev = [r for r in new if r["sid"].startswith("qw-")]
dev += [r for d in ("labels/quantities_train4",) for r in T.load(T.ROOT/d/"sample.jsonl", T.ROOT/d/"gold.jsonl")]
rows = S.rows
rnd = random.Random(0); idx = list(range(len(rows))); rnd.shuffle(idx); f0 = set(idx[0::5])
tr = [rows[i] for i in range(len(rows)) if i not in f0] + golden
import cv as CV
role = CV.train_role([(tr, 1.0)]); ind = CV.train_ind([(tr, 1.0)], role)
model = S.Span(); model.load_state_dict(torch.load("/tmp/qtycrf/span_f0.pt")); model.eval()
n = rk = tf = orc = 0; recs = []
for r in dev:
    text = r["text"]; qs0 = T.with_indicators(text, r["pred"], role); qs = R.rerank_indicators(text, qs0, ind)
    for gi, g in enumerate(r["gold"]):
        if g["role"] not in TAC_ROLES: continue
        n += 1; pi = r["pairs"].get(gi)
        if pi is None or qs[pi].role not in TAC_ROLES: continue
        q = qs[pi]
        ok_r = same_field("indicator", q.indicator, g.get("indicator"))
        ids, offs = S.encode(text, q.start, q.end)
        with torch.no_grad():
            sl, el = model(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))
        (a, b), sc = S.best_span(sl[0].tolist(), el[0].tolist(), offs)
        tspan = (offs[a][0], offs[b][1])
        ok_t = same_field("indicator", text[tspan[0]:tspan[1]], g.get("indicator"))
        cands, feats = R.indicator_candidates(text, qs0[pi])
        rk += ok_r; tf += ok_t; orc += ok_r or ok_t
        recs.append(dict(ok_r=ok_r, ok_t=ok_t, tspan=tspan, rspan=(q.indicator_start, q.indicator_end), in_cands=tspan in cands,
                         tscore=float(sc), sl=sl[0].tolist(), el=el[0].tolist(), offs=offs, cands=cands,
                         rscores=[ind.scores(f)[0] for f in feats], text=text, gold=g.get("indicator")))
print(f"n {n} ranker {rk/n:.3f} transformer {tf/n:.3f} oracle {orc/n:.3f}")
pickle.dump(recs, open("/tmp/qtycrf/combo.pkl", "wb"))
