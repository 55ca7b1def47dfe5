"""The extractor's per-text lookups that replaced character walks, per-amount searches and per-amount splits (a
sentence with thousands of amounts took seconds): each is checked against the walk, search or split it replaced."""

from __future__ import annotations

import json
import re

from conftest import DATA_DIR

from clausetag.quantities.extract import (
    _DIGIT,
    _DUI,
    _REPORT_CHARS,
    _SEGMENT_BREAKS,
    _alt,
    _Compiled,
    _compiled,
    _Context,
    _last_cue,
    _opens_with_dui,
    _segment_start,
    _year_and_time_cue,
)
from clausetag.quantities.rerank import _PUNCT, _jieba_blocks, _pos_cut, segment_tokens
from clausetag.quantities.segments import segment_end, segment_start

_BREAKS = frozenset("，；。")


def _walk_start(text: str, pos: int, breaks: frozenset[str], floor: int) -> int:
    while pos > floor and text[pos - 1] not in breaks:
        pos -= 1
    return pos


def _walk_end(text: str, pos: int, breaks: frozenset[str], limit: int) -> int:
    while pos < limit and text[pos] not in breaks:
        pos += 1
    return pos


def test_segment_bounds_match_a_character_walk() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet="甲乙，；。、1", max_size=40), st.data())
    def same(text: str, data: st.DataObject) -> None:
        n = len(text)
        pos = data.draw(st.integers(0, n))
        bound = data.draw(st.integers(0, n))
        for breaks in (_BREAKS, "，；。"):
            assert segment_start(text, pos, breaks, bound) == _walk_start(text, pos, _BREAKS, bound)
            assert segment_end(text, pos, breaks, bound) == _walk_end(text, pos, _BREAKS, bound)

    same()


def _scan_cue(ctx: _Context, c: _Compiled, sent_start: int, seg_start: int, q_start: int, cue_pos: int,
              cue_role: str | None, year_pos: int) -> tuple[int, str | None, bool]:
    """The search _last_cue replaced: every cue of the sentence up to the amount, searched again for each amount."""
    text, masked = ctx.text, ctx.masked
    target_seen = cue_role == "target"
    goal_before_year = False
    for m in c.role_re.finditer(masked, sent_start, min(q_start + 1, len(masked))):
        if m.end() > q_start:
            break
        role = c.cue_role(m.group())
        if role == "weak_actual":
            if target_seen:
                continue
            role = "actual"
        elif role == "segment_actual":
            if m.start() < seg_start:
                continue
            role = "actual"
        if role == "target":
            target_seen = True
            if m.end() < year_pos and _DIGIT.search(text, m.end(), year_pos):
                goal_before_year = True
        if m.start() >= cue_pos and (role != "other" or m.start() >= seg_start):
            cue_pos, cue_role = m.start(), role
    return cue_pos, cue_role, goal_before_year


def _check_every_number(text: str) -> int:
    c, ctx = _compiled(), _Context(text)
    checked = 0
    for m in re.finditer(r"\d+", text):
        q = m.start()
        sent_start, sent_end = ctx.sentence(q)
        seg_start = _segment_start(text, q, _SEGMENT_BREAKS, sent_start)
        _, cue_pos, cue_role = _year_and_time_cue(ctx, sent_start, q, c)
        year_pos = cue_pos if cue_role == "actual" else -1
        want = _scan_cue(ctx, c, sent_start, seg_start, q, cue_pos, cue_role, year_pos)
        assert _last_cue(ctx, c, sent_start, sent_end, seg_start, q, cue_pos, cue_role, year_pos) == want, (text, q)
        checked += 1
    return checked


def test_last_cue_matches_a_search_from_the_sentence_start_on_the_golden_sentences() -> None:
    rows = [json.loads(line) for line in (DATA_DIR / "quantities_golden.jsonl").read_text("utf-8").splitlines()
            if line.strip()]
    texts = [r["text"] for r in rows] + ["力争2023年，新建20个。", "要达到30%以上，2028年达到60%以上。",
                                          "2023年，同比增长5%，力争累计新建20个，累计完成6个。",
                                          "力争实现，2028年达到60%以上。"]
    assert sum(_check_every_number(t) for t in texts) > 100


def test_last_cue_matches_a_search_from_the_sentence_start_on_generated_sentences() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = ["2023年，", "到2025年，", "力争", "累计", "同比增长", "已", "共", "按", "计划", "新建", "达到",
              "20", "5%", "万元", "企业", "，", "；", "、", "。", "其中", "目前", "6月底前", "了"]

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(pieces), min_size=1, max_size=120))
    def same(parts: list[str]) -> None:
        _check_every_number("".join(parts))

    same()


def _split_tokens(text: str, lo: int, hi: int) -> list[tuple[int, int, str, str]]:
    """segment_tokens as it was: walk to the segment's ends, split the whole segment into jieba's runs."""
    s = segment_start(text, lo, _PUNCT)
    e = segment_end(text, hi, _PUNCT, len(text))
    out, pos = [], s
    for block in _jieba_blocks().split(text[s:e]):
        end = pos + len(block)
        if end >= lo and pos <= hi and block:
            for w, flag in _pos_cut(block):
                out.append((pos, pos + len(w), w, flag))
                pos += len(w)
        pos = end
    return out


def test_segment_tokens_match_cutting_the_whole_segment() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)  # the first call loads jieba's dictionary
    @given(st.lists(st.sampled_from(["企业", "培育", "5G", "基站", "2万个", " ", "，", "、", "（", "）", "。", "a.b",
                                     "%", "——", "新建"]), max_size=30), st.data())
    def same(parts: list[str], data: st.DataObject) -> None:
        text = "".join(parts)
        lo = data.draw(st.integers(0, len(text)))
        hi = data.draw(st.integers(lo, len(text)))
        assert segment_tokens(text, lo, hi) == _split_tokens(text, lo, hi)

    same()


def test_role_cues_read_less_than_the_margin_from_where_an_attempt_starts() -> None:
    # _last_cue searches the last _CUE_MARGIN characters before an amount again because a search that ends at the
    # amount may read them differently; that holds while no cue pattern reads as far from where an attempt starts.
    # Lookarounds read too: counted as if they consumed (an upper bound).
    from clausetag.quantities.extract import _CUE_MARGIN
    from clausetag.segment.patterns import max_width

    pattern = _compiled().role_re.pattern
    for look in ("(?<=", "(?<!", "(?=", "(?!"):
        pattern = pattern.replace(look, "(?:")
    assert max_width(pattern) < _CUE_MARGIN


def test_word_lookup_matches_a_search() -> None:
    """_Context.has_word (the words' places found once per text) against the masked-text search of their alternation
    it replaced, for each word list it serves, on texts of those words, their parts, brackets and quotes."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    c = _compiled()
    lists = (c.present_words, c.year_goal_words, c.report_words, _REPORT_CHARS)
    patterns = [re.compile(_alt(words)) for words in lists]  # the searches has_word replaced
    pieces = sorted({w for ws in lists for w in ws} | {w[:1] for ws in lists for w in ws}
                    | {"截至", "《", "》", "“", "”", "甲", "，"})

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.sampled_from(pieces), max_size=12), st.data())
    def same(parts: list[str], data: st.DataObject) -> None:
        text = "".join(parts)
        ctx = _Context(text)
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(0, len(text)))
        for words, pattern in zip(lists, patterns):
            assert ctx.has_word(words, start, end) is (pattern.search(ctx.masked, start, end) is not None)

    same()


def test_dui_lookup_matches_a_search() -> None:
    """_opens_with_dui (the regex tried only where 对 stands) against the segment search it replaced."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=400, deadline=None)
    @given(st.text(alphabet="对于外，,；：\t甲", max_size=16), st.data())
    def same(text: str, data: st.DataObject) -> None:
        lo = data.draw(st.integers(0, len(text)))
        hi = data.draw(st.integers(0, len(text)))
        assert _opens_with_dui(text, lo, hi) is (_DUI.search(text, lo, hi) is not None)

    same()
