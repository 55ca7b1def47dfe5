import os, sys, pickle, random, math
os.environ["FOLD"] = "0"
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/training"); sys.path.insert(0, "/tmp/qtyw")
import torch
torch.set_num_threads(1)
import span as S
import qty_rerank as T
from clausetag.quantities import rerank as R
from clausetag.quantities import reader as Rd
from clausetag.quantities.evaluate import TAC_ROLES, same_field
old, new, golden = pickle.loads(open("/tmp/qtyw/rows.pkl","rb").read())
dev = [r for r in new if r["sid"].startswith("qw-")]
dev += T.load(T.ROOT/"labels/quantities_train4/sample.jsonl", T.ROOT/"labels/quantities_train4/gold.jsonl")
rows = S.rows
rnd = random.Random(0); idx = list(range(len(rows))); rnd.shuffle(idx); f0 = set(idx[0::5])
tr = [rows[i] for i in range(len(rows)) if i not in f0] + golden
role = T.train_role(tr); ind = T.train_indicator(tr, role, C=3.0)
model = S.Span(); model.load_state_dict(torch.load("/tmp/qtycrf/span_f0.pt")); model.eval()
recs = []; n = 0
for r in dev:
    text = r["text"]; qs0 = T.with_indicators(text, r["pred"], role)
    for gi, g in enumerate(r["gold"]):
        if g["role"] not in TAC_ROLES: continue
        n += 1; pi = r["pairs"].get(gi)
        if pi is None or qs0[pi].role not in TAC_ROLES: continue
        q = qs0[pi]
        ids, offs = S.encode(text, q.start, q.end)
        with torch.no_grad():
            sl, el = model(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))
        starts, ends = Rd.span_logprobs(sl[0].tolist(), el[0].tolist(), offs)
        best = Rd.best_span(starts, ends, q.start, q.end)
        cands, feats = R.indicator_candidates(text, q)
        C = {c: [ind.scores(f)[0], None] for c, f in zip(cands, feats)}
        if best is not None and best not in C: C[best] = [None, None]
        for c in C:
            if c[0] in starts and c[1] in ends: C[c][1] = starts[c[0]] + ends[c[1]]
        recs.append(dict(text=text, C=[(c, a, b, same_field("indicator", text[c[0]:c[1]], g.get("indicator"))) for c, (a, b) in C.items()],
                         rule=(q.indicator_start, q.indicator_end), rule_ind=q.indicator, gold=g.get("indicator")))
print("n", n, "recs", len(recs))
pickle.dump((n, recs), open("/tmp/qtycrf/tune.pkl", "wb"))
