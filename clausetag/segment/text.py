"""Decoding and length-preserving normalisation of official-document text.

Design decision (see README, "Architecture"): every normalisation step maps one character to exactly
one character, so the normalised text has the same length as the original and offsets are shared.
The offset map of DESIGN.md is therefore the identity, which keeps spans exact and splitting fast.

- :func:`decode_bytes` turns bytes into text: UTF-8 (with or without BOM), UTF-16 with BOM, or
  GB18030 (a superset of GBK and GB2312). It never guesses silently: undecodable or binary input
  raises :class:`DecodeError` naming the source.
- :func:`normalize` unifies full/half width for the splitting rules and blanks conversion residue.
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any, Union

import yaml

from clausetag.segment import patterns as pattern_analysis

PathType = Union[str, "PathLike[str]"]

__all__ = [
    "DecodeError",
    "Decoded",
    "Residue",
    "blank_spans",
    "compile_residue",
    "decode",
    "decode_bytes",
    "load_rules",
    "normalize",
    "read_text",
    "residue_spans",
    "translation_table",
]


class DecodeError(ValueError):
    """Raised when bytes cannot be decoded as text; the message names the source."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class Decoded:
    """Decoded text and the encoding that was detected."""

    text: str
    encoding: str


# Control characters that never occur in real text files (NUL, and C0 controls other than
# tab/newline/carriage-return/form-feed/vertical-tab).
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
# Characters a Chinese official document is made of; used to reject "successful" GB18030 decodes
# of binary data, which GB18030 accepts more often than UTF-8 does.
_PLAUSIBLE = re.compile(
    r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003134f\u3000-\u303f\uff00-\uffef"
    r"\u2000-\u206f\u0020-\u007e\s\u00b7\u2460-\u24ff\u25a0-\u25ff\u2150-\u218f]"
)


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:200_000]
    return len(_BINARY_CONTROLS.findall(sample)) > max(2, len(sample) // 1000)


def _plausible_ratio(text: str) -> float:
    sample = text[:200_000]
    if not sample:
        return 1.0
    return len(_PLAUSIBLE.findall(sample)) / len(sample)


def decode(data: bytes, source: str = "<bytes>") -> Decoded:
    """Decode ``data`` and report the encoding. Raises :class:`DecodeError` naming ``source``.

    Order: BOMs (UTF-8, UTF-16), strict UTF-8, strict GB18030. A GB18030 decode is only accepted
    when at least 90 % of its characters are CJK, ASCII or common punctuation; anything else
    (binary data, Latin-1, Shift-JIS …) is an error rather than a silent guess.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{source}: expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", data)]
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        candidates = [("utf-16", data)]
    else:
        candidates = [("utf-8", data), ("gb18030", data)]
    for encoding, payload in candidates:
        try:
            text = payload.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise DecodeError(source, "looks like a binary file (control characters), not text")
        if encoding == "gb18030" and _plausible_ratio(text) < 0.9:
            continue
        return Decoded(text, encoding)
    raise DecodeError(
        source,
        "cannot decode as UTF-8 or GB18030/GBK (tried both strictly); "
        "convert the file to UTF-8 or pass decoded text",
    )


def decode_bytes(data: bytes, source: str = "<bytes>") -> str:
    """Decode bytes to text (see :func:`decode`)."""
    return decode(data, source).text


def read_text(path: PathType) -> str:
    """Read a text file in any supported encoding. Errors name the file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DecodeError(str(p), f"cannot read file: {exc.strerror or exc}") from exc
    return decode_bytes(data, str(p))


# ------------------------------------------------------------------------------------------------
# First characters of a pattern: a cheap test before trying a regex
# ------------------------------------------------------------------------------------------------

class FirstChars:
    """The characters a match of a pattern can start with: ``may_start(c)`` is False only when the
    pattern cannot match at a position holding ``c`` (a superset test, so skipping the regex is
    exact). ``chars is None`` means "any character" (the test always passes)."""

    __slots__ = ("chars", "digits")

    def __init__(self, chars: frozenset[str] | None, digits: bool) -> None:
        self.chars = chars
        self.digits = digits

    def may_start(self, c: str) -> bool:
        return self.chars is None or c in self.chars or (self.digits and c.isdecimal())

    def few(self, limit: int = 8) -> str | None:
        """The first characters as a string when there are at most ``limit`` of them (so that
        testing a text for each with ``in``, at memchr speed, beats a regex scan), else None."""
        if self.chars is None or self.digits or len(self.chars) > limit:
            return None
        return "".join(sorted(self.chars))


def absent(first: str | None, text: str) -> bool:
    """True when ``first`` (see :meth:`FirstChars.few`) is given and none of its characters occurs
    in ``text``: a pattern that must start with one of them cannot match."""
    # map over the bound method, not a generator expression: no Python frame per character
    # (called several times per document)
    return first is not None and not any(map(text.__contains__, first))


def first_chars(pattern: re.Pattern[str]) -> FirstChars:
    """The possible first characters of ``pattern`` (see :func:`clausetag.segment.patterns.first_chars`)."""
    chars, digits = pattern_analysis.first_chars(pattern.pattern, pattern.flags)
    return FirstChars(chars, digits)


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

@cache
def load_rules(name: str) -> dict[str, Any]:
    """Load a rules file shipped in ``clausetag/rules`` (e.g. ``"splitting"``, ``"residue"``)."""
    text = resources.files("clausetag").joinpath("rules").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _build_translation() -> dict[int, str]:
    table: dict[int, str] = {}
    # Full-width ASCII variants -> ASCII (digits, letters, most symbols).
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0)
    # ...except punctuation that the rules use in its full-width form: keep it, and map the
    # half-width forms onto it.
    for half, full in zip("(),;:?!", "（），；：？！"):
        table[ord(full)] = full
        table[ord(half)] = full
    table[0x3000] = " "  # ideographic space
    table[0x00A0] = " "  # no-break space
    table[ord("\r")] = " "
    table[ord("\t")] = " "
    table[ord("\f")] = "\n"
    table[ord("\v")] = "\n"
    table[0xFE59] = "（"  # small parentheses
    table[0xFE5A] = "）"
    return table


_TRANSLATION = _build_translation()
_BLANK_NON_NEWLINE = re.compile(r"[^\n]")
# str.translate with a dict is slow on CJK text; the frequent mappings are done with str.replace
# (C speed) and the full table is only applied when a rarer character is present.
_FREQUENT = [(chr(k), v) for k, v in _TRANSLATION.items() if chr(k) in "(),;:?!\r\t\u3000\u00a0"]
_RARE = re.compile(
    "[" + re.escape("".join(chr(k) for k, v in _TRANSLATION.items() if v != chr(k) and chr(k) not in "(),;:?!\r\t\u3000\u00a0")) + "]"
)


_RARE_CHARS = sorted(chr(k) for k, v in _TRANSLATION.items() if v != chr(k) and chr(k) not in "(),;:?!\r\t\u3000\u00a0")
# The rare characters U+FFxx as UTF-16-BE bytes: 0xFF then the low byte.
_RARE_FF = re.compile(b"\\xff[" + b"".join(b"\\x%02x" % (ord(c) & 0xFF) for c in _RARE_CHARS if ord(c) >> 8 == 0xFF) + b"]")
_RARE_OTHER = [c for c in _RARE_CHARS if ord(c) >> 8 != 0xFF]


def _has_rare(text: str) -> bool:
    """Whether ``text`` holds a character of ``_RARE`` (the same answer as ``_RARE.search``).

    Most of them are full-width forms U+FFxx, which the common full-width punctuation (，（）：…)
    shares the high byte with, so a character class would test every character. Instead the
    UTF-16-BE bytes are searched for 0xFF followed by a rare low byte (a literal-first pattern:
    C speed), keeping only matches at even offsets (character boundaries); the few others are
    tested with ``in``."""
    if any(ch in text for ch in _RARE_OTHER):
        return True
    return any(not m.start() & 1 for m in _RARE_FF.finditer(text.encode("utf-16-be", "surrogatepass")))


def _translate(text: str) -> str:
    for a, b in _FREQUENT:
        if a in text:
            text = text.replace(a, b)
    if _has_rare(text):
        text = text.translate(_TRANSLATION)
    return text


@dataclass(frozen=True)
class Residue:
    """Compiled residue rules (the ``residue`` part of a rule set, ``rules/residue.yaml`` by default).

    The reference semantics is one alternation of all patterns scanned over the text
    (``regex``). For speed the patterns are also kept apart: line-anchored ones (``^…``) are
    tried at line starts only, the others are scanned one by one (a literal first character
    makes that scan run at C speed). Their union equals the alternation's matches whenever no
    two matches overlap; otherwise :meth:`spans` falls back to the alternation.
    """

    regex: re.Pattern[str] | None
    pipe_min: int
    line_regex: re.Pattern[str] | None = None
    others: tuple[re.Pattern[str], ...] = ()
    # "\n" followed by line_regex: finds the next line start where line_regex matches (a search
    # for a literal first character runs at C speed; no Python loop over the lines)
    nl_line_regex: re.Pattern[str] | None = None
    # the first characters of each of ``others`` (see FirstChars.few): a pattern is only scanned
    # when one of them occurs in the text
    others_first: tuple[str | None, ...] = ()

    def _pattern_spans(self, text: str) -> list[tuple[int, int]]:
        if self.regex is None:
            return []
        found: list[tuple[int, int]] = []
        for rx, first in zip(self.others, self.others_first or [None] * len(self.others)):
            if not absent(first, text):
                found += [m.span() for m in rx.finditer(text)]
        line_rx = self.line_regex
        if line_rx is not None:
            # line_regex at every line start (position 0 and after each "\n") not inside the
            # previous match
            nl_search = (self.nl_line_regex or re.compile("\n(?:" + line_rx.pattern + ")", line_rx.flags)).search
            m = line_rx.match(text, 0)
            last_end = m.end() if m is not None else 0
            if m is not None:
                found.append(m.span())
            pos = 0  # the line start tried last
            while True:
                m = nl_search(text, max(pos, last_end - 1))  # next "\n" starting a line >= last_end
                if m is None:
                    break
                pos = m.start() + 1
                found.append((pos, m.end()))
                last_end = m.end()
        if len(found) > 1:
            found.sort()
        prev_end = -1
        for x, y in found:
            if x < prev_end or x == y:  # overlapping or empty matches: use the alternation
                return [m.span() for m in self.regex.finditer(text)]
            prev_end = y
        return found

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Sorted spans of conversion residue in ``text``."""
        spans = self._pattern_spans(text)
        if "|" in text:
            # only the lines that hold a pipe are looked at
            find = text.find
            i = find("|")
            while i >= 0:
                a = text.rfind("\n", 0, i) + 1
                b = find("\n", i)
                if b < 0:
                    b = len(text)
                if text.count("|", a, b) >= self.pipe_min:
                    while i >= 0:
                        spans.append((i, i + 1))
                        i = find("|", i + 1, b)
                i = find("|", b)
            spans.sort()
        return spans


def _line_anchored(pattern: str) -> bool:
    """Whether ``pattern`` starts with ``^`` at top level (so it can only match at line starts)."""
    return pattern_analysis.line_anchored(pattern)


def compile_residue(rules: Mapping[str, Any]) -> Residue:
    """Compile a residue mapping (``patterns``: regexes, ``table_pipe_min``: int).

    Raises ``ValueError`` for a pattern that matches the empty string (it would blank nothing
    and only slow every document down)."""
    patterns = list(rules.get("patterns") or [])
    for p in patterns:
        if re.compile(p, re.MULTILINE).fullmatch("") is not None:
            raise ValueError(f"residue pattern {p!r} matches the empty string")
    if not patterns:
        return Residue(None, int(rules.get("table_pipe_min", 2)))
    regex = re.compile("|".join(f"(?:{p})" for p in patterns), re.MULTILINE)
    anchored = [p for p in patterns if _line_anchored(p)]
    others = tuple(re.compile(p, re.MULTILINE) for p in patterns if not _line_anchored(p))
    line_regex = re.compile("|".join(f"(?:{p})" for p in anchored), re.MULTILINE) if anchored else None
    nl_line_regex = re.compile("\n(?:" + line_regex.pattern + ")", re.MULTILINE) if line_regex else None
    return Residue(regex, int(rules.get("table_pipe_min", 2)), line_regex, others, nl_line_regex,
                   tuple(first_chars(rx).few() for rx in others))


@lru_cache(maxsize=1)
def _default_residue() -> Residue:
    return compile_residue(load_rules("residue"))


def residue_spans(text: str, residue: Residue | None = None) -> list[tuple[int, int]]:
    """Spans of conversion residue in ``text`` (bookmarks, entities, page footers, table pipes),
    by ``residue`` or the packaged ``rules/residue.yaml``."""
    return (residue or _default_residue()).spans(text)


def normalize(text: str, residue: Residue | None = None) -> str:
    """Return the normalised text used by the rules; same length as ``text``.

    Full-width letters/digits become ASCII, half-width ``( ) , ; : ? !`` become full-width, odd
    spaces become ``" "``, and residue (``residue``, by default ``rules/residue.yaml``) becomes
    spaces (line breaks inside it are kept).
    """
    out = blank_spans(_translate(text), residue_spans(text, residue))
    if len(out) != len(text):  # pragma: no cover - a broken translation table
        raise AssertionError("normalize() must preserve length")
    return out


def translation_table() -> dict[int, str]:
    """The 1:1 character mapping of :func:`normalize` (applied before residue is blanked) as a
    ``str.translate`` table: code point -> one character."""
    return dict(_TRANSLATION)


def blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every character inside ``spans`` (sorted by start, maybe overlapping) made a
    space, except line breaks, which are kept."""
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for a, b in spans:
        if a < last:  # overlapping matches: blank only the new part
            a = last
            if a >= b:
                continue
        parts.append(text[last:a])
        parts.append(_BLANK_NON_NEWLINE.sub(" ", text[a:b]))
        last = b
    parts.append(text[last:])
    return "".join(parts)
