"""Command line: ``clausetag split|extract|tag|train|evaluate|pretrain|score|validate|split-eval|import-e5|export-encoder|export-onnx``.

The library modules hold pure functions; this package only parses arguments, calls them and turns the
outcome into output and an exit status. One module per group of commands:

============================  ===================================================
``clausetag.cli.text``        ``split``, ``extract``
``clausetag.cli.tag``         ``tag``
``clausetag.cli.harness``     ``train``, ``evaluate``, ``score``, ``pretrain``
``clausetag.cli.validate``    ``validate``
``clausetag.cli.spliteval``   ``split-eval``
``clausetag.cli.pretrained``  ``import-e5``, ``export-encoder``, ``export-onnx``
============================  ===================================================

Adding a command: write a module here with ``add_parsers(subparsers)`` that calls
``subparsers.add_parser(...)`` and ``set_defaults(func=...)``, where ``func(args) -> int`` returns the
exit status; then list the module in :data:`COMMAND_MODULES` (the order is the order in ``--help``).
Import heavy libraries (torch, transformers) inside ``func``, never at module level, so that
``clausetag --help`` and ``clausetag split`` stay fast and work on the base install.

Exit status: 0 success, 1 the command ran but some input failed (or validation found problems),
2 usage error (argparse's own errors also exit 2), 130 interrupted.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from clausetag import __version__

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

#: Modules that contribute subcommands, each with ``add_parsers(subparsers)``, in ``--help`` order.
COMMAND_MODULES: tuple[str, ...] = (
    "clausetag.cli.text",
    "clausetag.cli.tag",
    "clausetag.cli.harness",
    "clausetag.cli.validate",
    "clausetag.cli.spliteval",
    "clausetag.cli.pretrained",
)


def build_parser() -> argparse.ArgumentParser:
    """The ``clausetag`` argument parser with every subcommand of :data:`COMMAND_MODULES`."""
    parser = argparse.ArgumentParser(
        prog="clausetag",
        description="Split, tag and extract quantities from Chinese official policy documents.",
    )
    parser.add_argument("--version", action="version", version=f"clausetag {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the ``clausetag`` console script)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
