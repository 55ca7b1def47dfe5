"""Learned re-rankers over the quantity rules (issue 27): the role of each quantity, the span of its indicator.

The rules of :mod:`clausetag.quantities.extract` give every quantity a role and
:mod:`clausetag.quantities.indicators` a span for what target/actual/cap quantities measure. Two small linear
models, trained on the annotated random samples (``labels/quantities_*``; ``training/qty_rerank.py``), then
revise them:

* **role**: a multinomial logistic regression over the rules' role and the quantity's context (kind, comparator,
  unit, character n-grams around it, cue words before/after it, years before it) picks one of
  target/actual/cap/threshold/other for every quantity (:func:`role_features`, :func:`rerank_roles`);
* **indicator**: for a quantity with a rule indicator, the candidates are the rule's span and its variants whose
  edges lie on a jieba word boundary within ``WINDOW`` characters of the rule's edges (:func:`candidates`); a
  binary logistic regression scores each (:func:`indicator_features`) and the best is kept
  (:func:`rerank_indicators`).

The features are code (here); the fitted weights are data, ``clausetag/resources/quantities/rerank_*.json``
(class names, intercepts and the weight of every feature seen in training), scored in plain Python: no
scikit-learn at run time. :func:`clausetag.quantities.extract.extract_quantities` applies both by default
(``learned=False`` gives the rules alone).
"""
from __future__ import annotations

import gc
import gzip
import json
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from clausetag.quantities.indicators import _cues as _indicator_cues
from clausetag.quantities.indicators import _trim
from clausetag.quantities.places import only_places
from clausetag.quantities.segments import segment_end, segment_start

__all__ = ["INDICATOR_MODEL", "ROLE_MODEL", "WINDOW", "LinearModel", "Sentence", "candidates", "fuse", "indicator_features",
           "indicator_model", "rerank_indicators", "rerank_roles", "role_features", "role_model", "segment_tokens"]

#: packaged weights (under ``clausetag/resources``)
ROLE_MODEL = "quantities/rerank_role.json.gz"
INDICATOR_MODEL = "quantities/rerank_indicator.json.gz"
#: how far (characters) an indicator candidate's edges may move from the rule span's edges
WINDOW = 8
_INDICATOR_ROLES = frozenset({"target", "actual", "cap"})


class LinearModel:
    """A linear scorer over binary features: ``score[c] = intercept[c] + sum(weights[f][c] for f in features)``.

    ``classes`` name the columns: the role model's roles, or ``("score",)`` for the indicator model (the
    decision function of a binary classifier; higher is better). The weights are read once, at construction."""

    __slots__ = ("_single", "classes", "intercept", "meta", "weights")

    weights: dict[str, Sequence[float]]

    def __init__(self, classes: Sequence[str], intercept: Sequence[float], weights: Mapping[str, Sequence[float]],
                 meta: dict[str, Any] | None = None) -> None:
        self.classes = tuple(classes)
        self.intercept = tuple(float(x) for x in intercept)
        # rows as tuples of the floats given (from JSON or scikit-learn; float() of 260,000 values would double the
        # load time): the garbage collector stops tracking tuples of floats, it would scan 53,000 lists at every
        # full collection of the process
        self.weights = {f: tuple(w) for f, w in weights.items()}
        self.meta = dict(meta or {})
        k = len(self.classes)
        if len(self.intercept) != k or any(len(w) != k for w in self.weights.values()):
            raise ValueError(f"linear model: every weight row needs {k} values (one per class)")
        # one class (the indicator model): its weights as plain floats, summed without the rows
        self._single = {f: w[0] for f, w in self.weights.items()} if k == 1 else None

    def scores(self, features: Iterable[str]) -> list[float]:
        """One score per class (features not seen in training weigh nothing). The weights of ``features`` are
        added in the order they come, as ``sum`` does (weights of 0.0 left out: adding them changes no sum)."""
        if self._single is not None:
            return [self.intercept[0] + sum(filter(None, map(self._single.get, features)))]
        rows = list(filter(None, map(self.weights.get, features)))
        if not rows:
            return list(self.intercept)
        return [i + sum(col) for i, col in zip(self.intercept, zip(*rows))]

    def best(self, features: Iterable[str]) -> str:
        """The class with the highest score."""
        s = self.scores(features)
        return self.classes[max(range(len(s)), key=s.__getitem__)]

    def to_dict(self, digits: int = 4) -> dict[str, Any]:
        return {"classes": list(self.classes), "intercept": [round(x, digits) for x in self.intercept],
                "meta": self.meta,
                "weights": {f: [round(x, digits) for x in w] for f, w in sorted(self.weights.items())}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LinearModel:
        return cls(d["classes"], d["intercept"], d["weights"], d.get("meta"))

    @classmethod
    def from_sklearn(cls, vectorizer: Any, clf: Any, meta: dict[str, Any] | None = None,
                     min_weight: float = 0.0) -> LinearModel:
        """From a fitted ``DictVectorizer`` and ``LogisticRegression`` (binary: one ``score`` column); features
        whose weights are all below ``min_weight`` in absolute value are left out (to keep the file small)."""
        names = vectorizer.get_feature_names_out()
        coef, icpt = clf.coef_, clf.intercept_
        if coef.shape[0] == 1:  # binary: the decision function of the positive class
            classes: list[str] = ["score"]
        else:
            classes = [str(c) for c in clf.classes_]
        weights: dict[str, Sequence[float]] = {str(n): [float(coef[k, j]) for k in range(coef.shape[0])] for j, n in enumerate(names)
                   if any(abs(coef[k, j]) >= min_weight and coef[k, j] != 0.0 for k in range(coef.shape[0]))}
        return cls(classes, [float(x) for x in icpt], weights, meta)

    def save(self, path: str | Path) -> None:
        """Write as JSON (gzip-compressed when ``path`` ends with ``.gz``; written reproducibly, no timestamp)."""
        data = (json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        if str(path).endswith(".gz"):
            data = gzip.compress(data, compresslevel=9, mtime=0)
        Path(path).write_bytes(data)

    @classmethod
    def from_bytes(cls, data: bytes, name: str) -> LinearModel:
        try:
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            with _gc_paused():
                return cls.from_dict(json.loads(data.decode("utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{name}: not a re-ranker model file ({exc})") from None

    @classmethod
    def load(cls, path: str | Path) -> LinearModel:
        """Read a model written by :meth:`save`."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ValueError(f"{path}: cannot read the re-ranker model ({exc.strerror})") from None
        return cls.from_bytes(data, str(path))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a model's 53,000 rows are built (they hold no cycles): otherwise
    their allocation alone sets off dozens of collections, and an early full one, for nothing."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _packaged(name: str) -> LinearModel:
    ref = resources.files("clausetag").joinpath("resources").joinpath(name)
    try:
        data = ref.read_bytes()
    except OSError as exc:
        raise ValueError(f"clausetag/resources/{name}: cannot read the re-ranker model ({exc})") from None
    return LinearModel.from_bytes(data, f"clausetag/resources/{name}")


@lru_cache(maxsize=1)
def role_model() -> LinearModel:
    """The packaged role re-ranker (loaded once)."""
    return _packaged(ROLE_MODEL)


@lru_cache(maxsize=1)
def indicator_model() -> LinearModel:
    """The packaged indicator re-ranker (loaded once)."""
    return _packaged(INDICATOR_MODEL)


# --------------------------------------------------------------------------------------------------
# Role

#: words whose presence before / after the quantity in its sentence marks plan or report wording
CUES = ("已", "累计", "完成", "将", "力争", "到", "预计", "目标", "计划", "共", "现有", "达到", "达", "新增", "建成",
        "超过", "增长", "同比", "年均", "以上", "最高", "不超过", "不得", "罚款", "补贴", "奖励", "给予", "每", "对",
        "的", "培育", "建设", "打造", "实现", "提高", "提升", "下降", "降低", "控制", "确保", "争取", "要", "应",
        "可", "按", "其中", "全年", "今年", "去年", "以来", "期间", "截至", "年底", "前", "支持", "资助", "补助",
        "不少于", "不低于", "以下", "以内", "占", "比重", "比例", "率", "总", "规模", "收入", "投资", "元", "家",
        "个", "获得", "认定", "获批", "评为", "创建", "成功", "取得", "实施", "开展", "组织", "举办", "发布")
_YEAR = re.compile(r"(?:19|20)\d\d年")
#: an Arabic number that is not a year (2023年): reports state precise figures (1390亿斤, 2.35%), plans round ones
_NUMBER = re.compile(r"(?<![0-9.])[0-9]+(?:\.[0-9]+)?(?![0-9.]|年)")
_TO_YEAR = re.compile(r"(?:到|至|在)(?:19|20)\d\d年")
_PUNCT = frozenset("，,；;：:。！!？?")
_PUNCT_RE = re.compile("[，,；;：:。！!？?]")


class Sentence:
    """What the role features of every quantity read from their sentence, found once per sentence: the clause
    breaks, the cue words it holds (first and last start) and its years.

    A cue occurs in ``text[:s]`` iff its first occurrence ends by ``s``, in ``text[e:]`` iff its last starts at
    ``e`` or later; ``_YEAR`` and ``_TO_YEAR`` matches cannot overlap (they end with 年 and start otherwise), so
    those of a prefix or a suffix are the whole sentence's matches that lie in it."""

    __slots__ = ("breaks", "cues", "most_precise", "number_starts", "numbers", "text", "to_year_ends", "year_ends",
                 "year_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks = [m.start() for m in _PUNCT_RE.finditer(text)]
        self.cues = [(w, text.find(w), text.rfind(w)) for w in CUES if w in text]  # in CUES order
        years = [m.span() for m in _YEAR.finditer(text)]
        self.year_starts = [a for a, _ in years]
        self.year_ends = [b for _, b in years]
        self.to_year_ends = [m.end() for m in _TO_YEAR.finditer(text)]
        #: (end, significant digits, has a decimal point) of each number that is not a year, by start
        numbers = list(_NUMBER.finditer(text))
        self.numbers = [(m.end(), precision(m.group()), "." in m.group()) for m in numbers]
        self.number_starts = [m.start() for m in numbers]
        self.most_precise = max((n[1] for n in self.numbers), default=0)


def precision(number: str) -> int:
    """Significant digits of an Arabic number as written (``1390`` 3, ``8900`` 2, ``2.35`` 3, ``2.50`` 3), at
    most 4; 0 for no digit."""
    head, _, tail = number.partition(".")
    digits = (head + tail).lstrip("0") if tail else head.strip("0")
    return min(len(digits), 4) if number[:1].isdigit() else 0


def role_features(text: str, q: Any, sent: Sentence | None = None) -> set[str]:
    """Binary features of one quantity (``q`` has start, end, kind, comparator, unit, role — the rules' — and
    year): the rules' role, the quantity's shape, character 1–3-grams of 20 characters left and 10 right, its
    comma segment, 84 cue words before/after it, years before/after it, the significant digits of its number and
    of the sentence's most precise one (reports state precise figures). ``sent`` (``Sentence(text)``) shares
    the per-sentence work between the quantities of one text."""
    if sent is None or sent.text is not text:
        sent = Sentence(text)
    s, e = q.start, q.end
    rr, kind, comp = q.role, q.kind, q.comparator
    f = ["rule=" + rr, f"rule={rr}|kind={kind}", f"rule={rr}|comp={comp}", "kind=" + kind, "comp=" + comp,
         "unit=" + q.unit, "year=" + ("none" if q.year is None else "set")]
    left, right = text[max(0, s - 20):s], text[e:e + 10]
    for n in (1, 2, 3):
        f += ["L:" + left[i:i + n] for i in range(len(left) - n + 1)]
        f += ["R:" + right[i:i + n] for i in range(len(right) - n + 1)]
    for k in (1, 2, 3):
        f.append(f"L{k}:" + left[-k:])
        f.append(f"R{k}:" + right[:k])
    breaks = sent.breaks
    k = bisect_left(breaks, s)  # the segment: from after the last break before s to the first break from e
    ss = breaks[k - 1] + 1 if k else 0
    k = bisect_left(breaks, e)
    se = breaks[k] if k < len(breaks) else len(text)
    f += ["seg0:" + text[ss:ss + 2], "lead=" + str(min(s - ss, 12) // 3), "closes=" + str(e >= se),
          "first_seg=" + str(ss == 0)]
    cues = sent.cues
    f += ["B:" + w for w, first, _ in cues if first + len(w) <= s]  # w in text[:s]
    f += ["A:" + w for w, _, last in cues if last >= e]  # w in text[e:]
    f += ["SB:" + w for w, first, _ in cues if first + len(w) <= s and text.find(w, ss, s) >= 0]  # w in text[ss:s]
    k = bisect_right(sent.year_ends, s)  # years in text[:s]
    if k:
        f += ["year_before", "year_before_dist=" + str(min(s - sent.year_ends[k - 1], 40) // 10),
              "year_at_start=" + str(sent.year_starts[0] <= 2)]
    if sent.to_year_ends and sent.to_year_ends[0] <= s:
        f.append("to_year_before")
    if sent.year_starts and sent.year_starts[-1] >= e:  # a year in text[e:]
        f.append("year_after")
    k = bisect_left(sent.number_starts, s)  # how precise the figure (its first number) and its sentence are
    if k < len(sent.numbers) and sent.numbers[k][0] <= e:
        _, digits, decimal = sent.numbers[k]
        f += ["digits=" + str(digits), "decimal=" + str(decimal)]
    f.append("sentence_digits=" + str(sent.most_precise))
    return set(f)


def rerank_roles(text: str, quantities: Sequence[Any], model: LinearModel | None = None,
                 margin: float | None = None, reader: Any = False) -> list[Any]:
    """``quantities`` (dataclasses with the rules' roles) with the role the model gives each, where its score
    beats the score of the rules' role by more than ``margin`` (default: the model's ``meta["margin"]``, 0).

    With a role reader (``reader=None``: the packaged
    :func:`clausetag.quantities.reader.packaged_role_reader`, if any; or a
    :class:`~clausetag.quantities.reader.QuantityReader` of roles) the scores are
    ``(1 - v) * log softmax(model) + v * log-probability of the reader`` (``v`` from the reader's card), except
    where the linear model gives one role a probability of at least the card's ``skip_above``: the reader is not
    asked there (on the development samples this skipped 58 % of the calls and changed no accuracy)."""
    m = model if model is not None else role_model()
    if margin is None:
        margin = float(m.meta.get("margin", 0.0))
    if reader is None:
        from clausetag.quantities.reader import packaged_role_reader

        reader = packaged_role_reader()
    if reader:
        from clausetag.quantities.reader import log_softmax

        fusion = reader.fusions["role"]
    col = {c: i for i, c in enumerate(m.classes)}
    sent = Sentence(text)
    out = []
    for q in quantities:
        sc = m.scores(role_features(text, q, sent))
        if reader:
            lin = log_softmax(sc)
            if math.exp(max(lin)) < fusion.get("skip_above", 1.0):  # the linear model is not sure
                v = fusion["v"]
                lp = reader.role_logprobs(text, q.start, q.end)
                sc = [(1 - v) * x + v * lp[c] for c, x in zip(m.classes, lin)]
        best = max(range(len(sc)), key=sc.__getitem__)
        rule = col.get(q.role)
        if rule is None or sc[best] - sc[rule] > margin:
            role = m.classes[best]
            out.append(q if role == q.role else replace(q, role=role))
        else:
            out.append(q)
    return out


# --------------------------------------------------------------------------------------------------
# Indicator

Token = tuple[int, int, str, str]  # start, end, word, jieba part-of-speech tag


@lru_cache(maxsize=1)
def _jieba_blocks() -> re.Pattern[str]:
    """jieba's own pattern of the runs it segments (Han characters, letters, digits); loads jieba."""
    import logging

    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    return pseg.re_han_internal


@lru_cache(maxsize=16384)
def _pos_cut(block: str) -> tuple[tuple[str, str], ...]:
    import jieba.posseg as pseg

    return tuple((w.word, w.flag) for w in pseg.cut(block))


@lru_cache(maxsize=4)  # the text being read (a big text's lists are big)
def _runs(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Starts and ends of the runs jieba segments on their own (:func:`_jieba_blocks`) in ``text``, found once."""
    spans = [m.span() for m in _jieba_blocks().finditer(text)]
    return tuple(a for a, _ in spans), tuple(b for _, b in spans)


def _blocks(text: str, s: int, e: int, lo: int, hi: int) -> Iterator[tuple[int, int]]:
    """The pieces ``_jieba_blocks().split(text[s:e])`` gives (runs and what lies between them) that touch
    ``lo..hi``, as spans of ``text``: found from the text's runs, so a long segment costs no more than a short one."""
    starts, ends = _runs(text)
    pos = max(lo - 1, s)
    i = bisect_right(ends, pos)  # the first run that ends after pos
    while pos < e and pos <= hi:
        if i < len(starts) and starts[i] <= pos:  # pos is inside run i
            a, b = max(starts[i], s), min(ends[i], e)
            i += 1
        else:  # between runs
            a, b = (max(ends[i - 1], s) if i else s), (min(starts[i], e) if i < len(starts) else e)
        if b >= lo and a <= hi:
            yield a, b
        pos = b


def segment_tokens(text: str, lo: int, hi: int) -> list[Token]:
    """jieba words (with tags) of the comma segment of ``text`` that holds ``lo..hi`` (``lo <= hi``) and touch
    ``lo..hi``, as offsets into ``text``.

    jieba's ``posseg.cut`` splits its input into runs of Han characters, letters and digits (and what lies
    between them) and cuts each run on its own, so only the runs that touch ``lo..hi`` are cut (cached by run):
    their words are exactly those that cutting the whole segment gives there."""
    s = segment_start(text, lo, _PUNCT)
    e = segment_end(text, hi, _PUNCT, len(text))
    out: list[Token] = []
    for a, b in _blocks(text, s, e, lo, hi):
        pos = a
        for w, flag in _pos_cut(text[a:b]):
            out.append((pos, pos + len(w), w, flag))
            pos += len(w)
    return out


def _window(text: str, q: Any) -> tuple[int, int]:
    a, b = q.indicator_start, q.indicator_end
    lo, hi = a, b
    while lo > 0 and a - lo < WINDOW and text[lo - 1] not in _PUNCT:
        lo -= 1
    while hi < len(text) and hi - b < WINDOW and text[hi] not in _PUNCT:
        hi += 1
    return lo, hi


def candidates(text: str, toks: Sequence[Token], q: Any) -> list[tuple[int, int]]:
    """The rule span ``(indicator_start, indicator_end)`` and its variants with edges on word boundaries within
    ``WINDOW`` characters (not crossing the quantity or a clause break, at most 40 characters)."""
    a, b = q.indicator_start, q.indicator_end
    lo, hi = _window(text, q)
    bounds = sorted({t[0] for t in toks} | {t[1] for t in toks} | {a, b})
    starts = [x for x in bounds if lo <= x <= min(a + WINDOW, b - 1)]
    ends = [x for x in bounds if max(b - WINDOW, a + 1) <= x <= hi]
    out = {(a, b)}
    cues = _indicator_cues()
    for s in starts:
        for e in ends:
            if e - s < 1 or e - s > 40:
                continue
            if s < q.end and e > q.start:  # crosses the quantity
                continue
            s2, e2 = _trim(text, s, e, cues)  # the rules' light normalisation: 的补助 -> 补助, 各类终端 -> 终端
            if e2 > s2:
                out.add((s2, e2))
    return sorted(out)


def _tok_at(toks: Sequence[Token], pos: int) -> tuple[str, str]:
    for t in toks:
        if t[0] <= pos < t[1]:
            return t[2], t[3]
    return "", "END"


class _CandidateFeatures:
    """:func:`indicator_features` of the candidates of one quantity: the features that read only a candidate's
    start (or only its end) are built once per start (end) and shared by the candidates that have it; every
    candidate's feature list comes out in the same order as built one by one."""

    __slots__ = ("a", "b", "ends", "q", "starts", "text", "tok_ends", "tok_starts", "toks", "verbs")

    def __init__(self, text: str, toks: Sequence[Token], q: Any) -> None:
        self.text, self.toks, self.q = text, toks, q
        self.a, self.b = q.indicator_start, q.indicator_end
        self.starts: dict[int, tuple[str, list[str], list[str], list[str]]] = {}
        self.ends: dict[int, tuple[str, list[str], str, list[str]]] = {}
        # the words run left to right without gaps: those inside s..e are toks[bisect_left(tok_starts, s):
        # bisect_right(tok_ends, e)]; verbs[i] counts the verbs among toks[:i]
        self.tok_starts = [t[0] for t in toks]
        self.tok_ends = [t[1] for t in toks]
        self.verbs = [0]
        for t in toks:
            self.verbs.append(self.verbs[-1] + (t[3] == "v"))

    def _words(self, lo: int, hi: int) -> tuple[int, int]:
        """The index range of the words that lie wholly inside ``lo..hi``."""
        i = bisect_left(self.tok_starts, lo)
        return i, max(i, bisect_right(self.tok_ends, hi))

    def _edits(self, name: str, lo: int, hi: int) -> list[str]:
        """The text, words and tags a candidate adds to or cuts from the rule span between ``lo`` and ``hi``."""
        if lo >= hi:
            return []
        f = [f"{name}=" + self.text[lo:hi]]
        for t in self.toks:
            if lo <= t[0] < hi:
                f += [f"{name}_w=" + t[2], f"{name}_pos=" + t[3]]
        return f

    def _start(self, s: int) -> tuple[str, list[str], list[str], list[str]]:
        text, a, toks = self.text, self.a, self.toks
        w, p = _tok_at(toks, s)
        k = bisect_right(self.tok_ends, s) - 1  # the last word that ends by s
        prev = toks[k] if k >= 0 else None
        return ("ds=" + str(max(-WINDOW, min(WINDOW, s - a))), ["first=" + w, "first_pos=" + p],
                ["first_char=" + text[s], "prev_char=" + (text[s - 1] if s else "^"),
                 "prev_w=" + (prev[2] if prev else "^"), "prev_pos=" + (prev[3] if prev else "^")],
                self._edits("add_left", s, a) + self._edits("cut_left", a, s))

    def _end(self, e: int) -> tuple[str, list[str], str, list[str]]:
        text, b = self.text, self.b
        w, p = _tok_at(self.toks, e - 1)
        return ("de=" + str(max(-WINDOW, min(WINDOW, e - b))), ["last=" + w, "last_pos=" + p, "last_char=" + text[e - 1]],
                "next_char=" + (text[e] if e < len(text) else "$"),
                self._edits("add_right", b, e) + self._edits("cut_right", e, b))

    def __call__(self, s: int, e: int) -> set[str]:
        st = self.starts.get(s)
        if st is None:
            st = self.starts[s] = self._start(s)
        en = self.ends.get(e)
        if en is None:
            en = self.ends[e] = self._end(e)
        q = self.q
        f = ["bias", st[0], en[0], "len=" + str(min(e - s, 20) // 2), "side=" + ("before" if e <= q.start else "after"),
             "kind=" + q.kind, "role=" + q.role]
        if s == self.a and e == self.b:
            f.append("is_rule")
        f += st[1]
        f += en[1]
        f += st[2]
        f.append(en[2])
        f += st[3]
        f += en[3]
        span = self.text[s:e]
        if "的" in span:
            f.append("has_de")
        if "、" in span:
            f.append("has_list")
        i, j = self._words(s, e)  # the words of the candidate
        f.append("n_words=" + str(min(j - i, 6)))
        f += ["in_w=" + t[2] for t in self.toks[i:j]]
        if self.verbs[j] > self.verbs[i]:
            f.append("has_v")
            if self.toks[i][3] == "v":
                f.append("first_is_v")
        g0, g1 = (e, q.start) if e <= q.start else (q.end, s)  # what lies between it and the quantity
        f.append("gap=" + _gap_bucket(g1 - g0))
        i, j = self._words(g0, g1)
        if self.verbs[j] > self.verbs[i]:
            f.append("gap_has_v")
        return set(f)


def _gap_bucket(d: int) -> str:
    return str(d) if d < 3 else ("3-5" if d < 6 else ("6-10" if d < 11 else "11+"))


def indicator_features(text: str, toks: Sequence[Token], q: Any, s: int, e: int) -> set[str]:
    """Binary features of the candidate ``text[s:e]`` for ``q``'s indicator: its offsets from the rule span,
    length, side, the quantity's kind and role, first/last word and tag, edge characters, the word before it,
    the words it holds (and whether one, or the first, is a verb), the distance to the quantity and whether a
    verb lies between, and the words and tags it adds to or cuts from the rule span on each side."""
    return _CandidateFeatures(text, toks, q)(s, e)


def indicator_candidates(text: str, q: Any) -> tuple[list[tuple[int, int]], list[set[str]]]:
    """Candidates of ``q``'s indicator (the rule's first) and their features; empty without a rule indicator."""
    if q.indicator_start is None or q.indicator_end is None or q.indicator_end <= q.indicator_start:
        return [], []
    lo, hi = _window(text, q)
    toks = segment_tokens(text, lo, hi)
    cands = candidates(text, toks, q)
    features = _CandidateFeatures(text, toks, q)
    return cands, [features(s, e) for s, e in cands]


#: a noun of growth the rules keep at the end of an indicator (``营业收入年均增速``): the fused pick does not drop it.
#: A growth *verb* after the noun (``集装箱海铁联运量年均增长15%``) may go: FORMAT.md drops verbs after the noun
#: (``单位GDP能耗下降15%`` → ``单位GDP能耗``); keeping 年均增长 too cost 1 of 81 on the written set and −2 to +1 per
#: training sample (docs/quantities.md).
_GROWTH = ("年均增速",)


def _log_sigmoid(x: float) -> float:
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def fuse(candidates: Sequence[tuple[int, int]], scores: Sequence[float], starts: Mapping[int, float],
         ends: Mapping[int, float], best: tuple[int, int] | None, fusion: Mapping[str, float]) -> tuple[int, int] | None:
    """The span with the best fused score among the re-ranker's ``candidates`` (``scores``) and the reader's
    ``best`` span: ``(1 - w) * log sigmoid(score) + w * (starts[s] + ends[e])`` (the reader's log-probabilities,
    :func:`clausetag.quantities.reader.span_logprobs`); a span that only one of the two scores gets
    ``pen_ranker`` / ``pen_reader`` for the other. Ties go to the earlier candidate."""
    w, pen_ranker, pen_reader = fusion["w"], fusion["pen_ranker"], fusion["pen_reader"]
    options: dict[tuple[int, int], float | None] = dict(zip(candidates, scores))
    if best is not None and best not in options:
        options[best] = None
    out, top = None, -math.inf
    for (s, e), sc in options.items():
        a = _log_sigmoid(sc) if sc is not None else pen_ranker
        b = starts[s] + ends[e] if s in starts and e in ends else pen_reader
        v = (1 - w) * a + w * b
        if v > top:
            out, top = (s, e), v
    return out


def _crosses_break(text: str, s: int, e: int) -> bool:
    """Whether ``text[s:e]`` holds a comma, semicolon or full stop outside brackets and quotes (``补贴，每个机构``):
    two pieces of a sentence, not a noun phrase (a bracketed note may hold one: ``脱贫人口（含防止返贫监测对象，下同）``;
    a thousands comma is no break: ``营业收入超1,000万元的企业``)."""
    depth = 0
    for k in range(s, e):
        ch = text[k]
        if ch in "（(《“【":
            depth += 1
        elif ch in "）)》”】":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "，,；;。" and not (
                ch == "," and k > 0 and text[k - 1].isdigit() and k + 1 < len(text) and text[k + 1].isdigit()):
            return True
    return False


def _names_nothing(text: str, s: int, e: int) -> bool:
    """Whether the span ``text[s:e]`` names no indicator: one of ``indicator_cues.yaml: names_nothing_alone`` (增长,
    率 alone), a basis of calculation (按不变价格计算), or words jieba tags all as verbs (可支持), unless a rate (竣工率) or what is given after a grant verb
    or a 的 (给予支持, 的补助; ``grant_object_pattern``)."""
    span = text[s:e].strip()
    cues = _indicator_cues()
    if span in cues.names_nothing_alone or ((m := cues.calc_basis.match(text, s)) is not None and m.end() >= e):
        return True  # (按不变价格计算: how it is counted, not what)
    _jieba_blocks()  # loads jieba quietly
    if not all(flag == "v" for _, flag in _pos_cut(span)) or cues.property_head.search(span):
        return False
    return cues.grant_object.search(text, max(0, s - _GRANT_REACH), s) is None


#: characters before a bare verb in which grant_object_pattern is looked for (more than its 给予 + 10 characters)
_GRANT_REACH = 16


def rerank_indicators(text: str, quantities: Sequence[Any], model: LinearModel | None = None,
                      reader: Any = False) -> list[Any]:
    """``quantities`` with each target/actual/cap quantity's indicator chosen anew (the rule's own span, text
    and offsets kept as they are when it wins).

    Without a reader (``reader=False``, the default, or none packaged) the best-scored candidate of the linear
    model wins.
    With one (``reader=None``: the packaged :func:`clausetag.quantities.reader.packaged_reader`; or a
    :class:`~clausetag.quantities.reader.QuantityReader`), its best span joins the candidates and the scores are
    fused (:func:`fuse`); a quantity the rules found no indicator for gets the reader's best span. The reader's
    best span is left out where it names nothing (:func:`_names_nothing`: 率 alone, a bare verb but what is given),
    and a fused span that starts where the reader's window was cut starts where it really does
    (:func:`_unclipped_start`)."""
    m = model if model is not None else indicator_model()
    if reader is None:
        from clausetag.quantities.reader import packaged_reader

        reader = packaged_reader()
    if reader:
        from clausetag.quantities.reader import best_span, cut_short, region
    out = []
    for q in quantities:
        if q.role not in _INDICATOR_ROLES or (q.indicator is None and not reader):
            out.append(q)
            continue
        cands, feats = indicator_candidates(text, q) if q.indicator is not None else ([], [])
        if not reader:
            if len(cands) < 2:
                out.append(q)
                continue
            scores = [m.scores(f)[0] for f in feats]
            s, e = cands[max(range(len(scores)), key=scores.__getitem__)]
        else:
            starts, ends = reader.span_logprobs(text, q.start, q.end)
            best = best_span(starts, ends, q.start, q.end)
            if best is not None and (_names_nothing(text, *best) or _crosses_break(text, *best)
                                     or (q.kind in ("percent", "ratio") and only_places(text, *best))):
                # 率 alone, a bare verb (增长, 可支持), 补贴，每个机构: no indicator (issue 27: noun phrases); a share
                # measures no place (…辛集市69.86%张家口市68.99%: 张家口 names the next item of a list)
                best = None
            scores = [m.scores(f)[0] for f in feats]
            span = fuse(cands, scores, starts, ends, best, reader.fusions["span"])
            if span is None or (q.kind in ("percent", "ratio") and only_places(text, *span)):
                out.append(q)  # (nor a candidate that names only a place, for a share)
                continue
            s, e = span
            lo = region(text, q.start, q.end)[0]
            if s == lo and cut_short(text, lo):
                s = _unclipped_start(text, s, e, cands, scores)
            while e - s > 1 and text[e - 1] == "的":  # 国家和地区的2156家企业: the reader may keep the particle
                e -= 1
        if (s, e) == (q.indicator_start, q.indicator_end) or (
                q.indicator is not None and q.indicator.endswith(_GROWTH) and not text[s:e].endswith(_GROWTH)):
            # (a growth noun the rules keep stays: 营业收入年均增速)
            out.append(q)
        else:
            out.append(replace(q, indicator=text[s:e], indicator_start=s, indicator_end=e))
    return _not_borrowed(quantities, out) if reader else out


def _unclipped_start(text: str, s: int, e: int, cands: Sequence[tuple[int, int]], scores: Sequence[float]) -> int:
    """Where a span that the reader starts at the first character it read (its window cut ``_BEFORE`` characters
    before a quantity late in a long list) really starts. The re-ranker's best candidate with the same end that
    starts earlier, on a word start, wins when ``s`` lies inside a word or when it outscores the span itself
    (农村公路养护工程完工率, not 养护工程完工率; not 继续推进农村… where 农村… scores higher); else ``s`` moves to the
    start of the word holding it (采购完成率, not 购完成率)."""
    lo = min([a for a, b in cands if b == e and a < s], default=s)
    words = segment_tokens(text, lo, s + 1)
    starts = {a for a, _, _, _ in words}
    holder = next((a for a, b, _, _ in words if a < s < b), None)
    earlier = [k for k, (a, b) in enumerate(cands) if b == e and a < s and a in starts]
    own = next((scores[k] for k, c in enumerate(cands) if c == (s, e)), None)
    if earlier:
        best = max(earlier, key=scores.__getitem__)
        if holder is not None or own is None or scores[best] > own:
            return cands[best][0]
    return holder if holder is not None else s


def _not_borrowed(before: Sequence[Any], after: list[Any]) -> list[Any]:
    """``after`` without the reader's span for a count the rules gave no indicator where that span is the
    indicator of another quantity with another unit (``马鬃山村面积10.92平方公里，…，505户1748人``: 505户 does not
    count 马鬃山村面积)."""
    taken: dict[tuple[int, int], set[str]] = {}  # span -> units of the quantities the rules found it for
    for b, o in zip(before, after):
        if b.indicator is not None and o.indicator is not None and o.kind not in ("percent", "ratio"):
            taken.setdefault((o.indicator_start, o.indicator_end), set()).add(o.unit)
    out = list(after)
    for i, (b, q) in enumerate(zip(before, after)):
        if b.indicator is None and q.indicator is not None and q.kind == "count":
            units = taken.get((q.indicator_start, q.indicator_end))
            if units and q.unit not in units:
                out[i] = replace(q, indicator=None, indicator_start=None, indicator_end=None)
    return out
