"""Role features from the sentences before a sample sentence in its document (doc_source), for cv.py."""
import json, lzma, glob, os, pickle, sys
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/labels/tools")
from clausetag.quantities import rerank as R
CACHE = "/tmp/mt/prev.pkl"
def load_prev(k=2):
    if os.path.exists(CACHE): return pickle.load(open(CACHE, "rb"))
    from draw_quantity_sample import sentences
    need = {}
    for p in glob.glob("/work/main/labels/quantities_*/sample.jsonl"):
        for l in open(p):
            d = json.loads(l); f, rest = d["doc_source"].split(":", 1); did, si = rest.split("#s")
            need.setdefault((f, did), []).append((d["text"], int(si)))
    out = {}
    for f in ("policies.jsonl.xz", "regulations.jsonl.xz"):
        with lzma.open("/work/shared/corpus/" + f, "rt") as fh:
            for l in fh:
                d = json.loads(l)
                if (f, d["id"]) not in need: continue
                ss = list(sentences(d["text"]))
                for text, i in need[(f, d["id"])]:
                    if i < len(ss) and ss[i] == text: out[text] = (ss[max(0, i-k):i], d.get("title") or "")
                    else: out[text] = None
    pickle.dump(out, open(CACHE, "wb")); return out
PAST = ("已", "累计", "完成了", "实现了", "共", "全年", "期间", "截至", "截止", "先后", "目前", "以来", "同比", "比上年", "增长", "达到", "取得", "成效", "进展")
PLAN = ("到20", "力争", "将", "要", "确保", "计划", "目标", "预期", "推动", "加快", "实施", "支持", "鼓励", "各地", "应当")
CTX = {}
_orig = R.role_features
def role_ctx(text, q, sent=None):
    f = _orig(text, q, sent)
    c = CTX.get(text)
    if c:
        prev, title = c
        p = "".join(prev[-int(os.environ.get("K", "2")):])
        for w in PAST: 
            if w in p: f.add("P:" + w)
        for w in PLAN:
            if w in p: f.add("P:" + w)
        if not prev: f.add("P:first")
    return f
def install(rows_groups):
    prev = load_prev()
    print("ctx", sum(v is not None for v in prev.values()), "of", len(prev), flush=True)
    for rs in rows_groups:
        for r in rs:
            v = prev.get(r["text"])
            if v is not None: CTX[r["text"]] = v
    R.role_features = role_ctx
