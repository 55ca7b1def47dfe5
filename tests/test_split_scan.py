"""The splitter's whole-text scan (one lookup-table pass) against plain regular expressions: the
positions of terminators, line breaks and pair characters, the lines, and the pair events."""
from __future__ import annotations

import random
import re

import pytest

from clausetag.segment.splitter import Splitter, _lines, _outside_pairs, _scan
from clausetag.segment.text import normalize, residue_spans

PIECES = ("加快推进", "。", "！", "？", "；", "，", "（", "）", "(", ")", "【", "】", "〔", "〕", "《", "》",
          "“", "”", "‘", "’", "「", "」", "[", "]", "〈", "〉", "<", ">", '"', " ", "  ", "\n", "\n \n",
          "\u3000", "\t", "𠀀", "\x00", "ＡＢ", "１", "一、", ",", ":", ";", "?", "!", "：", "［", "］", "！",
          "？", "\r", "\u00a0", "\ufe59", "\ufe5a", "\f", "\v", "\ud800", "[bookmark: x]", "&nbsp;")

# Rule sets: the packaged ones; one with a symmetric pair ("…"); one where a character opens one
# pair and closes another (no flat pairs then); one whose paragraph evidence differs from the
# terminators.
RULES = {
    "default": "default",
    "regulation": "regulation",
    "symmetric": {"extends": "default", "protected_pairs": [["（", "）"], ['"', '"'], ["《", "》"]]},
    "crossed": {"extends": "default", "protected_pairs": [["<", ">"], [">", "<"], ["（", "）"]]},
    "evidence": {"extends": "default", "terminators": "。；\n",
                 "pdf_join": {"body_evidence": "。！", "line_end_chars": "。！？；：”）",
                              "title_continuation": None}},
}


def _docs(n: int = 300, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 60))) for _ in range(n)]


def _reference_events(norm: str, pairs: list[tuple[str, str]]) -> tuple[list[int], list[int], list[int]]:
    """The regex the scan replaced: a flat pair (opener, no pair character, one of its closers) or
    one pair character, leftmost first; every pair character when a character opens one pair and
    closes another."""
    openers = {o for o, _ in pairs}
    closers = {c for _, c in pairs}
    chars = "".join(dict.fromkeys(o + c for o, c in pairs))
    if not all(o == c or (o not in closers and c not in openers) for o, c in pairs):
        starts = [m.start() for m in re.finditer("[" + re.escape(chars) + "]", norm)]
        return starts, [x + 1 for x in starts], starts
    not_pair = "[^" + re.escape(chars) + "]*"
    rx = re.compile("|".join([re.escape(o) + not_pair + re.escape(c) for o, c in pairs]
                             + [re.escape(ch) for ch in chars]))
    spans = [m.span() for m in rx.finditer(norm)]
    return [x for x, _ in spans], [y for _, y in spans], [x for x, y in spans if y - x == 1]


@pytest.mark.parametrize("name", sorted(RULES))
def test_scan_equals_regular_expressions(name: str) -> None:
    splitter = Splitter(RULES[name])
    rs = splitter.rule_set.rules
    terms = re.compile("[" + re.escape(rs["terminators"]) + "]")
    evidence = re.compile("[" + re.escape(rs["pdf_join"]["body_evidence"]) + "]")
    pairs = [(o, c) for o, c in rs["protected_pairs"]]
    for text in _docs():
        norm = normalize(text, splitter.rules.residue)
        scanned, scan = _scan(text, splitter.rules, residue_spans(text, splitter.rules.residue))
        assert scanned == norm, text
        assert scan.terms == [m.start() for m in terms.finditer(norm)], text
        assert scan.evidence == [m.start() for m in evidence.finditer(norm)], text
        assert scan.newlines == [m.start() for m in re.finditer("\n", norm)], text
        assert (scan.ev_s, scan.ev_e, scan.strays) == _reference_events(norm, pairs), text
        lines = [m.span() for m in re.finditer(r"[^ \n](?:[^\n]*[^ \n])?", norm)]
        assert _lines(norm, scan.newlines) == lines, text


def test_scan_of_text_ending_in_nul_and_astral_characters() -> None:
    splitter = Splitter()
    norm = "𠀀（甲）。\n乙\x00"
    scan = _scan(norm, splitter.rules, [])[1]
    assert scan.terms == [4] and scan.newlines == [5]
    assert (scan.ev_s, scan.ev_e, scan.strays) == ([1], [4], [])
    text = "𠀀(甲)!\n,\x00"
    assert _scan(text, splitter.rules, []) == (normalize(text), scan)


def test_scan_leaves_out_blanked_residue() -> None:
    splitter = Splitter()
    text = "甲（[bookmark: a]）。\n- 3 -\n乙[image1]！|b|c|"
    norm, scan = _scan(text, splitter.rules, residue_spans(text))
    assert norm == normalize(text)
    assert scan.terms == [norm.index("。"), norm.index("！")]
    assert (scan.ev_s, scan.ev_e, scan.strays) == ([1], [norm.index("）") + 1], [])
    assert scan.newlines == [i for i, ch in enumerate(text) if ch == "\n"]


def test_outside_pairs_keeps_terminators_outside_and_on_the_brackets() -> None:
    """_outside_pairs (a step of the clause walk) against the direct definition on random pairs: a
    terminator strictly inside a pair (after its opener, before its closer) is dropped."""
    assert _outside_pairs([1, 5, 9, 12], [4], [10]) == [1, 9, 12]
    rng = random.Random(7)
    for _ in range(300):
        cuts = sorted(rng.sample(range(60), 2 * rng.randint(0, 5)))
        starts, ends = cuts[0::2], [e + 1 for e in cuts[1::2]]
        terms = sorted(rng.sample(range(60), rng.randint(0, 12)))
        want = [t for t in terms if not any(s < t < e - 1 for s, e in zip(starts, ends))]
        assert _outside_pairs(terms, starts, ends) == want, (terms, starts, ends)
