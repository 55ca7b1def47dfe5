"""Role features of the number's precision (reports state precise figures, plans round ones), for cv.py."""
import os, re
from clausetag.quantities import rerank as R
_NUM = re.compile(r"[0-9]+(?:\.[0-9]+)?")
def sig(s):
    m = _NUM.search(s)
    if not m: return None
    d = m.group().replace(".", "").lstrip("0").rstrip("0") if "." not in m.group() else m.group().replace(".", "").lstrip("0")
    return len(d) or 1
_orig = R.role_features
def role_prec(text, q, sent=None):
    f = _orig(text, q, sent)
    k = sig(text[q.start:q.end])
    if k is not None:
        f.add("sig=" + str(min(k, 4)))
        f.add("dec=" + str("." in text[q.start:q.end]))
    if os.environ.get("SENT"):
        ks = [sig(m.group()) for m in _NUM.finditer(text) if not re.match(r"(19|20)\d\d年", text[m.start():m.end()+1])]
        ks = [x for x in ks if x]
        if ks: f.add("smax=" + str(min(max(ks), 4)))
    return f
def install(): R.role_features = role_prec
