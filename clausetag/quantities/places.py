"""Administrative place names (``lexicons/places.txt``, from jieba's dictionary) and the run of them a phrase
opens with: a place before the measured noun says whose figure it is (``河南省粮食总产量`` → ``粮食总产量``)."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from clausetag.quantities.lexicon import load_indicator_cues

__all__ = ["leading_places", "only_places", "place_names", "place_scope"]


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """The packaged place names (provinces, cities, counties, districts; three characters or more)."""
    text = resources.files("clausetag").joinpath("lexicons/places.txt").read_text(encoding="utf-8")
    return frozenset(w for w in (line.strip() for line in text.splitlines()) if w and not w.startswith("#"))


@lru_cache(maxsize=1)
def _lengths() -> tuple[int, ...]:
    return tuple(sorted({len(w) for w in place_names()}, reverse=True))


@lru_cache(maxsize=1)
def _rules() -> tuple[frozenset[str], re.Pattern[str], re.Pattern[str]]:
    c = load_indicator_cues()
    return (frozenset(c["place_joined_next"]), re.compile(c["place_joined_next_pattern"]),
            re.compile(c["place_named_body_pattern"]))


def leading_places(text: str, start: int = 0, end: int | None = None) -> int:
    """Length of the run of place names that ``text[start:end]`` opens with (``河北省石家庄市开工率`` → 7), longest
    names first; 0 when it opens with none. Says nothing of where the words end: see :func:`place_scope`."""
    end = len(text) if end is None else end
    names, pos = place_names(), start
    while pos < end:
        for n in _lengths():
            if pos + n <= end and text[pos:pos + n] in names:
                pos += n
                break
        else:
            break
    return pos - start


def only_places(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is only place names (``河北省石家庄市``), or ends with one cut before its suffix
    (``张家口`` of ``张家口市``): a span that names where, not what."""
    if end <= start:
        return False
    if end < len(text) and text[end] in _SUFFIXES and leading_places(text, start, end + 1) == end + 1 - start:
        return True
    return leading_places(text, start, end) == end - start


#: the suffix a place name ends with, which a span may have left out (张家口 of 张家口市)
_SUFFIXES = frozenset("省市县区州盟旗")


def place_scope(text: str, start: int = 0, end: int | None = None) -> int:
    """Length of the places that only say whose figure ``text[start:end]`` is (``河南省粮食总产量`` → 3), or 0: the
    run of :func:`leading_places` where jieba ends a word after it and no joining character follows (``浙江省级…``,
    ``江苏省内…``, ``广州市区…`` → 0), and where the rest names no body the place belongs to (``郑州市中心医院…``
    → 0; ``indicator_cues.yaml``: ``place_joined_next``, ``place_named_body_pattern``). At least two characters
    must be left."""
    end = len(text) if end is None else end
    k = leading_places(text, start, end)
    if not k or end - start - k < 2:
        return 0
    joined, joined_word, body = _rules()
    if text[start + k] in joined or joined_word.match(text, start + k) or body.search(text, start + k, end):
        return 0
    return k if k in _word_ends(text[start:end]) else 0


@lru_cache(maxsize=4096)
def _word_ends(phrase: str) -> frozenset[int]:
    """Where jieba ends a word in ``phrase`` (offsets into it; cached: indicators repeat across a corpus)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    ends, pos = set(), 0
    for tok in jieba.cut(phrase):
        pos += len(tok)
        ends.add(pos)
    return frozenset(ends)
