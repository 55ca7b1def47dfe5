"""Extra indicator features, monkeypatched into rerank for the CV."""
from clausetag.quantities import rerank as R
_orig = R._CandidateFeatures.__call__
def _bucket(d): return str(d) if d < 3 else ("3-5" if d < 6 else ("6-10" if d < 11 else "11+"))
def extra(self, s, e):
    f = _orig(self, s, e)
    toks, q, text = self.toks, self.q, self.text
    inside = [t for t in toks if s <= t[0] and t[1] <= e]
    before = [t for t in toks if t[1] <= s]
    f.add("prev_pos=" + (before[-1][3] if before else "^"))
    f.add("prev_w=" + (before[-1][2] if before else "^"))
    vs = [t for t in inside if t[3] == "v"]
    if vs: f.add("has_v")
    if inside and inside[0][3] == "v": f.add("first_is_v")
    f.add("n_words=" + str(min(len(inside), 6)))
    for t in inside: f.add("in_w=" + t[2])
    if e <= q.start: gap = (e, q.start)
    else: gap = (q.end, s)
    f.add("gap=" + _bucket(gap[1] - gap[0]))
    if any(t[3] == "v" for t in toks if gap[0] <= t[0] and t[1] <= gap[1]): f.add("gap_has_v")
    return f
def install(): R._CandidateFeatures.__call__ = extra

import re as _re
_Y = _re.compile(r"((?:19|20)\d\d)年")
TENSE = ("了", "目前", "截至", "已经", "先后", "共计", "分别", "争取", "年底前", "十四五", "十三五", "十二五", "十五",
         "上年", "比上年", "较上年", "同比", "今后", "未来", "逐步", "进一步", "加快", "推动", "全省", "全市", "其中",
         "显示", "统计", "监测", "排序", "依次", "办结", "受理", "合计", "总计", "约", "为")
def _yb(y):
    y = int(y)
    return "<=2010" if y <= 2010 else ("2011-15" if y <= 2015 else ("2016-20" if y <= 2020 else ("2021-23" if y <= 2023 else (">=2024"))))
_orig_role = R.role_features
def role_extra(text, q, sent=None):
    f = _orig_role(text, q, sent)
    for w in TENSE:
        if w in text: f.add("S:" + w)
    ys = [(m.start(), m.group(1)) for m in _Y.finditer(text)]
    before = [y for p, y in ys if p < q.start]
    after = [y for p, y in ys if p >= q.end]
    if before: f.add("yb=" + _yb(before[-1])); f.add("yb0=" + _yb(before[0]))
    if after: f.add("ya=" + _yb(after[0]))
    if q.year is not None: f.add("qy=" + _yb(q.year))
    return f
def install_role(): R.role_features = role_extra
def role_tense_only(text, q, sent=None):
    f = _orig_role(text, q, sent)
    for w in TENSE:
        if w in text: f.add("S:" + w)
    return f
def install_role_tense(): R.role_features = role_tense_only
