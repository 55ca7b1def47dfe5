"""With the fold-0 joint reader: fused indicator accuracy on train3+train4 when the reader offers its top k spans."""
import os, sys, pickle, random, math
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/training")
import torch; torch.set_num_threads(int(os.environ.get("THREADS", "2")))
from pathlib import Path
from tokenizers import Tokenizer
import qty_rerank as T, qty_reader as QR
from clausetag.quantities import rerank as R, reader as Rd
from clausetag.quantities.evaluate import TAC_ROLES, same_field
ENC = Path("/work/main/.cache/e5-small-zh"); tok = Tokenizer.from_file(str(ENC / "tokenizer.json"))
model, _ = QR.train_reader([], "joint", ENC, epochs=0); model.load_state_dict(torch.load(sys.argv[1])); model.eval()
rows, golden = pickle.loads(open("/tmp/qtycand/rows.pkl", "rb").read())
old, new, _ = pickle.loads(open("/tmp/qtyw/rows.pkl", "rb").read())
dev = [r for r in new if r["sid"].startswith("qw-")] + T.load(T.ROOT/"labels/quantities_train4/sample.jsonl", T.ROOT/"labels/quantities_train4/gold.jsonl")
rnd = random.Random(0); idx = list(range(len(rows))); rnd.shuffle(idx); f0 = set(idx[0::5])
tr = [rows[i] for i in range(len(rows)) if i not in f0] + golden
role = T.train_role(tr); ind = T.train_indicator(tr, role, C=3.0)
def topk(starts, ends, qs, qe, k, max_chars=40):
    sc = []
    for a, sa in starts.items():
        for b, sb in ends.items():
            if b <= a or b - a > max_chars or (a < qe and b > qs): continue
            sc.append((sa + sb, (a, b)))
    return [c for _, c in sorted(sc, reverse=True)[:k]]
recs = []; n = 0
for r in dev:
    text = r["text"]; qs0 = T.with_indicators(text, r["pred"], role)
    for gi, g in enumerate(r["gold"]):
        if g["role"] not in TAC_ROLES: continue
        n += 1; pi = r["pairs"].get(gi)
        if pi is None or qs0[pi].role not in TAC_ROLES: continue
        q = qs0[pi]; enc = Rd.encode(tok, text, q.start, q.end, 160)
        with torch.no_grad(): o = model(torch.tensor([enc.ids]), torch.ones(1, len(enc.ids), dtype=torch.long))[0]
        starts, ends = Rd.span_logprobs(o[:, 0].tolist(), o[:, 1].tolist(), enc.offsets)
        cands, feats = R.indicator_candidates(text, q)
        recs.append((text, g.get("indicator"), cands, [ind.scores(f)[0] for f in feats], starts, ends, topk(starts, ends, q.start, q.end, 5)))
pickle.dump((n, recs), open(sys.argv[1] + ".topk.pkl", "wb"))
def lsg(x): return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))
for k in (1, 2, 3, 5):
    for w, pr, pt in ((.5, -4, -5), (.6, -4, -5), (.5, -6, -5), (.5, -3, -5)):
        ok = orc = 0
        for text, gold, cands, scores, starts, ends, tk in recs:
            opts = dict(zip(cands, scores))
            for c in tk[:k]:
                opts.setdefault(c, None)
            best, top = None, -1e18
            for (s, e), sc in opts.items():
                v = (1-w)*(lsg(sc) if sc is not None else pr) + w*(starts[s]+ends[e] if s in starts and e in ends else pt)
                if v > top: top, best = v, (s, e)
            ok += same_field("indicator", text[best[0]:best[1]], gold) if best else gold is None
            orc += any(same_field("indicator", text[s:e], gold) for s, e in opts)
        print(f"k {k} w {w} pr {pr} pt {pt}: fused {ok/n:.3f} oracle {orc/n:.3f}")
