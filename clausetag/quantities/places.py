"""Administrative place names (``lexicons/places.txt``, from jieba's dictionary) and the run of them a phrase
opens with: a place before the measured noun says whose figure it is (``河南省粮食总产量`` → ``粮食总产量``)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

__all__ = ["leading_places", "place_names"]


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """The packaged place names (provinces, cities, counties, districts; three characters or more)."""
    text = resources.files("clausetag").joinpath("lexicons/places.txt").read_text(encoding="utf-8")
    return frozenset(w for w in (line.strip() for line in text.splitlines()) if w and not w.startswith("#"))


@lru_cache(maxsize=1)
def _lengths() -> tuple[int, ...]:
    return tuple(sorted({len(w) for w in place_names()}, reverse=True))


def leading_places(text: str, start: int = 0, end: int | None = None) -> int:
    """Length of the run of place names that ``text[start:end]`` opens with (``河北省石家庄市开工率`` → 7), longest
    names first; 0 when it opens with none."""
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
