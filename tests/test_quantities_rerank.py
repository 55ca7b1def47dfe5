"""The learned role and indicator re-rankers of the quantity extractor (clausetag.quantities.rerank, issue 27)."""
from __future__ import annotations

import json
from importlib import resources

import pytest
from conftest import DATA_DIR

from clausetag.quantities import rerank
from clausetag.quantities.extract import extract_quantities
from clausetag.quantities.rerank import LinearModel

GOLDEN = [json.loads(line) for line in (DATA_DIR / "quantities_golden.jsonl").read_text(encoding="utf-8").splitlines()
          if line.strip()]


def test_packaged_models_load_and_are_small() -> None:
    role, ind = rerank.role_model(), rerank.indicator_model()
    assert set(role.classes) == {"target", "actual", "cap", "threshold", "other"}
    assert ind.classes == ("score",)
    assert len(role.weights) > 1000 and len(ind.weights) > 1000
    assert "rule=target" in role.weights and "is_rule" in ind.weights
    assert "quantities_train" in role.meta["trained_on"]
    for name in (rerank.ROLE_MODEL, rerank.INDICATOR_MODEL):  # shipped inside the package, compressed
        assert resources.files("clausetag").joinpath("resources", name).read_bytes()[:2] == b"\x1f\x8b"
    assert rerank.role_model() is role  # loaded once


def test_learned_false_is_the_rules_alone() -> None:
    """learned=False skips both re-rankers: its output equals the rules' steps applied by hand."""
    from dataclasses import replace

    from clausetag.quantities.indicators import find_indicators

    for case in GOLDEN[:60]:
        text = case["text"]
        rules = extract_quantities(text, indicators=False, learned=False)
        by_hand = [q if i is None else replace(q, indicator=i.text, indicator_start=i.start, indicator_end=i.end)
                   for q, i in zip(rules, find_indicators(text, rules))]
        assert extract_quantities(text, learned=False) == by_hand


@pytest.mark.parametrize("text, span, rules, learned", [
    # labels/quantities_sample (a training sentence): a count that scopes a plan, not a target (gold: other)
    ("将承德市12个县（市、区，含高新区）纳入薄弱环节改善与能力提升工程实施范围。", "12个",
     ("target", "县（市、区"), ("other", None)),
    # the same sample: the rate's indicator without its change word (gold: 技术合同成交额)
    ("力争实现技术合同成交额年递增21%,到2015年达到10000亿元。", "21%",
     ("target", "技术合同成交额年递增"), ("target", "技术合同成交额")),
])
def test_learned_path_changes_a_known_case(text, span, rules, learned) -> None:
    by_rules = {q.text: q for q in extract_quantities(text, learned=False)}
    by_model = {q.text: q for q in extract_quantities(text)}
    assert by_rules.keys() == by_model.keys()  # spans, values and units never change
    assert (by_rules[span].role, by_rules[span].indicator) == rules
    assert (by_model[span].role, by_model[span].indicator) == learned
    assert by_model[span].value == by_rules[span].value and by_model[span].year == by_rules[span].year


def test_linear_model_scores_and_round_trips(tmp_path) -> None:
    m = LinearModel(["a", "b"], [0.0, 0.5], {"x": [2.0, 0.0], "y": [0.0, 1.0]}, {"margin": 0.0})
    assert m.best(["x"]) == "a" and m.best(["y"]) == "b" and m.best(["unseen"]) == "b"
    for name in ("m.json", "m.json.gz"):
        m.save(tmp_path / name)
        back = LinearModel.load(tmp_path / name)
        assert back.classes == m.classes and back.weights == m.weights and back.intercept == m.intercept
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.json"):
        LinearModel.load(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="one per class"):
        LinearModel(["a", "b"], [0.0], {})


# --------------------------------------------------------------------------------------------------
# The shortcuts of the fast path (per-sentence role context, jieba cut by run, features shared by candidate
# edges) against the plain definitions they replace: the features, and so the re-rankers' output, must not move.

def _role_features_plain(text: str, q) -> set[str]:
    """role_features as first written (slices and regex searches per quantity): the reference."""
    import re

    s, e = q.start, q.end
    rr, kind, comp = q.role, q.kind, q.comparator
    f = ["rule=" + rr, f"rule={rr}|kind={kind}", f"rule={rr}|comp={comp}", "kind=" + kind, "comp=" + comp,
         "unit=" + q.unit, "year=" + ("none" if q.year is None else "set")]
    left, right = text[max(0, s - 20):s], text[e:e + 10]
    for n in (1, 2, 3):
        f += ["L:" + left[i:i + n] for i in range(len(left) - n + 1)]
        f += ["R:" + right[i:i + n] for i in range(len(right) - n + 1)]
    for k in (1, 2, 3):
        f += [f"L{k}:" + left[-k:], f"R{k}:" + right[:k]]
    punct = "，,；;：:。！!？?"
    ss = s
    while ss > 0 and text[ss - 1] not in punct:
        ss -= 1
    se = e
    while se < len(text) and text[se] not in punct:
        se += 1
    f += ["seg0:" + text[ss:ss + 2], "lead=" + str(min(s - ss, 12) // 3), "closes=" + str(e >= se),
          "first_seg=" + str(ss == 0)]
    before, after, seg = text[:s], text[e:], text[ss:s]
    f += ["B:" + w for w in rerank.CUES if w in before]
    f += ["A:" + w for w in rerank.CUES if w in after]
    f += ["SB:" + w for w in rerank.CUES if w in seg]
    year, to_year = re.compile(r"(?:19|20)\d\d年"), re.compile(r"(?:到|至|在)(?:19|20)\d\d年")
    ym = list(year.finditer(before))
    if ym:
        f += ["year_before", "year_before_dist=" + str(min(s - ym[-1].end(), 40) // 10),
              "year_at_start=" + str(ym[0].start() <= 2)]
    if to_year.search(before):
        f.append("to_year_before")
    if year.search(after):
        f.append("year_after")

    def digits(number: str) -> int:  # significant digits, at most 4
        significant = number.replace(".", "").lstrip("0") if "." in number else number.strip("0")
        return min(len(significant), 4)

    numbers = [m for m in re.finditer(r"[0-9]+(?:\.[0-9]+)?", text) if not text.startswith("年", m.end())]
    inside = [m.group() for m in numbers if s <= m.start() and m.end() <= e]
    if inside:
        f += ["digits=" + str(digits(inside[0])), "decimal=" + str("." in inside[0])]
    f.append("sentence_digits=" + str(max((digits(m.group()) for m in numbers), default=0)))
    return set(f)


_SHORTCUT_TEXTS = [c["text"] for c in GOLDEN] + [
    # cue words twice, overlapping cues (不超过/超过), years on both sides, a quantity at the very start
    "2020年完成50%，到2025年力争不超过80%，其中已完成30%以上，2030年达到90%。",
    "100亿元，累计完成；到2035年新增200家，超过2019年的150家，不得超过300家。",
]


@pytest.mark.parametrize("text", _SHORTCUT_TEXTS[:80] + _SHORTCUT_TEXTS[-2:])
def test_role_features_with_a_shared_sentence_are_the_plain_features(text) -> None:
    qs = extract_quantities(text, indicators=False, learned=False)
    sent = rerank.Sentence(text)
    for q in qs:
        plain = _role_features_plain(text, q)
        assert rerank.role_features(text, q, sent) == plain
        assert rerank.role_features(text, q) == plain
    if qs:  # a Sentence of another text is not used for this one
        other = rerank.Sentence("2019年已完成" + text)
        assert rerank.role_features(text, qs[0], other) == _role_features_plain(text, qs[0])


def _indicator_cases():
    for text in _SHORTCUT_TEXTS:
        for q in extract_quantities(text, learned=False):
            if q.indicator is not None and q.indicator_end > q.indicator_start:
                yield text, q


def test_segment_tokens_are_the_whole_segment_cut_where_they_matter() -> None:
    """jieba cut run by run gives the words of the whole comma segment wherever they touch the window."""
    import jieba.posseg as pseg

    n = 0
    for text, q in _indicator_cases():
        lo, hi = rerank._window(text, q)
        toks = rerank.segment_tokens(text, lo, hi)
        s, e = lo, hi
        while s > 0 and text[s - 1] not in rerank._PUNCT:
            s -= 1
        while e < len(text) and text[e] not in rerank._PUNCT:
            e += 1
        whole, pos = [], s
        for w in pseg.cut(text[s:e]):
            whole.append((pos, pos + len(w.word), w.word, w.flag))
            pos += len(w.word)
        touching = [t for t in whole if t[1] >= lo and t[0] <= hi]
        assert set(touching) <= set(toks) <= set(whole)
        assert all(text[a:b] == w for a, b, w, _ in toks)
        n += 1
    assert n > 50


def _indicator_features_plain(text: str, toks, q, s: int, e: int) -> set[str]:
    """indicator_features as first written (one candidate at a time): the reference."""
    def tok_at(pos):
        return next(((t[2], t[3]) for t in toks if t[0] <= pos < t[1]), ("", "END"))

    a, b = q.indicator_start, q.indicator_end
    f = ["bias", "ds=" + str(max(-8, min(8, s - a))), "de=" + str(max(-8, min(8, e - b))),
         "len=" + str(min(e - s, 20) // 2), "side=" + ("before" if e <= q.start else "after"), "kind=" + q.kind,
         "role=" + q.role]
    if (s, e) == (a, b):
        f.append("is_rule")
    w, p = tok_at(s)
    f += ["first=" + w, "first_pos=" + p]
    w, p = tok_at(e - 1)
    f += ["last=" + w, "last_pos=" + p, "last_char=" + text[e - 1], "first_char=" + text[s],
          "prev_char=" + (text[s - 1] if s else "^"), "next_char=" + (text[e] if e < len(text) else "$")]
    for name, lo, hi in (("add_left", s, a), ("cut_left", a, s), ("add_right", b, e), ("cut_right", e, b)):
        if lo < hi:
            f.append(f"{name}=" + text[lo:hi])
            for t in toks:
                if lo <= t[0] < hi:
                    f += [f"{name}_w=" + t[2], f"{name}_pos=" + t[3]]
    if "的" in text[s:e]:
        f.append("has_de")
    if "、" in text[s:e]:
        f.append("has_list")
    before = [t for t in toks if t[1] <= s]
    f += ["prev_w=" + (before[-1][2] if before else "^"), "prev_pos=" + (before[-1][3] if before else "^")]
    inside = [t for t in toks if s <= t[0] and t[1] <= e]
    f.append("n_words=" + str(min(len(inside), 6)))
    f += ["in_w=" + t[2] for t in inside]
    if any(t[3] == "v" for t in inside):
        f.append("has_v")
    if inside and inside[0][3] == "v":
        f.append("first_is_v")
    g0, g1 = (e, q.start) if e <= q.start else (q.end, s)
    d = g1 - g0
    f.append("gap=" + (str(d) if d < 3 else ("3-5" if d < 6 else ("6-10" if d < 11 else "11+"))))
    if any(t[3] == "v" for t in toks if g0 <= t[0] and t[1] <= g1):
        f.append("gap_has_v")
    return set(f)


def test_candidate_features_shared_by_edges_are_built_one_by_one() -> None:
    """The features of every candidate, built with start/end parts shared, equal those built alone (and the plain
    definition's)."""
    n = 0
    for text, q in _indicator_cases():
        cands, feats = rerank.indicator_candidates(text, q)
        lo, hi = rerank._window(text, q)
        toks = rerank.segment_tokens(text, lo, hi)
        for (s, e), f in zip(cands, feats):
            assert f == rerank.indicator_features(text, toks, q, s, e) == _indicator_features_plain(text, toks, q, s, e)
            n += 1
    assert n > 500


def test_role_features_at_every_offset_are_the_plain_features() -> None:
    """Spans at every offset (also inside a cue word, a year or next to a clause break) of texts with repeated
    and overlapping cues."""
    from types import SimpleNamespace

    for text in _SHORTCUT_TEXTS[-2:] + ["目标达到2025年，计划不超过", "，已，"]:
        sent = rerank.Sentence(text)
        for s in range(len(text)):
            for e in range(s + 1, min(len(text), s + 6) + 1):
                q = SimpleNamespace(start=s, end=e, role="target", kind="percent", comparator="=", unit="%", year=None)
                assert rerank.role_features(text, q, sent) == _role_features_plain(text, q), (text, s, e)


@pytest.mark.parametrize("text,borrower,owner,kept", [
    ("马鬃山村面积10.92平方公里，共13个村民小组，505户1748人。", "505户", "10.92平方公里", False),  # another unit
    ("新增企业50家，其中高新技术企业20家。", "20家", "50家", True),  # the same unit: the reader may be right
    ("营业收入1200亿元，增长12%。", "12%", "1200亿元", True),  # a change of the same thing: not a count
])
def test_a_count_does_not_borrow_the_indicator_of_another_unit(text, borrower, owner, kept):
    from dataclasses import replace

    before = extract_quantities(text, learned=False)
    o = next(q for q in before if q.text == owner)
    assert o.indicator is not None
    before = [replace(q, indicator=None, indicator_start=None, indicator_end=None) if q.text == borrower else q
              for q in before]
    after = [replace(q, indicator=o.indicator, indicator_start=o.indicator_start, indicator_end=o.indicator_end)
             if q.text == borrower else q for q in before]  # what the reader gave
    got = next(q for q in rerank._not_borrowed(before, after) if q.text == borrower)
    assert (got.indicator == o.indicator) is kept
