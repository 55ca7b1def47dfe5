"""Number parsing for Chinese policy text: Arabic numerals with separators, Chinese numerals, scale words.

Public helpers:

* :func:`parse_arabic` – ``"1,000"``, ``"2 200"``, ``"5728.02"`` → float.
* :func:`parse_chinese` – ``"两千"``, ``"十余"`` (without 余), ``"一万"``, ``"万亿"``, ``"二〇二四"``, ``"三点五"`` → float.
* :func:`scale_value` – a scale word (``万``, ``亿``, ``万亿``, ``千万``, ``百亿`` …) → its multiplier.
* :func:`parse_number` – either form, optionally followed by a scale word (``"14.7万"`` → 147000.0).
* :func:`int_to_chinese` – the inverse for non-negative integers below 10^12 (used by tests and docs).

All functions are pure and allocation-light; they raise :class:`ValueError` on text they cannot read.
"""
from __future__ import annotations

__all__ = [
    "CN_DIGITS",
    "CN_NUMERAL_CHARS",
    "int_to_chinese",
    "parse_arabic",
    "parse_chinese",
    "parse_number",
    "scale_value",
]

CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3,
    "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
}
_SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
#: every character that may occur inside a Chinese numeral (decimal point 点 excluded)
CN_NUMERAL_CHARS = frozenset(CN_DIGITS) | frozenset(_SMALL_UNITS) | frozenset(_BIG_UNITS)

_ARABIC_SEPARATORS = str.maketrans("", "", ", ，\u2009\u202f\u00a0")


def parse_arabic(s: str) -> float:
    """Parse an Arabic numeral that may carry thousands separators (``,`` or a space) and decimals."""
    return float(s.translate(_ARABIC_SEPARATORS))


def _parse_cn_integer(s: str) -> float:
    total = 0.0  # completed 亿 groups
    wan = 0.0  # completed 万 group inside the current 亿 group
    sec = 0.0  # current group below 10 000
    num: float | None = None  # pending digit (or digit string such as 二〇二四)
    prev_digit = False
    concatenated = False  # 二〇二四: digit strings are read digit by digit, but never before 十/百/万 (二三十)
    last_small: int | None = None  # the last of 十/百/千 in the current group: they must decrease
    if not s:
        raise ValueError("empty Chinese numeral")
    for ch in s:
        d = CN_DIGITS.get(ch)
        if d is not None:
            if prev_digit and num is not None:
                concatenated = concatenated or num != 0  # 零五 is not a digit string
                num = num * 10 + d
            else:
                num = float(d)
            prev_digit = True
            continue
        prev_digit = False
        if concatenated:
            raise ValueError(f"digit string followed by a unit character in {s!r}")
        small = _SMALL_UNITS.get(ch)
        if small is not None:
            if num is None and last_small is not None and small >= last_small:
                raise ValueError(f"{ch!r} after a smaller unit in {s!r}")  # 七十百 is not a number
            sec += (1.0 if num is None else num) * small
            last_small = small
            num = None
            continue
        big = _BIG_UNITS.get(ch)
        if big is None:
            raise ValueError(f"not a Chinese numeral character: {ch!r} in {s!r}")
        group = sec + (num or 0.0)
        if big == 10_000:
            if group == 0 and wan == 0:
                group = 1.0
            wan = (wan + group) * big
        else:  # 亿: everything so far is multiplied
            group += wan
            if group == 0 and total == 0:
                group = 1.0
            total = (total + group) * big
            wan = 0.0
        sec = 0.0
        num = None
        last_small = None
    return total + wan + sec + (num or 0.0)


def parse_chinese(s: str) -> float:
    """Parse a Chinese numeral (``两千`` → 2000, ``十五`` → 15, ``万亿`` → 1e12, ``三点五`` → 3.5)."""
    if "点" in s:
        whole, _, frac = s.partition("点")
        if not frac or any(ch not in CN_DIGITS for ch in frac):
            raise ValueError(f"bad decimal part in {s!r}")
        value = _parse_cn_integer(whole) if whole else 0.0
        return value + float("0." + "".join(str(CN_DIGITS[ch]) for ch in frac))
    return _parse_cn_integer(s)


def scale_value(word: str) -> float:
    """Multiplier of a scale word: ``万`` → 1e4, ``亿`` → 1e8, ``万亿`` → 1e12, ``千万`` → 1e7, ``百`` → 100."""
    if not word:
        return 1.0
    return _parse_cn_integer(word)


def parse_number(s: str) -> float:
    """Parse an Arabic or Chinese numeral, optionally followed by a scale word (``14.7万`` → 147000.0)."""
    s = s.strip()
    i = 0
    while i < len(s) and (s[i].isdigit() or s[i] in ".,  "):
        i += 1
    if i == 0:
        return parse_chinese(s)
    return parse_arabic(s[:i]) * scale_value(s[i:])


_CN_DIGIT_CHARS = "零一二三四五六七八九"


def _four_digits(n: int, leading: bool) -> str:
    """Chinese for 0 < n < 10000; ``leading`` means no higher group precedes (allows 十 for 10..19)."""
    out: list[str] = []
    zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit_value % 10
        if d == 0:
            if out:
                zero = True
            continue
        if zero or (not out and not leading and unit_value < 1000):
            out.append("零")
        zero = False
        if not (d == 1 and unit == "十" and not out and leading):
            out.append(_CN_DIGIT_CHARS[d])
        out.append(unit)
    return "".join(out)


def int_to_chinese(n: int) -> str:
    """Write a non-negative integer below 10^12 as a standard Chinese numeral (``10`` → ``十``, ``10005`` → ``一万零五``)."""
    if n < 0 or n >= 10**12:
        raise ValueError("int_to_chinese supports 0 <= n < 10**12")
    if n == 0:
        return "零"
    groups = [(n // 10**8) % 10**4, (n // 10**4) % 10**4, n % 10**4]
    names = ["亿", "万", ""]
    out: list[str] = []
    started = False
    for g, name in zip(groups, names):
        if g == 0:
            continue
        # a non-leading group below 1000 starts with 零 (一万零五, 一亿零一万)
        text = _four_digits(g, leading=not started)
        out.append(text + name)
        started = True
    return "".join(out)
