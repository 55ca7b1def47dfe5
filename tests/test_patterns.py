"""clausetag.segment.patterns against re's own parser, on every regex of the shipped rule sets.

The oracle is ``re._parser`` (``sre_parse`` on Python 3.10): private, so only the test uses it, to
prove the package's own analysis gives the same first characters, anchoring and widths as the parser
it replaces. Golden cases cover the syntax the rules do not use yet.
"""
from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from clausetag.segment import patterns
from clausetag.segment.rulesets import load_rule_set

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    if sys.version_info >= (3, 11):
        import re._constants as C
        import re._parser as P
    else:  # pragma: no cover - Python 3.10
        import sre_constants as C
        import sre_parse as P

RULES = Path(__file__).resolve().parents[1] / "clausetag" / "rules"


def oracle_first_chars(pattern: str, flags: int = 0) -> tuple[frozenset[str] | None, bool]:
    """The sre-based analysis the package used before (clausetag 0.1.0's text.first_chars)."""
    chars: set[str] = set()
    digits = False

    class Any_(Exception):
        pass

    def seq(items: Any) -> bool:
        return all(item(op, av) for op, av in items)

    def item(op: Any, av: Any) -> bool:
        nonlocal digits
        if op is C.LITERAL:
            chars.add(chr(av))
            return False
        if op is C.IN:
            for iop, iav in av:
                if iop is C.LITERAL:
                    chars.add(chr(iav))
                elif iop is C.RANGE and iav[1] - iav[0] < 4096:
                    chars.update(chr(x) for x in range(iav[0], iav[1] + 1))
                elif iop is C.CATEGORY and iav is C.CATEGORY_DIGIT:
                    digits = True
                else:
                    raise Any_
            return False
        if op is C.BRANCH:
            empty = False
            for alt in av[1]:
                empty = seq(alt) or empty
            return empty
        if op is C.SUBPATTERN:
            if av[1] & (C.SRE_FLAG_IGNORECASE | C.SRE_FLAG_LOCALE):
                raise Any_
            return seq(av[3])
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) or op is getattr(C, "POSSESSIVE_REPEAT", None):
            return seq(av[2]) or av[0] == 0
        if op is getattr(C, "ATOMIC_GROUP", None):
            return seq(av)
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            return True
        raise Any_

    try:
        flags = re.compile(pattern, flags).flags  # the old code got a compiled pattern: inline flags count
        if flags & (re.IGNORECASE | re.LOCALE):
            raise Any_
        if seq(P.parse(pattern, flags).data):
            raise Any_
    except Exception:
        return None, False
    return frozenset(chars), digits


def oracle_line_anchored(pattern: str) -> bool:
    data = P.parse(pattern, re.MULTILINE).data
    return bool(data) and data[0] == (C.AT, C.AT_BEGINNING)


def oracle_max_width(pattern: str) -> int:
    """re's widest match, with its "unbounded" value (which differs between versions) as MAXREPEAT."""
    return min(int(P.parse(pattern).getwidth()[1]), patterns.MAXREPEAT)


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def rule_patterns() -> list[str]:
    """Every string of the shipped rule files that compiles as a regex, and the combinations the
    splitter builds from them (all headings as one alternation)."""
    out: set[str] = set()
    for path in sorted(RULES.rglob("*.yaml")):
        for s in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            try:
                re.compile(s)
            except re.error:
                continue
            out.add(s)
    for name in ("default", "regulation"):
        headings = load_rule_set(name).rules.get("headings") or []
        out.add("|".join(f"(?P<{h['type']}>{h['pattern']})" for h in headings))
        out.add("|".join(f"(?:{h['pattern']})" for h in headings))
    return sorted(out)


GOLDEN = [
    r"abc", r"[一二三四五六七八九十]+、", r"^第[0-9]+条", r"(?:^|\n)\d+\.", r"a?b", r"a*", r"[^a]b", r"\s*x",
    r"(?i)abc", r"(?i:a)b", r"a|b|^c", r"^a|^b", r"(?=x)y", r"(?<!x)y", r"\bfoo", r"(a)\1", r"(?P<n>ab)(?P=n)",
    r"x{2,5}", r"x{,3}y", r"x{3}", r"x{2,}", r"a{", r"a{x}", r"[\d.]", r"[a-z0-9_]", r"[\u4e00-\u9fff]",
    r"\u3001|\x41", r"[-a]", r"[a-]", r"[]a]", r"(?#note)ab", r"(?>ab)c", r"a++b", r"a*?b", r"(a)?(?(1)b|cd)", r".",
    r"\.\(", r"\Aab", r"ab\Z", r"$", r"", r"(?m)^x", r"(?s:.)y", r"[\s\S]", r"\t\n", r"(a|)b", r"(?:ab)+",
]


@pytest.mark.parametrize("pattern", GOLDEN + rule_patterns())
def test_same_answers_as_re_parser(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error:
        pytest.skip("syntax newer than this Python's re (atomic groups, possessive repeats: 3.11)")
    assert patterns.first_chars(pattern) == oracle_first_chars(pattern)
    assert patterns.first_chars(pattern, re.MULTILINE) == oracle_first_chars(pattern, re.MULTILINE)
    assert patterns.line_anchored(pattern) == oracle_line_anchored(pattern)
    assert patterns.max_width(pattern) == oracle_max_width(pattern)


def test_rule_files_give_enough_patterns() -> None:
    found = rule_patterns()
    assert len(found) > 50 and any("第" in p for p in found)


def test_flags_and_unknown_syntax_give_the_safe_answer() -> None:
    assert patterns.first_chars("abc", re.IGNORECASE) == (None, False)
    assert patterns.first_chars("a*") == (None, False)  # can match the empty string
    assert patterns.first_chars(r"\w+") == (None, False)
    assert patterns.first_chars(r"\d+年") == (frozenset(), True)
    assert patterns.max_width("a+") == patterns.MAXREPEAT
    assert not patterns.line_anchored("(")  # not a regex: no claim
    with pytest.raises(patterns.PatternSyntaxError):
        patterns.parse("(ab")


def test_no_private_re_modules_in_the_package() -> None:
    package = Path(__file__).resolve().parents[1] / "clausetag"
    used = [str(p) for p in package.rglob("*.py")
            if re.search(r"^\s*(?:import|from)\s+(?:re\._|sre_)", p.read_text(encoding="utf-8"), re.M)]
    assert used == []
