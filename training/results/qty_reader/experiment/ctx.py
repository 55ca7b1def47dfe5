import json, lzma, glob, re
from clausetag.quantities import rerank as R
def load_ctx():
    need = {}
    for p in glob.glob("/work/main/labels/quantities_*/sample.jsonl"):
        for l in open(p):
            d = json.loads(l); f, rest = d["doc_source"].split(":", 1); need[d["sid"]] = (f, rest.split("#")[0])
    ids = {v for v in need.values()}
    docs = {}
    for f in ("policies.jsonl.xz", "regulations.jsonl.xz"):
        with lzma.open("/work/shared/corpus/" + f, "rt") as fh:
            for l in fh:
                d = json.loads(l)
                if (f, d["id"]) in ids: docs[(f, d["id"])] = (d.get("title") or "", d.get("date") or "")
    return {sid: docs.get(k, ("", "")) for sid, k in need.items()}
REPORT = ("总结", "报告", "情况", "公报", "通报", "回顾", "成效", "进展", "答复", "综述", "统计", "年鉴", "工作要点")
PLAN = ("规划", "方案", "意见", "计划", "措施", "通知", "办法", "纲要", "行动", "若干", "指导", "实施", "决定", "条例", "规定", "细则")
_Y = re.compile(r"((?:19|20)\d\d)年")
CTX = {}
_orig = R.role_features
def role_ctx(text, q, sent=None):
    f = _orig(text, q, sent)
    title, date = CTX.get(text, ("", ""))
    for w in REPORT + PLAN:
        if w in title: f.add("T:" + w)
    import os
    if os.environ.get("CTX") == "title": date = ""
    if os.environ.get("CTX") == "date": f = {x for x in f if not x.startswith("T:")}
    if date[:4].isdigit():
        dy = int(date[:4])
        ys = [(m.start(), int(m.group(1))) for m in _Y.finditer(text)]
        before = [y for p, y in ys if p < q.start]
        yy = before[-1] if before else (ys[0][1] if ys else None)
        if yy is None: f.add("rel=noyear")
        else: f.add("rel=" + ("past" if yy < dy else ("same" if yy == dy else "future")))
        if q.year is not None: f.add("qrel=" + ("past" if q.year < dy else ("same" if q.year == dy else "future")))
    return f
def install(rows_groups):
    ctx = load_ctx()
    for rs in rows_groups:
        for r in rs:
            if r.get("sid") in ctx: CTX[r["text"]] = ctx[r["sid"]]
    R.role_features = role_ctx
