"""Clause splitter for Chinese official documents (SPEC §1).

``split(text)`` returns :class:`Clause` records whose ``start``/``end`` are offsets into ``text``
itself (the original, un-normalised string), with the enclosing heading path of each clause.

The engine works on the length-preserving normalised text from :mod:`clausetag.text` and reads
all of its patterns from a rule set (:mod:`clausetag.rulesets`; by default
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
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from clausetag.rulesets import RuleSet, RuleSetError, RulesSpec, is_rule_set_name, load_rule_set
from clausetag.text import Residue, compile_residue, normalize

__all__ = ["Clause", "Splitter", "split"]


@dataclass(frozen=True)
class Clause:
    """One clause: the unit that gets one measure-type label."""

    doc_id: str | None
    index: int
    text: str
    start: int
    end: int
    heading_path: tuple[str, ...] = ()
    is_heading: bool = False
    lead_units: tuple[str, ...] = field(default=())
    responsible_units: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists)."""
        d = asdict(self)
        for key in ("heading_path", "lead_units", "responsible_units"):
            d[key] = list(d[key])
        return d


_LINE_BREAK_WS = re.compile(r"[ \t\u3000\r]*\n\s*")


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
    heading_combined: re.Pattern[str]
    any_heading: re.Pattern[str]
    heading_stop: re.Pattern[str]
    max_heading_length: int
    heading_forbidden: str
    plain_max: int
    plain_forbidden: str
    plain_next_min: int
    plain_not: re.Pattern[str]
    soft: re.Pattern[str] | None
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
    join_line_end: str
    title_continuation: re.Pattern[str] | None
    evidence_regex: re.Pattern[str]
    article_mode: str
    residue: Residue


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
    pair_chars = re.compile("[" + re.escape("".join(openers) + "".join(closers)) + "]")
    heading_combined = re.compile("|".join(f"(?P<{h['type']}>{h['pattern']})" for h in r["headings"]))
    any_heading = re.compile("|".join(f"(?:{h['pattern']})" for h in r["headings"]))
    stop = re.compile(
        "[" + re.escape(r["heading_terminators"]) + "]|[ \t]*\n|[ \t]+(?=" + any_heading.pattern + ")"
    )
    ph = r["plain_heading"]
    resp = r["responsibility"]
    soft = r.get("soft_boundaries") or []
    return _Rules(
        term_regex=re.compile("[" + re.escape(r["terminators"]) + "]"),
        heading_terminators=r["heading_terminators"],
        openers=openers,
        closers=closers,
        pair_chars=pair_chars,
        heading_combined=heading_combined,
        any_heading=any_heading,
        heading_stop=stop,
        max_heading_length=int(r["max_heading_length"]),
        heading_forbidden=r.get("heading_forbidden", ""),
        plain_max=int(ph["max_length"]),
        plain_forbidden=ph["forbidden"],
        plain_next_min=int(ph["next_min_length"]),
        plain_not=re.compile(ph["not_matching"]),
        soft=re.compile("|".join(f"(?:{p})" for p in soft)) if soft else None,
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
        join_line_end=r["pdf_join"]["line_end_chars"],
        title_continuation=re.compile(r["pdf_join"]["title_continuation"]) if r["pdf_join"].get("title_continuation") else None,
        evidence_regex=re.compile("[" + re.escape(r["pdf_join"]["body_evidence"]) + "]"),
        article_mode=r.get("article_mode", "auto"),
        residue=compile_residue(r["residue"]),
    )


# ------------------------------------------------------------------------------------------------
# Paragraphs and PDF re-joining
# ------------------------------------------------------------------------------------------------

def _lines(norm: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line, trimmed of surrounding spaces."""
    out = []
    pos = 0
    n = len(norm)
    while pos <= n:
        nl = norm.find("\n", pos)
        if nl < 0:
            nl = n
        a, b = pos, nl
        while a < b and norm[a] == " ":
            a += 1
        while b > a and norm[b - 1] == " ":
            b -= 1
        if a < b:
            out.append((a, b))
        pos = nl + 1
    return out


def _open_depth(norm: str, a: int, b: int, rules: _Rules, depth: int = 0) -> int:
    """Bracket depth after norm[a:b], starting from ``depth`` (closers never go below zero)."""
    for m in rules.pair_chars.finditer(norm, a, b):
        ch = m.group()
        if ch in rules.openers:
            depth += 1
        elif depth:
            depth -= 1
    return depth


def _paragraphs(norm: str, rules: _Rules) -> list[tuple[int, int]]:
    """Lines, with lines broken inside a sentence (PDF extraction) joined to the next line."""
    lines = _lines(norm)
    paras: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        a, b = lines[i]
        depth = _open_depth(norm, a, b, rules)
        seen_terminator = rules.evidence_regex.search(norm, a, b) is not None
        while i + 1 < len(lines):
            last = norm[b - 1]
            na, nb = lines[i + 1]
            if last in rules.join_line_end or rules.any_heading.match(norm, na):
                break
            if not (seen_terminator or depth > 0):
                break
            # join: the paragraph now runs to the end of the next line
            depth = _open_depth(norm, na, nb, rules, depth)
            seen_terminator = seen_terminator or rules.evidence_regex.search(norm, na, nb) is not None
            b = nb
            i += 1
        if (
            paras
            and rules.title_continuation is not None
            and rules.title_continuation.match(norm[a:b])
            and rules.evidence_regex.search(norm, paras[-1][0], paras[-1][1]) is None
        ):
            paras[-1] = (paras[-1][0], b)  # "武汉市…三年行动计划" + "(2024—2026年)"
        else:
            paras.append((a, b))
        i += 1
    return paras


# ------------------------------------------------------------------------------------------------
# Inside a paragraph
# ------------------------------------------------------------------------------------------------

def _protected(norm: str, a: int, b: int, rules: _Rules) -> tuple[list[int], list[int]]:
    """Outermost matched pairs in norm[a:b] as parallel sorted lists of starts and ends (exclusive).

    Pairs are matched with a stack; a closer that does not match the innermost open pair is
    matched to the nearest open pair of its kind if there is one, otherwise ignored.
    """
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for m in rules.pair_chars.finditer(norm, a, b):
        ch = m.group()
        pos = m.start()
        if ch in rules.openers and not (ch in rules.closers and stack and stack[-1][0] == ch):
            stack.append((ch, pos))
            continue
        want = rules.closers.get(ch)
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] == want:
                start = stack[k][1]
                del stack[k:]
                pairs.append((start, pos + 1))
                break
    if not pairs:
        return [], []
    pairs.sort()
    starts: list[int] = []
    ends: list[int] = []
    for s, e in pairs:
        if ends and s < ends[-1]:
            continue  # nested inside the previous outermost pair
        starts.append(s)
        ends.append(e)
    return starts, ends


def _inside(pos: int, starts: list[int], ends: list[int]) -> bool:
    k = bisect_right(starts, pos) - 1
    return k >= 0 and pos < ends[k] - 1 and pos > starts[k]


def _split_units(segment: str, offset: int, original: str) -> list[str]:
    """Split an agency list on ，、, (not inside brackets); return the original substrings."""
    units = []
    depth = 0
    last = 0
    for i, ch in enumerate(segment):
        if ch in "（〈《【〔":
            depth += 1
        elif ch in "）〉》】〕":
            depth = max(0, depth - 1)
        elif ch in "，、" and depth == 0:
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
    """Parse a parenthetical norm[a:b] (brackets included) into lead and responsible units."""
    lead: list[str] = []
    resp: list[str] = []
    inner_a, inner_b = a + 1, b - 1 if norm[b - 1] == "）" else b
    pos = inner_a
    # parts separated by ；, and by a stray ） before "；责任单位"
    parts = []
    for m in re.finditer(r"[；]", norm[inner_a:inner_b]):
        parts.append((pos, inner_a + m.start()))
        pos = inner_a + m.end()
    parts.append((pos, inner_b))
    for pa, pb in parts:
        seg = norm[pa:pb]
        stripped = seg.strip().rstrip("）")
        target = None
        for key in rules.resp_lead:
            if stripped.startswith(key):
                target = lead
                break
        if target is None:
            for key in rules.resp_resp:
                if stripped.startswith(key):
                    target = resp
                    break
        if target is not None:
            colon = seg.find("：")
            if colon < 0:
                continue
            ua = pa + colon + 1
            ub = pa + len(seg.rstrip().rstrip("）"))
        else:
            suffix = next((s for s in rules.resp_suffixes if stripped.endswith(s)), None)
            if suffix is None:
                continue
            target = resp
            ua = pa + (len(seg) - len(seg.lstrip()))
            ub = pa + len(seg.rstrip().rstrip("）")) - len(suffix)
        for unit in _split_units(norm[ua:ub], ua, original):
            dest = target
            for suf in rules.unit_lead_suffixes:
                if unit.endswith(suf) and len(unit) > len(suf):
                    unit, dest = unit[: -len(suf)], lead
            for suf in rules.unit_strip_suffixes:
                if unit.endswith(suf) and len(unit) > len(suf):
                    unit = unit[: -len(suf)]
            dest.append(unit)
    return lead, resp


class Splitter:
    """The rule engine with its rule set.

    ``rules`` is a packaged rule-set name (``"default"``, ``"regulation"``; see
    :func:`clausetag.rulesets.available_rule_sets`), a path to a YAML file or folder, a mapping or a
    :class:`~clausetag.rulesets.RuleSet` (see :mod:`clausetag.rulesets`). Each instance keeps its
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

    # -- headings -------------------------------------------------------------------------------
    def _heading_at(self, norm: str, pos: int, pe: int, starts: list[int], ends: list[int]) -> tuple[str, int] | None:
        r = self.rules
        m = r.heading_combined.match(norm, pos, pe)
        if m is None:
            return None
        htype = m.lastgroup
        if htype is None:
            return None
        end = pe
        for s in r.heading_stop.finditer(norm, m.end(), pe):
            if _inside(s.start(), starts, ends):
                continue
            end = s.end() if s.group()[0] in r.heading_terminators else s.start()
            break
        body = norm[pos:end]
        if body[-1] in r.heading_terminators and not norm[end:pe].strip():
            return None  # a numbered sentence on its own line, not an inline heading
        if end - pos > r.max_heading_length or any(c in body for c in r.heading_forbidden):
            return None
        if end <= m.end():  # bare marker
            return None
        return htype, end

    def _is_plain_heading(self, norm: str, para: tuple[int, int], nxt: tuple[int, int] | None, have_stack: bool) -> bool:
        r = self.rules
        a, b = para
        if not have_stack or nxt is None or b - a > r.plain_max:
            return False
        s = norm[a:b]
        if any(c in r.plain_forbidden for c in s) or r.plain_not.search(s) or r.any_heading.match(s):
            return False
        na, nb = nxt
        return bool(r.any_heading.match(norm, na)) or (nb - na >= r.plain_next_min)

    # -- main loop --------------------------------------------------------------------------------
    def split(self, text: str, doc_id: str | None = None) -> list[Clause]:
        if not isinstance(text, str):
            raise TypeError(f"split() expects str, got {type(text).__name__}; decode bytes with clausetag.read_text")
        if not text.strip():
            return []
        r = self.rules
        norm = normalize(text, r.residue)
        paras = _paragraphs(norm, r)
        stack: list[tuple[str, str]] = []  # (marker type, heading text)
        # article_mode "auto": set at the first 第X条, "always": from the start; once set, list
        # markers other than the article_keeps families are no longer headings
        in_articles = r.article_mode == "always"
        article = r.article if r.article_mode != "never" else None
        raw: list[list[Any]] = []  # [start, end, heading_path, is_heading, lead, resp]

        def emit(a: int, b: int, is_heading: bool, path: tuple[str, ...]) -> None:
            while b > a and norm[b - 1] in " \n":
                b -= 1
            if b > a:
                raw.append([a, b, path, is_heading, [], []])

        def push(htype: str, a: int, b: int) -> None:
            for k, (t, _) in enumerate(stack):
                if t == htype:
                    del stack[k:]
                    break
            stack.append((htype, clause_text(text, a, b)))

        for pi, (pa, pe) in enumerate(paras):
            nxt = paras[pi + 1] if pi + 1 < len(paras) else None
            if self._is_plain_heading(norm, (pa, pe), nxt, bool(stack)):
                emit(pa, pe, True, self._path_for(stack, "plain"))
                push("plain", pa, pe)
                continue
            starts, ends = _protected(norm, pa, pe, r)
            terms = [m.start() for m in r.term_regex.finditer(norm, pa, pe) if not _inside(m.start(), starts, ends)]
            softs = [m.end() for m in r.soft.finditer(norm, pa, pe)] if r.soft is not None else []
            pos = pa
            while pos < pe:
                while pos < pe and norm[pos] in " \n":
                    pos += 1
                if pos >= pe:
                    break
                # a responsibility parenthetical (right after a body clause, on the same line or the
                # next) belongs to that clause
                k = bisect_left(starts, pos)
                if (k < len(starts) and starts[k] == pos and raw and not raw[-1][3]
                        and r.resp_detect.search(norm[pos:ends[k]])):
                    pend = self._extend_parenthetical(norm, ends[k], pe)
                    self._attach(raw[-1], norm, text, pos, pend)
                    pos = pend
                    continue
                h = self._heading_at(norm, pos, pe, starts, ends)
                if h is not None and in_articles and h[0] not in r.article_keeps:
                    h = None
                if h is not None:
                    htype, hend = h
                    path = self._path_for(stack, htype)
                    emit(pos, hend, True, path)
                    push(htype, pos, hend)
                    pos = hend
                    continue
                # body clause
                if r.path_reset is not None and r.path_reset.match(norm[pos : pos + 8]):
                    stack.clear()
                elif article is not None and article.match(norm, pos, pe):
                    in_articles = True
                    stack[:] = [e for e in stack if e[0] in r.article_keeps]
                ti = bisect_left(terms, pos)
                end = terms[ti] + 1 if ti < len(terms) else pe
                if softs:
                    si = bisect_right(softs, pos)
                    if si < len(softs) and softs[si] < end:
                        end = softs[si]
                emit(pos, end, False, tuple(t for _, t in stack))
                pos = end
        return [
            Clause(
                doc_id=doc_id,
                index=i,
                text=clause_text(text, a, b),
                start=a,
                end=b,
                heading_path=path,
                is_heading=is_h,
                lead_units=tuple(lead),
                responsible_units=tuple(resp),
            )
            for i, (a, b, path, is_h, lead, resp) in enumerate(raw)
        ]

    @staticmethod
    def _path_for(stack: list[tuple[str, str]], htype: str) -> tuple[str, ...]:
        """Heading path of a new heading of type ``htype``: the stack above its own level."""
        for k, (t, _) in enumerate(stack):
            if t == htype:
                return tuple(x for _, x in stack[:k])
        return tuple(x for _, x in stack)

    def _extend_parenthetical(self, norm: str, end: int, pe: int) -> int:
        m = self.rules.resp_continuation.match(norm, end, pe)
        return m.end() if m else end

    def _attach(self, clause: list[Any], norm: str, text: str, a: int, b: int) -> None:
        lead, resp = parse_responsibility(norm, text, a, b, self.rules)
        clause[1] = b
        clause[4].extend(lead)
        clause[5].extend(resp)


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
