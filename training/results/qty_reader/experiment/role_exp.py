"""Role classifier on e5-small-zh (marker-token head): train on fold-0 training rows of the older samples
(+ golden), evaluate on quantities_train3 + train4 against the LR role model trained on the same rows."""
import os, sys, pickle, random, math, time
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/training")
import torch, torch.nn as nn
from tokenizers import Tokenizer
from transformers import AutoModel
import qty_rerank as T
from clausetag.quantities.rerank import rerank_roles
from clausetag.quantities.reader import encode
from clausetag.quantities.evaluate import TAC_ROLES
torch.set_num_threads(2); torch.manual_seed(0)
ENC = "/work/main/.cache/e5-small-zh"; EPOCHS = float(os.environ.get("EPOCHS", "2"))
tok = Tokenizer.from_file(ENC + "/tokenizer.json"); MO = tok.token_to_id("【"); PAD = tok.token_to_id("<pad>")
ROLES = ["target", "actual", "cap", "threshold", "other"]
rows, golden = pickle.loads(open("/tmp/qtycand/rows.pkl", "rb").read())
old, new, _ = pickle.loads(open("/tmp/qtyw/rows.pkl", "rb").read())
dev = [r for r in new if r["sid"].startswith("qw-")] + T.load(T.ROOT/"labels/quantities_train4/sample.jsonl", T.ROOT/"labels/quantities_train4/gold.jsonl")
rnd = random.Random(0); idx = list(range(len(rows))); rnd.shuffle(idx); f0 = set(idx[0::5])
tr = [rows[i] for i in range(len(rows)) if i not in f0] + golden
def exs_of(rs):
    out = []
    for r in rs:
        for gi, pi in r["pairs"].items():
            q = r["pred"][pi]; role = r["gold"][gi].get("role")
            if role not in ROLES: continue
            e = encode(tok, r["text"], q.start, q.end)
            out.append((e.ids, e.ids.index(MO), ROLES.index(role)))
    return out
exs = exs_of(tr); print("train", len(exs), flush=True)
class M(nn.Module):
    def __init__(self):
        super().__init__(); self.enc = AutoModel.from_pretrained(ENC); self.head = nn.Linear(384, 5)
    def forward(self, ids, mask, pos):
        h = self.enc(input_ids=ids, attention_mask=mask).last_hidden_state
        return self.head(h[torch.arange(len(pos)), pos])
m = M(); opt = torch.optim.AdamW(m.parameters(), lr=5e-5, weight_decay=0.01)
BS = 16; steps = int(math.ceil(len(exs)/BS)*EPOCHS); warm = max(1, steps//10)
sch = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min((k+1)/warm, max(0.0, (steps-k)/(steps-warm))))
ce = nn.CrossEntropyLoss(); step = 0; t0 = time.time(); m.train()
while step < steps:
    order = list(range(len(exs))); rnd.shuffle(order); order.sort(key=lambda i: len(exs[i][0])//16 + rnd.random())
    bs = [order[i:i+BS] for i in range(0, len(order), BS)]; rnd.shuffle(bs)
    for b in bs:
        if step >= steps: break
        w = max(len(exs[i][0]) for i in b)
        ids = torch.tensor([exs[i][0] + [PAD]*(w-len(exs[i][0])) for i in b]); mask = (ids != PAD).long()
        loss = ce(m(ids, mask, torch.tensor([exs[i][1] for i in b])), torch.tensor([exs[i][2] for i in b]))
        loss.backward(); nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step(); sch.step(); opt.zero_grad(); step += 1
        if step % 50 == 0: print(f"step {step}/{steps} loss {loss.item():.3f} {time.time()-t0:.0f}s", flush=True)
m.eval(); torch.save(m.state_dict(), "/tmp/qrole/role_f0.pt")
lr = T.train_role(tr)
recs = []
for r in dev:
    text = r["text"]; qs = rerank_roles(text, r["pred"], lr)
    for gi, pi in r["pairs"].items():
        g = r["gold"][gi].get("role")
        if g not in ROLES: continue
        q = r["pred"][pi]; e = encode(tok, text, q.start, q.end)
        with torch.no_grad():
            p = torch.log_softmax(m(torch.tensor([e.ids]), torch.ones(1, len(e.ids), dtype=torch.long), torch.tensor([e.ids.index(MO)]))[0], -1).tolist()
        sc = lr.scores(__import__("clausetag.quantities.rerank", fromlist=["x"]).role_features(text, q))
        recs.append(dict(gold=g, lr=qs[pi].role, tf=ROLES[max(range(5), key=p.__getitem__)], tfp=p, lrs=dict(zip(lr.classes, sc))))
pickle.dump(recs, open("/tmp/qrole/recs.pkl", "wb"))
tac = [x for x in recs if x["gold"] in TAC_ROLES]
for name, rs in (("tac", tac), ("all", recs)):
    print(name, len(rs), "lr", f"{sum(x['lr']==x['gold'] for x in rs)/len(rs):.3f}", "tf", f"{sum(x['tf']==x['gold'] for x in rs)/len(rs):.3f}", flush=True)
