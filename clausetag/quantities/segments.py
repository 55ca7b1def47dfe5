"""Where the segment holding a position of a text starts and ends, between break characters (，；。 …).

The extractor asks this for every amount, several times. Walking character by character made a text whose amounts
share one long segment quadratic (a scraped table whose line breaks were lost: 2,000 amounts joined by 、 took
seconds). Here the break positions of a text are found once (by a regular expression, cached for the last few
texts) and each question is a binary search. Positions outside the text are not asked for.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

__all__ = ["segment_end", "segment_start"]


#: break characters: a string or a frozenset of single characters (hashable: the key of the caches)
Breaks = str | frozenset[str]


@lru_cache(maxsize=64)
def _break_class(breaks: Breaks) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(ch) for ch in sorted(breaks)) + "]")


@lru_cache(maxsize=8)  # a few texts' worth (a text is asked with up to four sets of breaks): a big text's list is big
def _positions(text: str, breaks: Breaks) -> tuple[int, ...]:
    return tuple(m.start() for m in _break_class(breaks).finditer(text))


def segment_start(text: str, pos: int, breaks: Breaks, floor: int = 0) -> int:
    """Start of the segment that holds ``pos``: just after the last break character before ``pos``, not before
    ``floor`` (``pos`` itself if it is not after ``floor``)."""
    if pos <= floor:
        return pos
    found = _positions(text, breaks)
    k = bisect_left(found, pos) - 1
    return max(found[k] + 1, floor) if k >= 0 else floor


def segment_end(text: str, pos: int, breaks: Breaks, limit: int) -> int:
    """Position of the first break character at or after ``pos``, not after ``limit`` (``pos`` itself if it is
    not before ``limit``)."""
    if pos >= limit:
        return pos
    found = _positions(text, breaks)
    k = bisect_left(found, pos)
    return min(found[k], limit) if k < len(found) else limit
