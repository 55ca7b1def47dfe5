"""The ``clausetag`` parser for sphinx-argparse, with help texts made safe for reStructuredText.

sphinx-argparse parses every help string as reStructuredText, so a glob such as ``*.jsonl`` would open
an emphasis. This wrapper escapes the inline markup characters of each help text, description and epilog;
the command line itself is unchanged (``clausetag.cli.build_parser``).
"""
from __future__ import annotations

import argparse
import re

from clausetag.cli import build_parser as _build_parser

_SPECIAL = re.compile(r"([\\*`_|])")


def _escape(text: str | None) -> str | None:
    return None if text is None or text is argparse.SUPPRESS else _SPECIAL.sub(r"\\\1", text)


def _walk(parser: argparse.ArgumentParser) -> None:
    parser.description = _escape(parser.description)
    parser.epilog = _escape(parser.epilog)
    for action in parser._actions:
        if isinstance(action.help, str) and action.help is not argparse.SUPPRESS:
            action.help = _escape(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = _escape(choice.help)
            for sub in action.choices.values():
                _walk(sub)


def build_parser() -> argparse.ArgumentParser:
    """``clausetag.cli.build_parser()`` with escaped help texts (for the docs only)."""
    parser = _build_parser()
    _walk(parser)
    return parser
