"""Clause splitter for Chinese official documents (SPEC §1).

``split(text)`` returns :class:`Clause` records whose ``start``/``end`` are offsets into ``text``
itself (the original, un-normalised string), with the enclosing heading path of each clause.

The engine works on the length-preserving normalised text from :mod:`clausetag.segment.text` and reads
all of its patterns from a rule set (:mod:`clausetag.segment.rulesets`; by default
``clausetag/rules/splitting.yaml`` + ``residue.yaml``), chosen per :class:`Splitter` instance:

1. paragraphs are the text's lines, after re-joining lines broken by PDF extraction;
2. inside a paragraph, bracket/quote/title-mark pairs are matched (unmatched ones are ignored, so
   one stray ``）`` cannot swallow the rest of a line) and terminators inside pairs are skipped;
3. at each clause start, heading markers are tried; a heading ends at its first ``。`` (inline
   heading), before a following heading marker, or at the paragraph end;
4. body clauses end after ``。！？；`` (or a soft boundary, or the paragraph end); a following
   responsibility parenthetical ``（牵头单位：…；责任单位：…）`` is attached and parsed.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from clausetag.segment.patterns import max_width
from clausetag.segment.rulesets import RuleSet, RuleSetError, RulesSpec, is_rule_set_name, load_rule_set
from clausetag.segment.text import (
    FirstChars,
    Residue,
    absent,
    blank_spans,
    compile_residue,
    first_chars,
    residue_spans,
    translation_table,
)

__all__ = ["Clause", "Splitter", "split"]


@dataclass(slots=True)
class Clause:
    """One clause: the unit that gets one measure-type label.

    A plain record with ``__slots__`` (not frozen: a frozen dataclass costs several times more to
    build, and the splitter builds one per clause; it sets the fields of body clauses directly,
    without ``__init__``, so ``__init__`` must stay the plain generated one).
    """

    doc_id: str | None
    index: int
    text: str
    start: int
    end: int
    heading_path: tuple[str, ...] = ()
    is_heading: bool = False
    lead_units: tuple[str, ...] = ()
    responsible_units: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists), keys in field order."""
        return {
            "doc_id": self.doc_id,
            "index": self.index,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "heading_path": list(self.heading_path),
            "is_heading": self.is_heading,
            "lead_units": list(self.lead_units),
            "responsible_units": list(self.responsible_units),
        }


_LINE_BREAK_WS = re.compile(r"[ \t\u3000\r]*\n\s*")
_NON_SPACE = re.compile(r"\S")


def clause_text(original: str, start: int, end: int) -> str:
    """The clause text: the original slice with line breaks (and the blanks around them) removed."""
    s = original[start:end]
    if "\n" in s:
        s = _LINE_BREAK_WS.sub("", s)
    return s.strip()


@dataclass
class _Rules:
    term_regex: re.Pattern[str]
    heading_terminators: str
    openers: dict[str, str]
    closers: dict[str, str]
    pair_chars: re.Pattern[str]
    symmetric_pairs: bool
    evidence_is_terms: bool
    source_classes: np.ndarray
    source_any: np.ndarray
    pair_codes: np.ndarray
    flat_matrix: np.ndarray | None
    heading_combined: re.Pattern[str]
    any_heading: re.Pattern[str]
    heading_stop: re.Pattern[str]
    typed_stops: dict[str, re.Pattern[str]]
    glued_words: re.Pattern[str] | None
    glued_words_types: frozenset[str]
    glued_first: frozenset[str] | None  # the characters a glued_words match can start with (None: any)
    max_heading_length: int
    heading_forbidden: re.Pattern[str] | None
    plain_max: int
    plain_forbidden: re.Pattern[str] | None
    plain_next_min: int
    plain_not: re.Pattern[str]
    soft: re.Pattern[str] | None
    soft_items: tuple[re.Pattern[str], ...]
    soft_first: tuple[str | None, ...]
    soft_before: tuple[re.Pattern[str], ...]
    scraped_min: int
    scraped_after: tuple[re.Pattern[str], ...]
    scraped_before: tuple[re.Pattern[str], ...]
    path_reset: re.Pattern[str] | None
    article: re.Pattern[str] | None
    article_keeps: frozenset[str]
    resp_detect: re.Pattern[str]
    resp_lead: tuple[str, ...]
    resp_resp: tuple[str, ...]
    resp_suffixes: tuple[str, ...]
    resp_continuation: re.Pattern[str]
    unit_lead_suffixes: tuple[str, ...]
    unit_strip_suffixes: tuple[str, ...]
    unit_suffix_any: re.Pattern[str] | None  # any lead or strip suffix
    join_line_end: str
    title_continuation: re.Pattern[str] | None
    paragraph_break: re.Pattern[str] | None
    need_children: bool
    title_join: tuple[int, int, re.Pattern[str], re.Pattern[str], re.Pattern[str]] | None
    title_ends_width: int
    sentence_heading_max: int
    sentence_body_max: int
    sentence_not: re.Pattern[str] | None
    paragraph_break_first: str | None
    paragraph_break_ratio: float
    article_mode: str
    residue: Residue
    heading_first: FirstChars
    reset_first: FirstChars
    article_first: FirstChars
    title_first: FirstChars
    special_first: FirstChars


def _compile(rule_set: RuleSet) -> _Rules:
    """The compiled rules of ``rule_set`` (cached by content, so equal rule sets share them)."""
    try:
        return _compile_json(rule_set.canonical_json())
    except re.error as exc:
        raise RuleSetError(f"{rule_set.source}: bad regular expression in rule set {rule_set.name!r}: "
                           f"{exc} (pattern {exc.pattern!r})") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RuleSetError(f"{rule_set.source}: invalid rule value in rule set {rule_set.name!r} "
                           f"({type(exc).__name__}: {exc})") from None


@lru_cache(maxsize=32)
def _compile_json(canonical: str) -> _Rules:
    r = json.loads(canonical)
    openers = dict(r["protected_pairs"])
    closers = {b: a for a, b in r["protected_pairs"]}
    all_pair_chars = "".join(openers) + "".join(closers)
    pair_chars = re.compile("[" + re.escape(all_pair_chars) + "]")
    # Pair events: a "flat" pair (opener, no pair character, its closer), or else one pair
    # character. The stack in _match_pairs matches a flat pair the same way, so a paragraph whose
    # pair characters all fall in flat pairs skips the stack. Only when no character is the opener
    # of one pair and the closer of another. flat_matrix[i, j]: pair_codes[j] closes pair_codes[i].
    pair_codes = np.array(sorted({ord(ch) for ch in all_pair_chars}), np.uint32)
    flat_matrix = None
    if all(o == c or (o not in closers and c not in openers) for o, c in r["protected_pairs"]):
        flat_matrix = np.zeros((len(pair_codes), len(pair_codes)), bool)
        for o, c in r["protected_pairs"]:
            flat_matrix[pair_codes.searchsorted(ord(o)), pair_codes.searchsorted(ord(c))] = True
    evidence = r["pdf_join"]["body_evidence"]
    # The class bits of every code point (in normalised text), for the one whole-text pass of _scan.
    char_classes = np.zeros(0x110000, np.uint8)
    for chars, bit in ((r["terminators"], _TERM), (evidence, _EVIDENCE), ("\n", _NL), (all_pair_chars, _PAIR)):
        for ch in set(chars):
            char_classes[ord(ch)] |= bit
    # the same for the original text: the classes of each character after normalisation's mapping
    translated = _translation_codes()
    source_classes = char_classes.take(translated)
    source_classes[translated != np.arange(0x110000, dtype=np.uint32)] |= _CHANGE
    heading_combined = re.compile("|".join(f"(?P<{h['type']}>{h['pattern']})" for h in r["headings"]))
    any_heading = re.compile("|".join(f"(?:{h['pattern']})" for h in r["headings"]))
    # Where a heading stops: a heading terminator, a line break (with the blanks before it), or
    # blanks before another heading marker. Written to start with one character class so that the
    # regex engine skips ahead at C speed; it is equivalent to
    # "[<terminators>]|[ \t]*\n|[ \t]+(?=<any heading>)".
    term_class = re.escape(r["heading_terminators"])
    # heading_glued_stop: also right before a marker glued to the heading ("三、支持政策（一）补贴支持。"):
    # its opener joins the leading class and a branch checks the rest of the marker after it
    # (a list of {opener, after, types}; an entry with `types` applies to headings of those families only)
    glued_all = r.get("heading_glued_stop") or []
    if isinstance(glued_all, dict):
        glued_all = [glued_all]

    def make_stop(entries: list[dict[str, Any]]) -> re.Pattern[str]:
        g_open = "".join(dict.fromkeys(re.escape(e["opener"]) for e in entries))
        g_branch = "".join(f"|(?<={re.escape(e['opener'])})(?={e['after']})" for e in entries)
        return re.compile(
            "[" + term_class + "\n \t" + g_open + "](?:(?<=[" + term_class + "\n])|(?<=[ \t])[ \t]*(?:\n|(?="
            + any_heading.pattern + "))" + g_branch + ")"
        )

    stop = make_stop([e for e in glued_all if not e.get("types")])
    typed_stops = {t: make_stop([e for e in glued_all if not e.get("types") or t in e["types"]])
                   for e in glued_all for t in e.get("types") or ()}
    gw = r.get("heading_glued_words")
    glued_words = (re.compile("[ \t]*(?:" + "|".join(map(re.escape, gw["words"])) + ")(?=" + gw["next"] + ")")
                   if gw else None)
    heading_first = first_chars(heading_combined)
    reset_first = first_chars(re.compile(r["path_reset"])) if r.get("path_reset") else FirstChars(frozenset(), False)
    article_first = first_chars(re.compile(r["article"])) if r.get("article") else FirstChars(frozenset(), False)
    ph = r["plain_heading"]
    resp = r["responsibility"]
    # soft boundaries: a pattern (the clause ends where its match ends) or {before: pattern} (the
    # clause ends where its match starts, so that a pattern can start with a rare character)
    soft_all = r.get("soft_boundaries") or []
    soft = [p for p in soft_all if isinstance(p, str)]
    before = [re.compile(p["before"]) for p in soft_all if not isinstance(p, str)]
    return _Rules(
        term_regex=re.compile("[" + re.escape(r["terminators"]) + "]"),
        heading_terminators=r["heading_terminators"],
        openers=openers,
        closers=closers,
        pair_chars=pair_chars,
        symmetric_pairs=any(o == c for o, c in r["protected_pairs"]),
        evidence_is_terms=set(evidence) == set(r["terminators"]),
        source_classes=source_classes,
        source_any=source_classes != 0,
        pair_codes=pair_codes,
        flat_matrix=flat_matrix,
        heading_combined=heading_combined,
        any_heading=any_heading,
        heading_stop=stop,
        typed_stops=typed_stops,
        glued_words=glued_words,
        glued_words_types=frozenset((gw or {}).get("types") or (h["type"] for h in r["headings"])),
        glued_first=_first_set(glued_words),
        max_heading_length=int(r["max_heading_length"]),
        heading_forbidden=re.compile("[" + re.escape(r["heading_forbidden"]) + "]") if r.get("heading_forbidden") else None,
        plain_max=int(ph["max_length"]),
        plain_forbidden=re.compile("[" + re.escape(ph["forbidden"]) + "]") if ph["forbidden"] else None,
        plain_next_min=int(ph["next_min_length"]),
        plain_not=re.compile(ph["not_matching"]),
        soft=re.compile("|".join(f"(?:{p})" for p in soft)) if soft else None,
        soft_items=tuple(re.compile(p) for p in soft),
        soft_first=tuple(first_chars(re.compile(p)).few() for p in soft),
        soft_before=tuple(before),
        scraped_min=int((r.get("scraped") or {}).get("min_chars_per_line", 0)),
        scraped_after=tuple(map(re.compile, (
            x for x in (r.get("scraped") or {}).get("soft_boundaries", []) if isinstance(x, str)))),
        scraped_before=tuple(map(re.compile, (
            x["before"] for x in (r.get("scraped") or {}).get("soft_boundaries", []) if not isinstance(x, str)))),
        path_reset=re.compile(r["path_reset"]) if r.get("path_reset") else None,
        article=re.compile(r["article"]) if r.get("article") else None,
        article_keeps=frozenset(r.get("article_keeps", ())),
        resp_detect=re.compile(resp["detect"]),
        resp_lead=tuple(resp["lead_keys"]),
        resp_resp=tuple(resp["responsible_keys"]),
        resp_suffixes=tuple(sorted(resp["suffixes"], key=len, reverse=True)),
        resp_continuation=re.compile(resp["continuation"]),
        unit_lead_suffixes=tuple(resp.get("unit_lead_suffixes", ())),
        unit_strip_suffixes=tuple(resp.get("unit_strip_suffixes", ())),
        unit_suffix_any=_any_of(tuple(resp.get("unit_lead_suffixes", ())) + tuple(resp.get("unit_strip_suffixes", ()))),
        join_line_end=r["pdf_join"]["line_end_chars"],
        title_continuation=re.compile(r["pdf_join"]["title_continuation"]) if r["pdf_join"].get("title_continuation") else None,
        paragraph_break=re.compile(r["paragraph_break"]["pattern"]) if r.get("paragraph_break") else None,
        paragraph_break_ratio=(float(r["paragraph_break"].get("more_than_line_breaks_times", 0))
                               if r.get("paragraph_break") else 0.0),
        title_join=((int(r["title_join"]["first_paragraphs"]), int(r["title_join"]["max_length"]),
                     re.compile(r["title_join"]["forbidden"]), re.compile(r["title_join"]["ends"]),
                     re.compile(r["title_join"].get("needs", "")))
                    if r.get("title_join") else None),
        # the longest text `ends` can match: it is searched only in that many last characters
        title_ends_width=(min(_max_width(r["title_join"]["ends"]), 1000) if r.get("title_join") else 0),
        need_children=bool((r.get("heading_children") or {}).get("required", False)),
        sentence_heading_max=int((r.get("heading_children") or {}).get("sentence_max_length", 0)),
        sentence_body_max=int((r.get("heading_children") or {}).get("sentence_body_max_length", 0)),
        sentence_not=(re.compile((r.get("heading_children") or {})["sentence_not_matching"])
                      if (r.get("heading_children") or {}).get("sentence_not_matching") else None),
        paragraph_break_first=(first_chars(re.compile(r["paragraph_break"]["pattern"])).few()
                               if r.get("paragraph_break") else None),
        article_mode=r.get("article_mode", "auto"),
        residue=compile_residue(r["residue"]),
        heading_first=heading_first,
        reset_first=reset_first,
        article_first=article_first,
        title_first=(first_chars(re.compile(r["pdf_join"]["title_continuation"]))
                     if r["pdf_join"].get("title_continuation") else FirstChars(frozenset(), False)),
        special_first=_union(heading_first, reset_first, article_first, FirstChars(frozenset(openers), False)),
    )


# Character classes of the whole-text scan: the bits of _Rules.source_classes, which classifies each
# code point by the character normalisation maps it to, plus _CHANGE where that mapping changes it
_TERM, _EVIDENCE, _NL, _PAIR, _CHANGE = 1, 2, 4, 8, 16
_ALL = 15  # every class bit


def _any_of(words: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern that finds any of ``words`` (one C-speed search instead of one ``in`` per word)."""
    return re.compile("|".join(map(re.escape, words))) if words else None


def _first_set(pattern: re.Pattern[str] | None) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can start with, or None where that is not a small set
    (any character, or any digit)."""
    if pattern is None:
        return frozenset()
    first = first_chars(pattern)
    return None if first.chars is None or first.digits else first.chars


def _union(*tests: FirstChars) -> FirstChars:
    """A test that passes where any of ``tests`` passes."""
    if any(t.chars is None for t in tests):
        return FirstChars(None, False)
    return FirstChars(frozenset().union(*(t.chars for t in tests)), any(t.digits for t in tests))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# Paragraphs and PDF re-joining
# ------------------------------------------------------------------------------------------------

@dataclass
class _Scan:
    """Sorted positions of the characters the engine looks for, from one pass over the text."""

    terms: list[int]  # terminators
    evidence: list[int]  # paragraph evidence (pdf_join.body_evidence): ``terms`` when they are equal
    newlines: list[int]
    ev_s: list[int]  # pair events (see _pair_events): starts,
    ev_e: list[int]  # ends,
    strays: list[int]  # and the starts of those that are single pair characters


def _scan(text: str, rules: _Rules, residue: list[tuple[int, int]]) -> tuple[str, _Scan]:
    """The normalised text (:func:`clausetag.segment.text.normalize`, with the ``residue`` spans of
    ``text`` blanked) and the positions of each class of characters in it, from one pass: every
    character is classified at once (a lookup table indexed by code point, numpy speed) by what
    it becomes in normalisation's 1:1 mapping; pair events from the pair characters."""
    codes = np.array([text]).view(np.uint32)[: len(text)]
    idx = rules.source_any.take(codes).nonzero()[0]
    found = codes[idx]
    kinds = rules.source_classes.take(found)
    # how many characters hold each class value, the _CHANGE bit included: the counts say whether
    # the mapping changes anything (and, folded, how large each class group is) without more passes
    counts = np.bincount(kinds, minlength=2 * _CHANGE).tolist()
    norm = text
    if any(counts[_CHANGE:]):
        found = _translation_codes().take(found)
        changed = kinds >= _CHANGE
        # codes is this call's own array, no longer needed as it is: mapped in place, and read
        # back as a str with item() (no np.str_ in between: each copy of the text counts)
        codes[idx[changed]] = found[changed]
        norm = codes.view(f"<U{len(text)}").item(0)
        if len(norm) != len(text):  # numpy drops trailing NULs
            norm = text.translate(translation_table())
        kinds &= _ALL  # what is only changed falls in group 0, which no class takes
        counts = [x + y for x, y in zip(counts[:_CHANGE], counts[_CHANGE:])]
    if residue:
        norm = blank_spans(norm, residue)
        # what residue blanks is in no class (line breaks stay)
        starts, ends = _merged(residue)
        k = np.searchsorted(ends, idx, "right")
        inside = (k < len(ends)) & (np.take(starts, k, mode="clip") <= idx) & (found != 10)
        if inside.any():
            keep = ~inside
            idx, found, kinds = idx[keep], found[keep], kinds[keep]
            counts = np.bincount(kinds, minlength=_CHANGE).tolist()
    # group by class value (a character can be in several classes: the value holds their bits);
    # group 0 (only changed by the mapping) comes first and is left out of the lists
    order = kinds.argsort(kind="stable")
    skip = counts[0]
    pos_list = idx.take(order[skip:]).tolist()
    groups = []
    start = 0
    for value in range(1, _ALL + 1):
        count = counts[value]
        if count:
            groups.append((value, start, start + count))
            start += count

    def where(bit: int) -> list[int]:
        parts = [(a, b) for v, a, b in groups if v & bit]
        if len(parts) == 1:
            return pos_list[parts[0][0] : parts[0][1]]
        return sorted(x for a, b in parts for x in pos_list[a:b])

    terms = where(_TERM)
    pair_parts = [(a + skip, b + skip) for v, a, b in groups if v & _PAIR]
    if len(pair_parts) == 1:
        sel = order[pair_parts[0][0] : pair_parts[0][1]]
        ev_s, ev_e, strays = _pair_events(idx.take(sel), found.take(sel), rules)
    elif pair_parts:
        sel = np.concatenate([order[a:b] for a, b in pair_parts])
        sel = sel[idx.take(sel).argsort()]
        ev_s, ev_e, strays = _pair_events(idx.take(sel), found.take(sel), rules)
    else:
        ev_s, ev_e, strays = [], [], []
    evidence = terms if rules.evidence_is_terms else where(_EVIDENCE)
    return norm, _Scan(terms, evidence, where(_NL), ev_s, ev_e, strays)


def _merged(spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the union of ``spans`` (sorted by start) as disjoint sorted spans."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in spans:
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        elif a < b:
            starts.append(a)
            ends.append(b)
    return np.array(starts, np.intp), np.array(ends, np.intp)


@lru_cache(maxsize=1)
def _translation_codes() -> np.ndarray:
    """The code point that each code point becomes in normalisation's 1:1 mapping."""
    codes = np.arange(0x110000, dtype=np.uint32)
    for k, v in translation_table().items():
        codes[k] = ord(v)
    return codes


def _pair_events(pairs: np.ndarray, chars: np.ndarray, rules: _Rules) -> tuple[list[int], list[int], list[int]]:
    """Pair events from the sorted positions of the pair characters (and their code points): a
    "flat" pair (an opener whose next pair character is one of its closers) as its (start, end),
    every other pair character as (start, start + 1); and the starts of the latter ("strays").
    Without ``flat_matrix`` every pair character is an event (paragraphs then always use the
    stack)."""
    flat_matrix = rules.flat_matrix
    if flat_matrix is not None and pairs.size > 1:
        ids = rules.pair_codes.searchsorted(chars)
        flat = flat_matrix[ids[:-1], ids[1:]]  # flat[i]: pair character i opens a flat pair
        if rules.symmetric_pairs:
            return _pair_events_symmetric(pairs.tolist(), flat.tolist())
        # no closer is an opener, so flat pairs never share a character: the closer of a flat
        # pair (at i + 1) starts no event, and its opener's event ends after that closer
        opens = flat.nonzero()[0]
        if opens.size:
            closes = opens + 1
            single = np.ones(pairs.size, bool)
            single[closes] = False
            ends = pairs + 1
            ends[opens] = ends.take(closes)
            ev_s, ev_e = pairs[single].tolist(), ends[single].tolist()
            single[opens] = False
            return ev_s, ev_e, pairs[single].tolist()
    starts = pairs.tolist()
    return starts, [x + 1 for x in starts], starts


def _pair_events_symmetric(pairs: list[int], flat: list[bool]) -> tuple[list[int], list[int], list[int]]:
    """_pair_events for rules with a symmetric pair (“"…"”): the closer of a flat pair can open
    the next one, so the pairs are taken from left to right."""
    ev_s: list[int] = []
    ev_e: list[int] = []
    strays: list[int] = []
    n = len(pairs)
    i = 0
    while i < n:
        x = pairs[i]
        ev_s.append(x)
        if i + 1 < n and flat[i]:
            ev_e.append(pairs[i + 1] + 1)
            i += 2
        else:
            ev_e.append(x + 1)
            strays.append(x)
            i += 1
    return ev_s, ev_e, strays


def _soft_ends(norm: str, rules: _Rules, scraped: bool) -> list[int]:
    """Sorted clause ends from the soft boundaries: for the plain patterns, the ends of their
    matches on the whole text (the union of each pattern's matches, which equals the alternation's
    whenever no two matches overlap; else the alternation is used); for the ``before`` patterns,
    the starts of their matches (or of their group ``cut``, which may sit in a lookbehind). With
    ``scraped`` (a text that lost its line breaks), the ``scraped`` rule set's soft boundaries too."""
    ends = _soft_after(norm, rules)
    before = rules.soft_before + rules.scraped_before if scraped else rules.soft_before
    # one scan per pattern: a pattern that starts with a literal is searched at C speed, much
    # faster than an alternation of them (which tests every character against a set). No test
    # for the first character before the scan (``absent``): it measured no gain here (700.3 ->
    # 699.2 instructions per char without it; these first characters occur in nearly every text)
    extra = [m.start("cut") if "cut" in rx.groupindex else m.start()
             for rx in before for m in rx.finditer(norm)]
    if scraped:
        extra += [m.end() for rx in rules.scraped_after for m in rx.finditer(norm)]
    if extra:
        ends = sorted(set(ends).union(extra)) if ends else sorted(set(extra))
    return ends


def _soft_after(norm: str, rules: _Rules) -> list[int]:
    if rules.soft is None:
        return []
    if len(rules.soft_items) == 1:
        if absent(rules.soft_first[0], norm):
            return []
        return [m.end() for m in rules.soft_items[0].finditer(norm)]
    spans: list[tuple[int, int]] = []
    for rx, first in zip(rules.soft_items, rules.soft_first):
        if not absent(first, norm):
            spans.extend(m.span() for m in rx.finditer(norm))
    spans.sort()
    prev = -1
    for x, y in spans:
        if x < prev or x == y:
            return [m.end() for m in rules.soft.finditer(norm)]
        prev = y
    return [y for _, y in spans]


def _any_in(positions: list[int], a: int, b: int) -> bool:
    """Whether the sorted ``positions`` hold one in [a, b)."""
    k = bisect_left(positions, a)
    return k < len(positions) and positions[k] < b


def _lines(norm: str, newlines: list[int]) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line, trimmed of surrounding spaces (``newlines``: the
    positions of every line break)."""
    out: list[tuple[int, int]] = []
    add = out.append
    a = 0
    for b in newlines:
        if b > a:
            if norm[a] != " " and norm[b - 1] != " ":
                add((a, b))
            else:
                _add_trimmed(norm, a, b, add)
        a = b + 1
    b = len(norm)
    if b > a:
        _add_trimmed(norm, a, b, add)
    return out


def _add_trimmed(norm: str, a: int, b: int, add: Any) -> None:
    seg = norm[a:b]
    s = seg.lstrip(" ")
    if s:
        a += len(seg) - len(s)
        add((a, a + len(s.rstrip(" "))))


def _open_depth(norm: str, a: int, b: int, rules: _Rules, depth: int = 0) -> int:
    """Bracket depth after norm[a:b], starting from ``depth`` (closers never go below zero)."""
    openers = rules.openers
    for m in rules.pair_chars.finditer(norm, a, b):
        if norm[m.start()] in openers:
            depth += 1
        elif depth:
            depth -= 1
    return depth


def _breaks(text: str, rules: _Rules, n_newlines: int) -> list[int]:
    """Starts of the ``paragraph_break`` matches in the original ``text``: scraped text that lost
    its line breaks marks paragraph starts with runs of ideographic spaces, which normalisation
    maps to blanks, so the pattern runs on the original. Only in a text that holds more of them
    than ``more_than_line_breaks_times`` × its line breaks (one that lost its line breaks; a stray
    run in a text with line breaks is layout, not a paragraph start)."""
    pb = rules.paragraph_break
    if pb is None or absent(rules.paragraph_break_first, text):
        return []
    found = [m.start() for m in pb.finditer(text)]
    return found if len(found) > rules.paragraph_break_ratio * n_newlines else []


def _paragraphs(norm: str, rules: _Rules, scan: _Scan, breaks: list[int]) -> list[tuple[int, int]]:
    """Lines, with lines broken inside a sentence (PDF extraction) joined to the next line.

    A line joins the next one when it does not end with a ``line_end_chars`` character, the next
    line does not start with a heading marker, and the paragraph so far holds a sentence
    terminator or leaves a bracket open (the depth is only counted while no terminator was seen).
    ``breaks`` (sorted positions, see :func:`_breaks`) end lines like line breaks (and, like
    them, can be re-joined).
    """
    lines = _lines(norm, sorted(scan.newlines + breaks) if breaks else scan.newlines)
    n = len(lines)
    paras: list[tuple[int, int]] = []
    evidence_pos = scan.evidence
    n_ev = len(evidence_pos)
    ev_s = scan.ev_s
    n_evs = len(ev_s)
    heading = rules.any_heading.match
    h_set, h_dig = rules.heading_first.chars, rules.heading_first.digits
    join_end = rules.join_line_end
    title = rules.title_continuation
    t_set, t_dig = rules.title_first.chars, rules.title_first.digits
    i = 0
    ek = 0  # first evidence position at or after the current line (lines only move forward)
    while i < n:
        a, b = lines[i]
        seen_terminator = None  # not looked up yet (most lines end with a line-end character)
        depth = -1  # not counted yet
        while i + 1 < n:
            if norm[b - 1] in join_end:
                break
            na, nb = lines[i + 1]
            c = norm[na]
            if (h_set is None or c in h_set or (h_dig and c.isdecimal())) and heading(norm, na):
                break
            if seen_terminator is None:
                ek = bisect_left(evidence_pos, a, ek)
                seen_terminator = ek < n_ev and evidence_pos[ek] < b
            if not seen_terminator:
                if depth < 0:  # no line joined yet: the paragraph is the line a..b
                    # every opener starts a pair event: a line where none starts opens nothing
                    k = bisect_left(ev_s, a)
                    depth = _open_depth(norm, a, b, rules) if k < n_evs and ev_s[k] < b else 0
                if depth == 0:
                    break
                depth = _open_depth(norm, na, nb, rules, depth)
                ek = bisect_left(evidence_pos, na, ek)
                seen_terminator = ek < n_ev and evidence_pos[ek] < nb
            # join: the paragraph now runs to the end of the next line
            b = nb
            i += 1
        if (
            paras
            and title is not None
            and (t_set is None or norm[a] in t_set or (t_dig and norm[a].isdecimal()))
            and title.match(norm[a:b])
            and not _any_in(evidence_pos, paras[-1][0], paras[-1][1])
        ):
            paras[-1] = (paras[-1][0], b)  # "武汉市…三年行动计划" + "(2024—2026年)"
        else:
            paras.append((a, b))
        i += 1
    if rules.title_join is not None and len(paras) > 1:
        _join_title(norm, paras, rules)
    return paras


def _join_title(norm: str, paras: list[tuple[int, int]], rules: _Rules) -> None:
    """A title broken over two or three lines is one paragraph (SPEC §1): among the first
    paragraphs, the first run of short lines without sentence punctuation whose joined text (but
    not its first line alone) ends like a title ("国务院办公厅关于县域" + "创新驱动发展的若干意见")."""
    first, max_length, forbidden, ends_rx, needs = rules.title_join  # type: ignore[misc]
    width = rules.title_ends_width

    def ends(s: str) -> bool:
        return ends_rx.search(s, max(0, len(s) - width)) is not None

    heading = rules.any_heading.match
    for i in range(min(first, len(paras) - 1)):
        a, b = paras[i]
        if b - a > max_length or forbidden.search(norm, a, b) or heading(norm, a) or ends(_squash_ws(norm[a:b])):
            continue
        for j in range(i + 1, min(i + 3, len(paras))):
            ja, jb = paras[j]
            if jb - a > max_length or forbidden.search(norm, ja, jb) or heading(norm, ja):
                break
            joined = _squash_ws(norm[a:jb])
            if ends(joined) and needs.search(joined):
                paras[i : j + 1] = [(a, jb)]
                return
        return  # only the first candidate line


def _max_width(pattern: str) -> int:
    """The most characters ``pattern`` can match (MAXREPEAT for unbounded)."""
    return max_width(pattern)


def _squash_ws(s: str) -> str:
    return "".join(s.split())


# ------------------------------------------------------------------------------------------------
# Inside a paragraph
# ------------------------------------------------------------------------------------------------

def _match_pairs(norm: str, positions: list[int], rules: _Rules,
                 flat: list[tuple[int, int]] | None = None) -> tuple[list[int], list[int]]:
    """Outermost matched pairs among the pair characters at ``positions`` (sorted, one paragraph)
    as parallel sorted lists of starts and ends (exclusive). ``flat`` pairs (opener, no pair
    character, its closer; rules without symmetric pairs only) are matched already: the stack
    would open and close each at once, so they only join the result.

    Pairs are matched with a stack; a closer that does not match the innermost open pair is
    matched to the nearest open pair of its kind if there is one, otherwise ignored. The nearest
    open pair of each kind is kept in a per-kind index, so stray brackets cost O(1), not a scan
    of the stack (a multi-megabyte line full of unmatched openers stays linear).
    """
    openers = rules.openers
    closers = rules.closers
    stack_ch: list[str] = []
    stack_pos: list[int] = []
    by_kind: dict[str, list[int]] = {}  # opener -> its indices in the stack, innermost last
    pairs: list[tuple[int, int]] = list(flat) if flat else []
    for pos in positions:
        ch = norm[pos]
        if ch in openers and not (ch in closers and stack_ch and stack_ch[-1] == ch):
            lst = by_kind.get(ch)
            if lst is None:
                by_kind[ch] = lst = []
            lst.append(len(stack_ch))
            stack_ch.append(ch)
            stack_pos.append(pos)
            continue
        lst = by_kind.get(closers[ch])
        if lst:
            k = lst[-1]
            for above in stack_ch[k:]:
                by_kind[above].pop()
            pairs.append((stack_pos[k], pos + 1))
            del stack_ch[k:]
            del stack_pos[k:]
    if not pairs:
        return [], []
    pairs.sort()
    starts: list[int] = []
    ends: list[int] = []
    last_end = -1
    for s, e in pairs:
        if s < last_end:
            continue  # nested inside the previous outermost pair
        starts.append(s)
        ends.append(e)
        last_end = e
    return starts, ends


def _inside(pos: int, starts: Sequence[int], ends: Sequence[int]) -> bool:
    k = bisect_right(starts, pos) - 1
    return k >= 0 and pos < ends[k] - 1 and pos > starts[k]


def _paragraph_pairs(norm: str, scan: _Scan, ei: int, ej: int, pa: int, pe: int,
                     r: _Rules) -> tuple[Sequence[int], Sequence[int]]:
    """The outermost protected pairs of the paragraph norm[pa:pe] (sorted starts and ends) from its
    pair events ``ei:ej`` (and a flat pair from the paragraph before that ends in it)."""
    ev_s, ev_e, strays = scan.ev_s, scan.ev_e, scan.strays
    crossing = ei > 0 and ev_e[ei - 1] > pa  # a flat pair from the paragraph before ends here
    k = bisect_left(strays, pa)
    if not crossing and ev_e[ej - 1] <= pe and (k == len(strays) or strays[k] >= pe):
        # every pair character is in a flat pair: those are the outermost pairs
        return ev_s[ei:ej], ev_e[ei:ej]
    # stray characters go through the stack; flat pairs inside the paragraph are pairs already
    # (unless a pair is symmetric, like "…")
    positions = []
    flats: list[tuple[int, int]] = []
    if crossing and ev_e[ei - 1] - 1 < pe:
        positions.append(ev_e[ei - 1] - 1)
    symmetric = r.symmetric_pairs
    for x, y in zip(ev_s[ei:ej], ev_e[ei:ej]):
        if y - x == 1 or y > pe:
            positions.append(x)
        elif symmetric:
            positions.append(x)
            positions.append(y - 1)
        else:
            flats.append((x, y))
    return _match_pairs(norm, positions, r, flats)


def _outside_pairs(terms: list[int], starts: Sequence[int], ends: Sequence[int]) -> list[int]:
    """The terminators (sorted positions) that are not inside a protected pair: those do not end a
    clause (pairs are disjoint and sorted: one merge pass)."""
    tl = []
    j = 0
    n_pairs = len(starts)
    for t in terms:
        while j < n_pairs and ends[j] - 1 <= t:
            j += 1
        if j == n_pairs or t <= starts[j]:
            tl.append(t)
    return tl


def _keep_families(stack: list[str], path: tuple[str, ...], keeps: frozenset[str]) -> tuple[str, ...]:
    """At the first article (第X条): keep only the ``keeps`` families in ``stack`` (in place); the
    path that remains."""
    kept = [k for k, t in enumerate(stack) if t in keeps]
    stack[:] = [stack[k] for k in kept]
    return tuple(path[k] for k in kept)



_UNIT_EVENTS = re.compile("[（〈《【〔）〉》】〕，、]")
_UNIT_BRACKETS = re.compile("[（〈《【〔）〉》】〕]")
_UNIT_SEPARATORS = re.compile("[，、]")


def _split_units(segment: str, offset: int, original: str) -> list[str]:
    """Split an agency list on ，、, (not inside brackets); return the original substrings."""
    if _UNIT_BRACKETS.search(segment) is None:  # the common case: every separator splits
        if "\n" not in segment:
            # one line: the units are the original's pieces between the separators, stripped;
            # where the original has "," for "，" the pieces are the same
            src = original[offset : offset + len(segment)]
            if src != segment and "," in src:
                src = src.replace(",", "，")
            if src == segment:
                if "、" in src:
                    src = src.replace("、", "，")
                return [u for p in src.split("，") if (u := p.strip().strip(" ："))]
        out = []
        s = offset
        for piece in _UNIT_SEPARATORS.split(segment):
            e = s + len(piece)
            u = original[s:e]
            if "\n" in u:
                u = _LINE_BREAK_WS.sub("", u)
            u = u.strip().strip(" ：")
            if u:
                out.append(u)
            s = e + 1
        return out
    units = []
    depth = 0
    last = 0
    for m in _UNIT_EVENTS.finditer(segment):
        ch = m.group()
        if ch in "（〈《【〔":
            depth += 1
        elif ch in "）〉》】〕":
            if depth:
                depth -= 1
        elif depth == 0:
            i = m.start()
            units.append((last, i))
            last = i + 1
    units.append((last, len(segment)))
    out = []
    for s, e in units:
        u = clause_text(original, offset + s, offset + e).strip(" ：")
        if u:
            out.append(u)
    return out


def parse_responsibility(norm: str, original: str, a: int, b: int, rules: _Rules) -> tuple[list[str], list[str]]:
    """Parse a parenthetical norm[a:b] (brackets included) into lead and responsible units.

    Parts separated by ``；`` are read one by one: ``<key>：<units>`` (a lead or responsible key)
    or ``<units><suffix>`` ("…按职责分工负责"). In a part with ``，``-separated groups, a group that
    ends with a lead suffix holds lead units ("省教育厅、省科协牵头，省委宣传部等部门配合").
    """
    lead: list[str] = []
    resp: list[str] = []
    inner_a, inner_b = a + 1, b - 1 if norm[b - 1] == "）" else b
    lead_keys, resp_keys, suffixes = rules.resp_lead, rules.resp_resp, rules.resp_suffixes
    lead_sfx = rules.unit_lead_suffixes
    next_a = inner_a
    for seg in norm[inner_a:inner_b].split("；"):  # parts separated by ；
        pa = next_a
        next_a += len(seg) + 1
        stripped = seg.strip().rstrip("）")
        if stripped.startswith(lead_keys) or stripped.startswith(resp_keys):
            target = lead if stripped.startswith(lead_keys) else resp
            colon = seg.find("：")
            if colon < 0:
                continue
            ua = pa + colon + 1
            ub = pa + len(seg.rstrip().rstrip("）"))
            by_suffix = False
        elif stripped.endswith(suffixes) or (lead_sfx and stripped.endswith(lead_sfx)):
            target = resp
            ua = pa + (len(seg) - len(seg.lstrip()))
            ub = pa + len(seg.rstrip().rstrip("）"))
            by_suffix = True
        else:
            continue
        if "，" in seg and lead_sfx and any(map(norm[ua:ub].__contains__, lead_sfx)):
            # groups: "A、B牵头，C、D配合"
            ga = ua
            for group in norm[ua:ub].split("，"):
                _add_units(norm, original, ga, ga + len(group), target, lead, resp, rules)
                ga += len(group) + 1
            continue
        if by_suffix:
            for suffix in suffixes:
                if stripped.endswith(suffix):
                    ub -= len(suffix)
                    break
            else:
                for suffix in lead_sfx:
                    if stripped.endswith(suffix):
                        ub -= len(suffix)
                        target = lead
                        break
        _route_units(_split_units(norm[ua:ub], ua, original), target, lead, rules)
    return lead, resp


def _route_units(units: list[str], target: list[str], lead: list[str], rules: _Rules) -> None:
    """Append agency units to ``target``; a unit that ends with a lead suffix ("牵头") goes to ``lead``,
    and lead and strip suffixes are cut off."""
    lead_sfx, strip_sfx = rules.unit_lead_suffixes, rules.unit_strip_suffixes
    joined = "\n".join(units)
    if rules.unit_suffix_any is None or rules.unit_suffix_any.search(joined) is None:  # no unit ends with a suffix
        target.extend(units)
        return
    for unit in units:
        dest = target
        if lead_sfx and unit.endswith(lead_sfx):
            for suf in lead_sfx:
                if unit.endswith(suf) and len(unit) > len(suf):
                    unit, dest = unit[: -len(suf)], lead
        if strip_sfx and unit.endswith(strip_sfx):
            for suf in strip_sfx:
                if unit.endswith(suf) and len(unit) > len(suf):
                    unit = unit[: -len(suf)]
        dest.append(unit)


def _add_units(norm: str, original: str, ua: int, ub: int, target: list[str], lead: list[str],
               resp: list[str], rules: _Rules) -> None:
    """Add the units of the agency list norm[ua:ub] to ``target``; a list that ends with a
    responsibility suffix ("负责") goes to ``resp`` and one that ends with a lead suffix ("牵头")
    to ``lead``, without the suffix; a unit that ends with a lead suffix is a lead unit."""
    seg = norm[ua:ub].rstrip()
    ub = ua + len(seg)
    lead_sfx = rules.unit_lead_suffixes
    if seg.endswith(rules.resp_suffixes):
        for suffix in rules.resp_suffixes:
            if seg.endswith(suffix) and len(seg) > len(suffix):
                ub -= len(suffix)
                target = resp
                break
    elif lead_sfx and seg.endswith(lead_sfx):
        for suffix in lead_sfx:
            if seg.endswith(suffix) and len(seg) > len(suffix):
                ub -= len(suffix)
                target = lead
                break
    _route_units(_split_units(norm[ua:ub], ua, original), target, lead, rules)


def _body_sibling_before(clauses: list[Clause], i: int, family: str, norm: str, heading_match: Any,
                         may_start: Any, window: int = 200, ends: str = "") -> bool:
    """Whether the nearest earlier item of ``family`` (the heading clause ``i``'s marker family,
    within ``window`` clauses) is a body clause (and, with ``ends``, ends in one of those
    characters): ``i`` is then the last of a list of whole-sentence items. (The nearest such item,
    not one at the same path depth: an item list inside an unmarked section gets a longer path than
    the item that ends it, which pops back to its family's level.)"""
    for j in range(i - 1, max(-1, i - 1 - window), -1):
        c = clauses[j]
        if may_start(norm[c.start]):
            m = heading_match(norm, c.start)
            if m is not None and m.lastgroup == family:
                return not c.is_heading and (not ends or norm[c.end - 1] in ends)
    return False


def _demote_childless(clauses: list[Clause], heads: list[tuple[int, str, str, bool]], norm: str,
                      heading_match: Any, first: FirstChars) -> None:
    """SPEC §1, "a heading has children": a heading clause that is not followed by a clause under
    it is a body clause (a numbered item that is the whole measure, followed by a sibling item, a
    shallower heading, closing apparatus or the document's end; its own responsibility note is
    attached to it).

    ``heads`` holds each heading's index, its marker family, its heading-path entry (the very
    string object; the families of the stack down to a heading are those of its path entries and its
    own) and whether it is a sentence
    candidate (a marked item alone on its line that ends in a terminator, longer than
    ``sentence_body_max_length``: shorter ones are treated as title-like headings). The next clause is under the heading when it is

    * a heading whose path is longer than the heading's own (a deeper heading);
    * a body clause that starts with a marker of another family than those of the stack (a deeper
      item that is no heading), and is in the heading's section (longer path);
    * for headings that are not sentence candidates, also any unmarked body clause (an article,
      第X条, closes list headings but is their body; so is a closing formula after a path reset,
      "四、其他规定" + "本规定自…起施行。").

    A sentence candidate thus needs deeper items ("（三）教学组织与管理。" + "1.教学组织。…"), or, followed
    by a plain paragraph in its section, no earlier sibling that is a body clause: after a list of
    whole-sentence items, the plain paragraph is the text after the list ("（二）仲裁请求…；" "（三）证据
    和证据来源、证人姓名和住所。" + "书写仲裁申请确有困难的…"), while "（一）指导思想。" + its body, and
    "（二）基本原则。" + its body after it, are headings. An inline heading that ends in a terminator
    and whose nearest earlier item of its family is a body clause ending in ；is the last item of such
    a list, the text after it on its line the text after the list (scraped text: "（四）…情况；（五）…
    情况。审计机关对…"): a body clause. Heading paths are then recomputed: the clauses that follow
    a demoted heading with it in their path (body clauses of a sibling item that is no heading)
    lose that entry."""
    n = len(clauses)
    may_start = first.may_start
    chars, digits = first.chars, first.digits
    family_of: dict[int, str] | None = None  # built when first needed
    for i, family, entry, sentence in heads:
        c = clauses[i]
        if (not sentence and i and norm[clauses[i - 1].end - 1] == "；" and norm[c.end - 1] in "。！？"
                and _body_sibling_before(clauses, i, family, norm, heading_match, may_start, 50, "；")):
            pass  # the last item of a list of clauses ending in ；, its text after it on the same line
            # (scraped text: "（四）…情况；（五）…情况。审计机关对…"): a body clause
        elif i + 1 < n:
            nxt = clauses[i + 1]
            if nxt.is_heading:
                if len(nxt.heading_path) > len(c.heading_path):
                    continue
            else:
                ch = norm[nxt.start]
                marked = chars is None or ch in chars or (digits and ch.isdecimal())  # may start a marker
                if not sentence and not marked:
                    continue  # the common case: body text under the heading
                deeper = len(nxt.heading_path) > len(c.heading_path)
                m = heading_match(norm, nxt.start) if marked else None
                if m is not None:
                    if family_of is None:
                        family_of = {id(e): f for _, f, e, _ in heads}
                    if deeper and m.lastgroup != family and all(
                            family_of.get(id(p)) != m.lastgroup for p in c.heading_path):
                        continue
                elif not sentence or (
                        deeper and not _body_sibling_before(clauses, i, family, norm, heading_match, may_start)):
                    continue
        c.is_heading = False
        k = len(c.heading_path)
        j = i + 1
        while j < n and len(clauses[j].heading_path) > k and clauses[j].heading_path[k] is entry:
            p = clauses[j].heading_path
            clauses[j].heading_path = p[:k] + p[k + 1:]
            j += 1


class Splitter:
    """The rule engine with its rule set.

    ``rules`` is a packaged rule-set name (``"default"``, ``"regulation"``; see
    :func:`clausetag.segment.rulesets.available_rule_sets`), a path to a YAML file or folder, a mapping or a
    :class:`~clausetag.segment.rulesets.RuleSet` (see :mod:`clausetag.segment.rulesets`). Each instance keeps its
    own rules; nothing is shared between instances except compiled patterns of identical rule
    sets. Stateless between calls, so one instance is safe to share across threads, and cheap to
    rebuild in worker processes (SPEC §7).
    """

    def __init__(self, rules: RulesSpec = None) -> None:
        self.rule_set: RuleSet = load_rule_set(rules)
        self.rules = _compile(self.rule_set)

    @property
    def rules_name(self) -> str:
        """Name of the rule set (packaged name, file stem, folder name, ``name`` key or ``"custom"``)."""
        return self.rule_set.name

    @property
    def rules_hash(self) -> str:
        """Stable hash of the rule content (16 hex digits): equal rules, equal hash."""
        return self.rule_set.hash

    def __repr__(self) -> str:
        return f"Splitter(rules={self.rules_name!r}, hash={self.rules_hash})"

    def heading_family(self, text: str) -> str | None:
        """The marker family (a ``headings`` type of the rule set, e.g. ``"cn_paren"``) that
        ``text`` starts with, or None (an unmarked heading such as "强化组织领导"). Tools that build
        heading paths for gold headings use it to nest them as the splitter does."""
        norm = text.strip().translate(translation_table())
        m = self.rules.heading_combined.match(norm)
        return m.lastgroup if m is not None else None

    def resets_path(self, text: str) -> bool:
        """Whether a body clause starting like ``text`` closes every section (``path_reset``:
        closing apparatus such as 抄送, 附件, 特此通知)."""
        r = self.rules
        return r.path_reset is not None and r.path_reset.match(text.strip().translate(translation_table())[:8]) is not None

    # -- headings -------------------------------------------------------------------------------
    def _heading_end(self, norm: str, pos: int, pe: int, marker_end: int,
                     starts: Sequence[int], ends: Sequence[int], htype: str = "") -> int | None:
        """End of the heading of family ``htype`` whose marker spans norm[pos:marker_end], or None
        if it is no heading.

        Never looks further than ``max_heading_length`` past ``pos`` for the heading's end, so an
        inline heading costs O(its length), not O(rest of the paragraph).
        """
        r = self.rules
        if (r.glued_words is not None and htype in r.glued_words_types and marker_end < pe
                and (r.glued_first is None or norm[marker_end] in r.glued_first)):
            # a section name glued to its body ("一、总体要求按照…", "（二）基本原则坚持…")
            g = r.glued_words.match(norm, marker_end, pe)
            if g is not None:
                return g.end()
        limit = pos + r.max_heading_length
        terminators = r.heading_terminators
        end = pe
        # never matches empty: the next stop is searched from s.end()
        search = (r.typed_stops.get(htype) or r.heading_stop).search if r.typed_stops else r.heading_stop.search
        s = search(norm, marker_end, pe)
        while s is not None:
            ss = s.start()
            if ss > limit:
                return None  # the heading would be longer than max_heading_length
            if starts and _inside(ss, starts, ends):
                s = search(norm, s.end(), pe)
                continue
            end = s.end() if norm[ss] in terminators else ss
            break
        if end > limit:
            return None
        if (norm[end - 1] in terminators and (end == pe or norm[end].isspace())
                and (not r.need_children or end - pos > r.sentence_heading_max
                     or (r.sentence_not is not None and r.sentence_not.search(norm, pos, end)))
                and _NON_SPACE.search(norm, end, pe) is None):
            # a numbered sentence on its own line, not an inline heading (with headings_need_children
            # it is a heading candidate: _demote_childless keeps it only if it has children)
            return None
        if r.heading_forbidden is not None and r.heading_forbidden.search(norm, pos, end):
            return None
        if end <= marker_end:  # bare marker
            return None
        return end

    def _is_plain_heading(self, norm: str, para: tuple[int, int], nxt: tuple[int, int] | None, have_stack: bool) -> bool:
        r = self.rules
        a, b = para
        if not have_stack or nxt is None or b - a > r.plain_max:
            return False
        # the cheap character-class test first (it rejects most short sentences)
        if r.plain_forbidden is not None and r.plain_forbidden.search(norm, a, b):
            return False
        s = norm[a:b]
        if (r.heading_first.may_start(s[0]) and r.any_heading.match(s)) or r.plain_not.search(s):
            return False
        if s[0] in r.openers and r.resp_detect.search(s):
            return False  # a responsibility note on its own line ("（XX部、YY部负责）")
        na, nb = nxt
        return bool(r.any_heading.match(norm, na)) or (nb - na >= r.plain_next_min)

    # -- the pipeline -----------------------------------------------------------------------------
    def split(self, text: str, doc_id: str | None = None) -> list[Clause]:
        """Split ``text`` into clauses (see :func:`split`).

        The steps: normalise and scan the text once (:meth:`_normalise`), cut it into paragraphs
        (:meth:`_paragraphs`) and soft boundaries (:func:`_soft_ends`), walk the paragraphs into
        clauses (:meth:`_clauses`), then demote the headings that have no children
        (:func:`_demote_childless`).
        """
        if not isinstance(text, str):
            raise TypeError(f"split() expects str, got {type(text).__name__}; decode bytes with clausetag.read_text")
        if not text or text.isspace():
            return []
        r = self.rules
        norm, scan, scraped = self._normalise(text)
        paras = self._paragraphs(text, norm, scan, scraped)
        softs = _soft_ends(norm, r, scraped)
        out, heads = self._clauses(text, norm, scan, paras, softs, doc_id)
        if heads and r.need_children:
            _demote_childless(out, heads, norm, r.heading_combined.match, r.heading_first)
        return out

    def _normalise(self, text: str) -> tuple[str, _Scan, bool]:
        """The normalised text, its one whole-text scan and whether it is scraped text."""
        r = self.rules
        # normalised text (clausetag.segment.text.normalize) and one whole-text pass (C speed); each
        # paragraph then takes its share by bisection
        norm, scan = _scan(text, r, residue_spans(text, r.residue))
        # scraped: a text that lost its line breaks (one line, or long lines on average); only there
        # do ideographic-space runs mark paragraphs and the scraped soft boundaries apply
        n_nl = len(scan.newlines)
        return norm, scan, r.scraped_min > 0 and (n_nl == 0 or r.scraped_min * (n_nl + 1) <= len(text))

    def _paragraphs(self, text: str, norm: str, scan: _Scan, scraped: bool) -> list[tuple[int, int]]:
        """The paragraphs (lines re-joined, ideographic-space breaks in scraped text)."""
        r = self.rules
        return _paragraphs(norm, r, scan, _breaks(text, r, len(scan.newlines)) if scraped else [])

    def _clauses(self, text: str, norm: str, scan: _Scan, paras: list[tuple[int, int]], softs: list[int],
                 doc_id: str | None) -> tuple[list[Clause], list[tuple[int, str, str, bool]]]:
        """The clauses of the paragraphs, with heading paths, and the headings among them (each:
        index, marker family, path entry, whether a sentence alone on its line)."""
        r = self.rules
        terms_all = scan.terms
        n_softs = len(softs)
        ev_s = scan.ev_s
        # The heading stack: marker types (outermost first) and, in ``path``, their heading texts:
        # the path of a body clause.
        stack: list[str] = []
        path: tuple[str, ...] = ()
        # article_mode "auto": set at the first 第X条, "always": from the start; once set, list
        # markers other than the article_keeps families are no longer headings
        in_articles = r.article_mode == "always"
        article = r.article.match if r.article is not None and r.article_mode != "never" else None
        keeps = r.article_keeps
        path_reset = r.path_reset.match if r.path_reset is not None else None
        # first-character tests: a regex is only tried where it can match; a clause whose first
        # character can start none of them (nor a parenthetical) is a plain body clause
        s_set, s_dig = r.special_first.chars, r.special_first.digits
        h_set, h_dig = r.heading_first.chars, r.heading_first.digits
        z_set, z_dig = r.reset_first.chars, r.reset_first.digits
        a_set, a_dig = r.article_first.chars, r.article_first.digits
        heading_match = r.heading_combined.match
        heading_end = self._heading_end
        resp_detect = r.resp_detect.search
        openers = r.openers
        plain_max = r.plain_max
        blank_terms = r.term_regex.search(" \n") is not None
        out: list[Clause] = []
        add = out.append
        heads: list[tuple[int, str, str, bool]] = []
        heading_terms = r.heading_terminators
        sentence_body_max = r.sentence_body_max
        need_children = r.need_children
        new_clause = object.__new__
        clause: Clause
        sub = _LINE_BREAK_WS.sub
        n_paras = len(paras)

        ti = 0  # first terminator at or after the paragraph start (never moves back)
        ei = 0  # first pair event at or after the paragraph start
        si = 0  # index into softs
        for pi in range(n_paras):
            pa, pe = paras[pi]
            ti = bisect_left(terms_all, pa, ti)
            tn = bisect_left(terms_all, pe, ti)
            ei = bisect_left(ev_s, pa, ei)
            if (stack and pe - pa <= plain_max
                    and self._is_plain_heading(norm, (pa, pe), paras[pi + 1] if pi + 1 < n_paras else None, True)):
                b = pe
                while b > pa and norm[b - 1] in " \n":
                    b -= 1
                k = stack.index("plain") if "plain" in stack else len(stack)
                htext = clause_text(text, pa, pe)
                heads.append((len(out), "plain", htext, False))
                add(Clause(doc_id, len(out), htext if b == pe else clause_text(text, pa, b), pa, b, path[:k], True, (), ()))
                del stack[k:]
                stack.append("plain")
                path = path[:k] + (htext,)
                continue
            # protected pairs of this paragraph, and its terminators outside them
            starts: Sequence[int] = ()
            ends: Sequence[int] = ()
            ej = bisect_left(ev_s, pe, ei)
            if ej > ei or (ei > 0 and scan.ev_e[ei - 1] > pa):
                starts, ends = _paragraph_pairs(norm, scan, ei, ej, pa, pe, r)
            if starts and tn > ti and terms_all[ti] < ends[-1] and terms_all[tn - 1] > starts[0]:
                tl = _outside_pairs(terms_all[ti:tn], starts, ends)
                tk, tn_ = 0, len(tl)
            else:
                tl, tk, tn_ = terms_all, ti, tn
            pos = pa
            while pos < pe:
                c = norm[pos]
                if c == " " or c == "\n":
                    pos += 1
                    while pos < pe and norm[pos] in " \n":
                        pos += 1
                    if pos >= pe:
                        break
                    c = norm[pos]
                if s_set is None or c in s_set or (s_dig and c.isdecimal()):
                    # a responsibility parenthetical (right after a body clause, on the same line
                    # or the next) belongs to that clause
                    if c in openers and starts and out and (need_children or not out[-1].is_heading):
                        k = bisect_left(starts, pos)
                        if k < len(starts) and starts[k] == pos and resp_detect(norm[pos:ends[k]]):
                            pend = self._extend_parenthetical(norm, ends[k], pe)
                            self._attach(out[-1], norm, text, pos, pend)
                            pos = pend
                            continue
                    if h_set is None or c in h_set or (h_dig and c.isdecimal()):
                        m = heading_match(norm, pos, pe)
                        htype = m.lastgroup if m is not None else None
                        if htype is not None and (not in_articles or htype in keeps):
                            hend = heading_end(norm, pos, pe, m.end(), starts, ends, htype)  # type: ignore[union-attr]
                            if hend is not None:
                                k = stack.index(htype) if htype in stack else len(stack)
                                b = hend
                                while b > pos and norm[b - 1] in " \n":
                                    b -= 1
                                htext = text[pos:hend]  # clause_text(text, pos, hend), without the call
                                if "\n" in htext:
                                    htext = sub("", htext)
                                htext = htext.strip()
                                if b > pos:
                                    heads.append((len(out), htype, htext,
                                                  norm[hend - 1] in heading_terms and b - pos > sentence_body_max
                                                  and _NON_SPACE.search(norm, hend, pe) is None))
                                    clause = new_clause(Clause)  # as for body clauses below
                                    clause.doc_id = doc_id
                                    clause.index = len(out)
                                    clause.text = htext if b == hend else clause_text(text, pos, b)
                                    clause.start = pos
                                    clause.end = b
                                    clause.heading_path = path[:k]
                                    clause.is_heading = True
                                    clause.lead_units = clause.responsible_units = ()
                                    add(clause)
                                del stack[k:]
                                stack.append(htype)
                                path = path[:k] + (htext,)
                                pos = hend
                                continue
                    # body clause
                    if (path_reset is not None and (z_set is None or c in z_set or (z_dig and c.isdecimal()))
                            and path_reset(norm[pos : pos + 8])):
                        stack.clear()
                        path = ()
                    elif (article is not None and (a_set is None or c in a_set or (a_dig and c.isdecimal()))
                            and article(norm, pos, pe)):
                        in_articles = True
                        if stack:
                            path = _keep_families(stack, path, keeps)
                while tk < tn_ and tl[tk] < pos:
                    tk += 1
                if tk < tn_:
                    end = tl[tk] + 1
                    trim = blank_terms  # else the clause ends on its terminator: nothing to trim
                else:
                    end = pe
                    trim = True
                if n_softs:
                    while si < n_softs and softs[si] <= pos:
                        si += 1
                    # the first soft boundary before the clause end that is not inside a protected pair
                    sj = si
                    while sj < n_softs and softs[sj] < end:
                        if not starts or not _inside(softs[sj] - 1, starts, ends):
                            end = softs[sj]
                            trim = True
                            break
                        sj += 1
                b = end
                if trim:
                    while b > pos and norm[b - 1] in " \n":
                        b -= 1
                if b > pos:
                    s = text[pos:b]
                    if "\n" in s:
                        s = sub("", s)
                    # Clause(doc_id, len(out), s.strip(), pos, b, path, False, (), ()) without the
                    # type call and the __init__ frame (a third of the cost of a clause)
                    clause = new_clause(Clause)
                    clause.doc_id = doc_id
                    clause.index = len(out)
                    clause.text = s.strip()
                    clause.start = pos
                    clause.end = b
                    clause.heading_path = path
                    clause.is_heading = False
                    clause.lead_units = clause.responsible_units = ()
                    add(clause)
                pos = end
        return out, heads

    def _extend_parenthetical(self, norm: str, end: int, pe: int) -> int:
        m = self.rules.resp_continuation.match(norm, end, pe)
        return m.end() if m else end

    def _attach(self, clause: Clause, norm: str, text: str, a: int, b: int) -> None:
        """Attach the responsibility parenthetical norm[a:b] to ``clause`` (it now ends at ``b``)."""
        lead, resp = parse_responsibility(norm, text, a, b, self.rules)
        clause.end = b
        clause.text = clause_text(text, clause.start, b)
        if lead:
            clause.lead_units += tuple(lead)
        if resp:
            clause.responsible_units += tuple(resp)


@lru_cache(maxsize=8)
def _packaged_splitter(name: str) -> Splitter:
    return Splitter(name)


def split(text: str, doc_id: str | None = None, rules: RulesSpec = None) -> list[Clause]:
    """Split an official document into clauses (SPEC §1) with the rule set ``rules`` (see
    :class:`Splitter`; default: the packaged ``"default"`` set).

    Offsets are into ``text`` as given; ``text[c.start:c.end]`` reproduces ``c.text`` modulo
    whitespace. Empty or whitespace-only text gives ``[]``. For many documents with rules given
    as a path or a mapping, build one :class:`Splitter` and call its ``split``.
    """
    if rules is None or (isinstance(rules, str) and is_rule_set_name(rules)):
        splitter = _packaged_splitter(rules or "default")
    else:
        splitter = Splitter(rules)
    return splitter.split(text, doc_id)
