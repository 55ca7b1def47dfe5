"""PDF page layout → paragraphs: re-join wrapped lines, drop running headers, footers and page numbers.

:func:`layout_text` takes the text lines of each page with their boxes (what pdfplumber's
``extract_text_lines`` gives) and returns the document text with one paragraph per line:

1. **Page furniture** is dropped: a line in the top or bottom margin zone of its page that is a
   page number (``- 3 -``, ``— 3 —``, ``第 3 页``, ``第3页 共12页``, ``3/12``, ``3``), or whose text
   (digits ignored) recurs in the same zone at about the same height on at least half of the pages
   (running headers and footers: a document title, a date, an organ name).
2. **Geometry** of the body: the left margin (leftmost recurring line start), the right margin (where
   full lines end, 90th percentile of line ends), the em (median line height) and the leading
   (median distance between consecutive lines). Fewer than three lines reaching the right
   margin: lines are kept as they are.
3. **Re-joining**: a line continues into the next one when it is full (the first character, or
   for Latin script the first word, of the next line would not have fitted before the right
   margin: the usual reflow test), the next line starts at the left margin (not indented, not
   centred) and no larger
   vertical gap than 1.4 leading separates them (or the next line opens the next page). In a
   document that does not indent its paragraphs, the layout cannot tell a paragraph that ends
   exactly at the margin from one that goes on; such a line is joined unless it ends a sentence or
   a lead-in (``。！？；：``) and the next line starts with a heading or list marker (``二、``, ``（三）``,
   ``4.``, ``第五条``, ``▍``).

Works on plain tuples, so it is tested without PDFs; :mod:`clausetag.io.readers` feeds it.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

__all__ = ["Line", "Page", "layout_text"]

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$"
)
_SENTENCE_END = "。！？；：!?;:"
_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.．、](?!\d)"
    r"|第[一二三四五六七八九十百零〇两\d]+[章节条]|[▍■◆●▶①②③④⑤⑥⑦⑧⑨⑩])"
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.,-]*")
_ZONE = 0.12  # top and bottom 12 % of the page height hold running headers and footers


@dataclass(frozen=True)
class Line:
    """One text line of a page: its text and box (PDF points, ``top``/``bottom`` from the page top)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Page:
    """A page: size and text lines in reading order."""

    width: float
    height: float
    lines: Sequence[Line]


def _zone(line: Line, page: Page) -> str | None:
    if line.bottom <= page.height * _ZONE:
        return "top"
    if line.top >= page.height * (1 - _ZONE):
        return "bottom"
    return None


def _furniture(pages: Sequence[Page]) -> set[tuple[int, int]]:
    """(page index, line index) of page numbers and running headers/footers."""
    drop: set[tuple[int, int]] = set()
    seen: Counter[tuple[str, str, int]] = Counter()
    where: dict[tuple[str, str, int], list[tuple[int, int]]] = {}
    for pi, page in enumerate(pages):
        keys_here = set()
        for li, line in enumerate(page.lines):
            zone = _zone(line, page)
            if zone is None:
                continue
            text = re.sub(r"\s+", "", line.text)
            if _PAGE_NUMBER.match(text):
                drop.add((pi, li))
                continue
            key = (zone, re.sub(r"\d+", "#", text), round(line.top / 6))
            where.setdefault(key, []).append((pi, li))
            keys_here.add(key)
        seen.update(keys_here)
    if len(pages) >= 2:
        need = max(2, (len(pages) + 1) // 2)
        for key, count in seen.items():
            if count >= need:
                drop.update(where[key])
    return drop


def _first_width(line: Line, text: str, em: float) -> float:
    """Width of the first character of ``line`` (CJK: one em), or of its first word (Latin script)."""
    m = _WORD.match(text)
    if m is None:
        return em
    return len(m.group()) * (line.x1 - line.x0) / max(1, len(text))


def layout_text(pages: Sequence[Page]) -> str:
    """The document text, one paragraph per line (see the module docstring)."""
    drop = _furniture(pages)
    body: list[tuple[int, Line]] = [
        (pi, line) for pi, page in enumerate(pages) for li, line in enumerate(page.lines)
        if line.text.strip() and (pi, li) not in drop
    ]
    if not body:
        return ""
    if len(body) < 3:
        return "\n".join(line.text.strip() for _, line in body)
    em = median(line.bottom - line.top for _, line in body) or 10.0
    starts = Counter(round(line.x0) for _, line in body)
    common = [x for x, k in starts.items() if k >= max(2, 0.05 * len(body))]
    left = min(common) if common else min(starts)  # the leftmost start that recurs: the margin
    ends = sorted(line.x1 for _, line in body)
    right = ends[int(0.9 * (len(ends) - 1))]
    if sum(1 for x in ends if x >= right - em) < 3:
        # no right margin that several lines reach: nothing to re-join
        return "\n".join(line.text.strip() for _, line in body)
    steps = [b.top - a.top for (pa, a), (pb, b) in pairwise(body) if pa == pb and b.top > a.top]
    leading = median(steps) if steps else 1.5 * em
    indented = sum(1 for _, line in body if 1.5 * em <= line.x0 - left <= 2.5 * em)
    indented_doc = indented >= max(2, 0.05 * len(body))

    out: list[str] = []
    cur = body[0][1].text.strip()
    for (pa, a), (pb, b) in pairwise(body):
        nxt = b.text.strip()
        full = right - a.x1 < _first_width(b, nxt, em) + 0.1 * em
        flush = b.x0 <= left + 0.5 * em
        gap_ok = pb != pa or (b.top - a.top) <= 1.4 * leading
        join = full and flush and gap_ok and (
            indented_doc or cur[-1] not in _SENTENCE_END or _MARKER.match(nxt) is None)
        if join:
            sep = " " if cur[-1].isascii() and cur[-1].isalnum() and nxt[0].isascii() and nxt[0].isalnum() else ""
            cur = cur + sep + nxt
        else:
            out.append(cur)
            cur = nxt
    out.append(cur)
    return "\n".join(out)
