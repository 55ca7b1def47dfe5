"""Command line: ``clausetag split|extract|tag|train|evaluate|pretrain|score|validate|split-eval|import-e5|export-encoder|export-onnx|select|export-tasks|import-annotations|apply-units``.

The library modules hold pure functions; this package only parses arguments, calls them and turns the
outcome into output and an exit status. One module per group of commands:

============================  =====================================================================
``clausetag.cli.text``        ``split``, ``extract``
``clausetag.cli.tag``         ``tag``
``clausetag.cli.harness``     ``train``, ``evaluate``, ``score``, ``pretrain``
``clausetag.cli.validate``    ``validate``
``clausetag.cli.spliteval``   ``split-eval``
``clausetag.cli.pretrained``  ``import-e5``, ``export-encoder``, ``export-onnx``
``clausetag.cli.annotate``    ``select``, ``export-tasks``, ``import-annotations``, ``apply-units``
============================  =====================================================================

Adding a command: write a module here with ``add_parsers(subparsers)`` that calls
``subparsers.add_parser(...)`` and ``set_defaults(func=...)``, where ``func(args) -> int`` returns the
exit status; then list the module in :data:`COMMAND_MODULES` (the order is the order in ``--help``).
Import heavy libraries (torch, transformers) inside ``func``, never at module level, so that
``clausetag --help`` and ``clausetag split`` stay fast and work on the base install.

Errors: a command raises :class:`~clausetag.cli.errors.UserError` (or lets a library error through)
and :func:`main` prints one line, ``clausetag COMMAND: error: …``, with no traceback unless ``--debug``
(before or after the command name) or ``CLAUSETAG_DEBUG=1`` is given.

Exit status (``docs/cli.md``): 0 success, 1 the command ran but some input failed (or validation found
problems, or a run stopped part-way), 2 the command could not start (usage error, missing or unusable
input/output/model/config, missing extra or device; argparse's own errors also exit 2; nothing written),
3 internal error (a bug), 130 interrupted (``tag``: 128 + the signal number).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
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
    "clausetag.cli.annotate",
)


def build_parser() -> argparse.ArgumentParser:
    """The ``clausetag`` argument parser with every subcommand of :data:`COMMAND_MODULES`."""
    parser = argparse.ArgumentParser(
        prog="clausetag",
        description="Split, tag and extract quantities from Chinese official policy documents.",
        epilog="exit status: 0 ok; 1 some inputs failed (the rest is written) or a run stopped part-way; "
               "2 the command could not start (bad option, missing or unusable input, output, model, "
               "extra or device; nothing written); 3 internal error (rerun with --debug); 130 interrupted. "
               "See docs/cli.md.",
    )
    parser.add_argument("--version", action="version", version=f"clausetag {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parsers(sub)
    for cmd in sub.choices.values():  # also after the command name; SUPPRESS keeps a --debug given before
        cmd.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                         help="show the full traceback of an error")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the ``clausetag`` console script)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (Exception, KeyboardInterrupt) as exc:
        from clausetag.cli.errors import explain

        code, message = explain(exc)
        if args.debug or os.environ.get("CLAUSETAG_DEBUG"):
            traceback.print_exc()
        kind = "" if code == 130 else "error: "
        print(f"clausetag {args.command}: {kind}{message}", file=sys.stderr)
        return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
