"""A small analysis of the regular expressions in rule sets, without ``re``'s private parser.

The splitter skips a regex where a cheap test proves it cannot match: :func:`first_chars` (the characters
a match can start with), :func:`line_anchored` (the pattern starts with ``^``) and :func:`max_width` (the
most characters it can match). ``re._parser`` answers these on Python 3.11+ only (``sre_parse`` before),
and is private; this module parses Python's regex syntax itself, into a small tree, and is checked
against ``re._parser`` on every rule of the shipped rule sets (``tests/test_patterns.py``).

Anything it does not model (a back-reference's first characters, case-insensitive matching, a
negated or very large character class, ``\\s``/``\\w`` categories) gives the safe answer: "any first
character", "not anchored", "unbounded width".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["MAXREPEAT", "PatternSyntaxError", "first_chars", "line_anchored", "max_width", "parse"]

#: the width of an unbounded pattern (the value ``re`` uses)
MAXREPEAT = 2**32 - 1
#: character ranges wider than this count as "any character" for :func:`first_chars`
_MAX_RANGE = 4096


class PatternSyntaxError(ValueError):
    """A pattern this parser does not understand (``re`` would reject it as well, or it is exotic)."""


# ------------------------------------------------------------------------------------------- tree
@dataclass
class Node:
    """One element of a parsed pattern. ``kind``:

    * ``lit`` – one character (``chars``); ``set`` – a class: ``chars`` (None: any), ``digits``;
    * ``at`` – a zero-width anchor or look-around;
    * ``branch`` – alternatives ``items`` (each a sequence);
    * ``group`` – ``items[0]`` (a sequence), ``index`` (capturing group number or 0), ``icase``;
    * ``repeat`` – ``items[0]`` repeated ``lo``..``hi`` times (``hi`` MAXREPEAT: unbounded);
    * ``ref`` – a back-reference to group ``index``; ``cond`` – ``(?(g)yes|no)``: ``items`` [yes] or [yes, no].
    """

    kind: str
    chars: frozenset[str] | None = None
    digits: bool = False
    items: list[list[Node]] = field(default_factory=list)
    index: int = 0
    lo: int = 0
    hi: int = 0
    icase: bool = False


_CLASS_ESCAPES: dict[str, tuple[frozenset[str] | None, bool]] = {"d": (frozenset(), True)}  # \d: decimal digits; other classes count as "any"
_CHAR_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "b": "\b", "\\": "\\"}
_ANCHOR_ESCAPES = set("AbBZ")
_FLAG_LETTERS = set("aiLmsux")


class _Parser:
    def __init__(self, pattern: str, verbose: bool) -> None:
        self.s = pattern
        self.i = 0
        self.verbose = verbose
        self.groups = 0
        self.named: dict[str, int] = {}
        self.global_icase = False

    # -- characters
    def peek(self) -> str | None:
        return self.s[self.i] if self.i < len(self.s) else None

    def take(self) -> str:
        if self.i >= len(self.s):
            raise PatternSyntaxError(f"unexpected end of pattern {self.s!r}")
        c = self.s[self.i]
        self.i += 1
        return c

    def skip_verbose(self) -> None:
        while self.verbose and self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\n\r\f\v":
                self.i += 1
            elif c == "#":
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
            else:
                break

    # -- grammar
    def alternation(self) -> list[Node]:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else [Node("branch", items=branches)]

    def sequence(self) -> list[Node]:
        out: list[Node] = []
        while True:
            self.skip_verbose()
            c = self.peek()
            if c is None or c in "|)":
                return out
            atom = self.atom()
            if atom is None:
                continue
            self.skip_verbose()
            out.append(self.quantified(atom))

    def quantified(self, atom: Node) -> Node:
        c = self.peek()
        if c in ("*", "+", "?"):
            self.i += 1
            lo, hi = {"*": (0, MAXREPEAT), "+": (1, MAXREPEAT), "?": (0, 1)}[c]
        elif c == "{":
            m = re.compile(r"\{(\d*)(?:(,)(\d*))?\}").match(self.s, self.i)
            if m is None or (not m.group(1) and not m.group(2)):
                return atom  # a literal "{" (re does the same)
            self.i = m.end()
            lo = int(m.group(1) or 0)
            hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else MAXREPEAT)
        else:
            return atom
        if self.peek() in ("?", "+"):  # lazy or possessive: same widths and first characters
            self.i += 1
        if atom.kind == "at":
            raise PatternSyntaxError(f"nothing to repeat in {self.s!r}")
        return Node("repeat", items=[[atom]], lo=lo, hi=hi)

    def atom(self) -> Node | None:
        c = self.take()
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == ".":
            return Node("set", chars=None)
        if c == "^":
            return Node("at", index=-1)  # the one anchor line_anchored() looks for
        if c == "$":
            return Node("at")
        if c == "\\":
            return self.escape()
        return Node("lit", chars=frozenset(c))

    def escape(self) -> Node:
        c = self.take()
        if c in _ANCHOR_ESCAPES:
            return Node("at")
        if c.isdigit() and c != "0":
            digits = c
            while (self.peek() or "").isdigit() and len(digits) < 2:
                digits += self.take()
            return Node("ref", index=int(digits))
        if c in "dDsSwW":
            chars, digit = _CLASS_ESCAPES.get(c, (None, False))
            return Node("set", chars=chars, digits=digit)
        return Node("lit", chars=frozenset(self.char_escape(c)))

    def char_escape(self, c: str) -> str:
        """The character of an escape whose letter ``c`` was just read (not a class or an anchor)."""
        if c in _CHAR_ESCAPES:
            return _CHAR_ESCAPES[c]
        if c in "xuU":
            n = {"x": 2, "u": 4, "U": 8}[c]
            code = self.s[self.i:self.i + n]
            if len(code) != n or not all(ch in "0123456789abcdefABCDEF" for ch in code):
                raise PatternSyntaxError(f"bad \\{c} escape in {self.s!r}")
            self.i += n
            return chr(int(code, 16))
        if c == "N":
            raise PatternSyntaxError("\\N{...} escapes are not supported")
        if c == "0":
            code = c
            while (self.peek() or "") in "01234567" and self.peek() is not None and len(code) < 3:
                code += self.take()
            return chr(int(code, 8))
        if c.isalnum():
            raise PatternSyntaxError(f"bad escape \\{c} in {self.s!r}")
        return c

    def char_class(self) -> Node:
        chars: set[str] = set()
        digits = False
        whole = False  # "any": negated, other categories, huge ranges
        if self.peek() == "^":
            self.i += 1
            whole = True
        first = True
        while True:
            c = self.take()
            if c == "]" and not first:
                break
            first = False
            lo: str | None
            if c == "\\":
                e = self.take()
                if e in "dDsSwW":
                    if e == "d":
                        digits = True
                    else:
                        whole = True
                    continue
                lo = "\b" if e == "b" else self.char_escape(e)
            else:
                lo = c
            if self.peek() == "-" and self.i + 1 < len(self.s) and self.s[self.i + 1] != "]":
                self.i += 1
                h = self.take()
                hi = self.char_escape(self.take()) if h == "\\" else h
                if ord(hi) < ord(lo):
                    raise PatternSyntaxError(f"bad character range {lo}-{hi} in {self.s!r}")
                if ord(hi) - ord(lo) >= _MAX_RANGE:
                    whole = True
                else:
                    chars.update(chr(x) for x in range(ord(lo), ord(hi) + 1))
            else:
                chars.add(lo)
        return Node("set", chars=None if whole else frozenset(chars), digits=digits and not whole)

    def group(self) -> Node | None:
        icase = False
        index = 0
        if self.peek() == "?":
            self.i += 1
            c = self.take()
            if c == "#":  # comment
                while self.take() != ")":
                    pass
                return None
            if c == ":":
                pass
            elif c == ">":
                pass  # atomic group
            elif c in "=!":
                self.alternation_until_close()
                return Node("at")
            elif c == "<" and self.peek() in ("=", "!"):
                self.i += 1
                self.alternation_until_close()
                return Node("at")
            elif c == "P" and self.peek() == "=":
                self.i += 1
                name = self.name_until(")")
                return Node("ref", index=self.named.get(name, 0))
            elif c == "P" or c == "<":
                if c == "P" and self.take() != "<":
                    raise PatternSyntaxError(f"bad group in {self.s!r}")
                name = self.name_until(">")
                self.groups += 1
                index = self.groups
                self.named[name] = index
            elif c == "(":
                ref = self.name_until(")")
                yes = self.sequence()
                items = [yes]
                if self.peek() == "|":
                    self.i += 1
                    items.append(self.sequence())
                if self.take() != ")":
                    raise PatternSyntaxError(f"unbalanced parenthesis in {self.s!r}")
                return Node("cond", items=items, index=int(ref) if ref.isdigit() else self.named.get(ref, 0))
            elif c in _FLAG_LETTERS or c == "-":
                flags = c
                while self.peek() not in (":", ")"):
                    flags += self.take()
                on = flags.split("-")[0]
                if self.take() == ")":  # global flags, e.g. (?i) at the start
                    if "x" in on:
                        self.verbose = True
                    if "i" in on:
                        self.global_icase = True
                    return None
                icase = "i" in on
            else:
                raise PatternSyntaxError(f"unknown extension (?{c} in {self.s!r}")
        else:
            self.groups += 1
            index = self.groups
        body = self.alternation()
        if self.take() != ")":
            raise PatternSyntaxError(f"unbalanced parenthesis in {self.s!r}")
        return Node("group", items=[body], index=index, icase=icase)

    def alternation_until_close(self) -> None:
        self.alternation()
        if self.take() != ")":
            raise PatternSyntaxError(f"unbalanced parenthesis in {self.s!r}")

    def name_until(self, end: str) -> str:
        j = self.s.find(end, self.i)
        if j < 0:
            raise PatternSyntaxError(f"missing {end} in {self.s!r}")
        name, self.i = self.s[self.i:j], j + 1
        return name


def parse(pattern: str, flags: int = 0) -> tuple[list[Node], bool]:
    """The tree of ``pattern`` and whether it matches case-insensitively (flag or inline ``(?i)``)."""
    p = _Parser(pattern, bool(flags & re.VERBOSE))
    tree = p.alternation()
    if p.i != len(pattern):
        raise PatternSyntaxError(f"unbalanced parenthesis in {pattern!r}")
    return tree, p.global_icase or bool(flags & re.IGNORECASE)


# ----------------------------------------------------------------------------------------- answers
class _AnyChar(Exception):
    pass


def first_chars(pattern: str, flags: int = 0) -> tuple[frozenset[str] | None, bool]:
    """``(chars, digits)``: a match of ``pattern`` must start with one of ``chars`` or, when ``digits``,
    a decimal digit. ``chars is None``: any character (also for case-insensitive patterns, patterns
    that can match the empty string and what this parser does not model)."""
    chars: set[str] = set()
    digits = False

    def seq(items: list[Node]) -> bool:
        """Add the first characters of a sequence; return whether it can match empty."""
        return all(item(node) for node in items)

    def item(node: Node) -> bool:
        nonlocal digits
        if node.kind == "lit" or node.kind == "set":
            if node.chars is None:
                raise _AnyChar
            chars.update(node.chars)
            digits = digits or node.digits
            return False
        if node.kind == "at":
            return True  # zero-width: narrows, never widens, the first characters
        if node.kind == "branch":
            empty = False
            for alt in node.items:
                empty = seq(alt) or empty
            return empty
        if node.kind == "group":
            if node.icase:
                raise _AnyChar
            return seq(node.items[0])
        if node.kind == "repeat":
            return seq(node.items[0]) or node.lo == 0
        raise _AnyChar  # back-references, conditionals

    try:
        tree, icase = parse(pattern, flags)
        if icase or flags & re.LOCALE or seq(tree):
            raise _AnyChar
    except (_AnyChar, PatternSyntaxError):
        return None, False
    return frozenset(chars), digits


def line_anchored(pattern: str) -> bool:
    """Whether ``pattern`` starts with ``^`` at top level, in every alternative (so, with
    ``re.MULTILINE``, it can only match at the start of a line)."""
    try:
        tree, _ = parse(pattern, re.MULTILINE)
    except PatternSyntaxError:
        return False
    alternatives = tree[0].items if len(tree) == 1 and tree[0].kind == "branch" else [tree]
    return all(_starts_with_caret(alt) for alt in alternatives)


def _starts_with_caret(items: list[Node]) -> bool:
    return bool(items) and items[0].kind == "at" and items[0].index == -1


def max_width(pattern: str, flags: int = 0) -> int:
    """The most characters ``pattern`` can match (:data:`MAXREPEAT` when unbounded)."""
    tree, _ = parse(pattern, flags)
    groups: dict[int, int] = {}

    def seq(items: list[Node]) -> int:
        return min(sum(width(node) for node in items), MAXREPEAT)

    def width(node: Node) -> int:
        if node.kind in ("lit", "set"):
            return 1
        if node.kind == "at":
            return 0
        if node.kind == "branch":
            return max(seq(alt) for alt in node.items)
        if node.kind == "group":
            w = seq(node.items[0])
            if node.index:
                groups[node.index] = w
            return w
        if node.kind == "repeat":
            w = seq(node.items[0])
            if node.hi == MAXREPEAT and w:
                return MAXREPEAT
            return min(w * node.hi, MAXREPEAT)
        if node.kind == "ref":
            return groups.get(node.index, MAXREPEAT)
        if node.kind == "cond":
            return max(seq(alt) for alt in node.items)
        raise AssertionError(node.kind)

    return seq(tree)
