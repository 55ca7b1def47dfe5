"""Transformer span extractor for quantity indicators: train on folds != K (+golden), eval on fold K."""
import pickle, random, sys, time, math, json, os
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/training")
import torch, torch.nn as nn
from transformers import AutoTokenizer, AutoModel
import qty_rerank as T
from clausetag.quantities.rerank import rerank_roles
from clausetag.quantities.evaluate import TAC_ROLES, same_field, gold_spans
torch.set_num_threads(2); torch.manual_seed(0); random.seed(0)
ENC = os.environ.get("ENC", "/work/main/.cache/e5-small-zh")
K = int(os.environ.get("FOLD", "0")); EPOCHS = float(os.environ.get("EPOCHS", "3")); LR = float(os.environ.get("LR", "5e-5"))
OUT = os.environ.get("OUT", f"/tmp/qtycrf/span_f{K}")
rows, golden = pickle.loads(open("/tmp/qtycand/rows.pkl","rb").read())
roles = pickle.loads(open("/tmp/qtycand/roles.pkl","rb").read())
tok = AutoTokenizer.from_pretrained(ENC)
STOP = set("。；;！？!?\n")
L_OPEN, R_CLOSE = tok.convert_tokens_to_ids("【"), tok.convert_tokens_to_ids("】")
CLS, SEP = tok.cls_token_id, tok.sep_token_id
MAXLEN = 160

def region(text, s, e):
    lo = s
    while lo > 0 and text[lo-1] not in STOP and s - lo < 100: lo -= 1
    hi = e
    while hi < len(text) and text[hi] not in STOP and hi - e < 60: hi += 1
    return lo, hi

def pieces(text, a, b):
    if a >= b: return [], []
    enc = tok(text[a:b], add_special_tokens=False, return_offsets_mapping=True)
    ids, offs = [], []
    for i, (s, e) in zip(enc["input_ids"], enc["offset_mapping"]):
        if s == e: continue  # bare ▁
        ids.append(i); offs.append((a+s, a+e))
    return ids, offs

def encode(text, s, e):
    lo, hi = region(text, s, e)
    li, lofs = pieces(text, lo, s); mi, mofs = pieces(text, s, e); ri, rofs = pieces(text, e, hi)
    ids = [CLS] + li + [L_OPEN] + mi + [R_CLOSE] + ri + [SEP]
    offs = [None] + lofs + [None] + [None]*len(mi) + [None] + rofs + [None]
    if len(ids) > MAXLEN:  # keep a window around the quantity
        c = 1 + len(li); half = MAXLEN // 2
        a = max(0, min(c - half, len(ids) - MAXLEN)); ids, offs = ids[a:a+MAXLEN], offs[a:a+MAXLEN]
    return ids, offs

def target(text, s, e, ind, offs):
    occ = [i for i in range(len(text)-len(ind)+1) if text.startswith(ind, i) and (i+len(ind) <= s or i >= e)]
    if not occ: return None
    i = min(occ, key=lambda i: min(abs(i+len(ind)-s), abs(i-e))); j = i + len(ind)
    st = [k for k, o in enumerate(offs) if o and o[0] <= i < o[1]]
    en = [k for k, o in enumerate(offs) if o and o[0] < j <= o[1]]
    if not st or not en or en[0] < st[0]: return None
    return st[0], en[0]

def train_examples(rs):
    out = []
    for r in rs:
        text = r["text"]
        for (s, e), g in zip(gold_spans(text, r["gold"]), r["gold"]):
            if g["role"] not in TAC_ROLES or not g.get("indicator") or s is None: continue
            ids, offs = encode(text, s, e)
            t = target(text, s, e, g["indicator"], offs)
            if t: out.append((ids, t))
    return out

class Span(nn.Module):
    def __init__(self):
        super().__init__(); self.enc = AutoModel.from_pretrained(ENC); self.head = nn.Linear(self.enc.config.hidden_size, 2)
    def forward(self, ids, mask):
        h = self.enc(input_ids=ids, attention_mask=mask).last_hidden_state
        lg = self.head(h); return lg[..., 0], lg[..., 1]

def batchify(exs):
    m = max(len(i) for i, _ in exs); pad = tok.pad_token_id
    ids = torch.tensor([i + [pad]*(m-len(i)) for i, _ in exs]); mask = (ids != pad).long()
    return ids, mask

def best_span(sl, el, offs, maxlen=30):
    best, bs = None, -1e9
    valid = [k for k, o in enumerate(offs) if o]
    for a in valid:
        for b in valid:
            if b < a or b - a > maxlen: continue
            sc = sl[a] + el[b]
            if sc > bs: bs, best = sc, (a, b)
    return best, bs

def predict(model, text, s, e):
    ids, offs = encode(text, s, e)
    with torch.no_grad():
        sl, el = model(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))
    (a, b), sc = best_span(sl[0].tolist(), el[0].tolist(), offs)
    return offs[a][0], offs[b][1]

if __name__ == "__main__":
    rnd = random.Random(0); idx = list(range(len(rows))); rnd.shuffle(idx)
    folds = [set(idx[k::5]) for k in range(5)]
    tr = [rows[i] for i in range(len(rows)) if i not in folds[K]] + golden
    te = [rows[i] for i in sorted(folds[K])]
    exs = train_examples(tr); print("train examples", len(exs), flush=True)
    model = Span(); model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    BS = 16; steps = int(math.ceil(len(exs)/BS) * EPOCHS); warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s+1)/warm, max(0.0, (steps-s)/(steps-warm))))
    ce = nn.CrossEntropyLoss(); step = 0; t0 = time.time()
    while step < steps:
        order = list(range(len(exs))); rnd.shuffle(order)
        order.sort(key=lambda i: len(exs[i][0]) // 16 + rnd.random())  # bucket by length
        batches = [order[i:i+BS] for i in range(0, len(order), BS)]; rnd.shuffle(batches)
        for b in batches:
            if step >= steps: break
            ids, mask = batchify([exs[i] for i in b])
            sl, el = model(ids, mask)
            sl = sl.masked_fill(mask == 0, -1e4); el = el.masked_fill(mask == 0, -1e4)
            ys = torch.tensor([exs[i][1][0] for i in b]); ye = torch.tensor([exs[i][1][1] for i in b])
            loss = (ce(sl, ys) + ce(el, ye)) / 2
            loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); sched.step(); opt.zero_grad(); step += 1
            if step % 50 == 0: print(f"step {step}/{steps} loss {loss.item():.3f} {time.time()-t0:.0f}s", flush=True)
    model.eval(); torch.save(model.state_dict(), OUT + ".pt")
    n = acc = 0; errs = []
    for r in te:
        text = r["text"]; qs = rerank_roles(text, r["pred"], roles[K])
        for gi, g in enumerate(r["gold"]):
            pi = r["pairs"].get(gi)
            if g["role"] not in TAC_ROLES or pi is None or not g.get("indicator"): continue
            n += 1; q = qs[pi]
            if q.role not in TAC_ROLES: continue
            a, b = predict(model, text, q.start, q.end); p = text[a:b]
            ok = same_field("indicator", p, g["indicator"]); acc += ok
            if not ok: errs.append((text, q.text, g["indicator"], p))
    print(f"fold {K}: n {n} acc {acc/n:.3f} ({time.time()-t0:.0f}s)", flush=True)
    pickle.dump(errs, open(OUT + "_errs.pkl", "wb"))
