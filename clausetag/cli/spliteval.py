"""``clausetag split-eval``: boundary and heading P/R/F1 of the splitter against whole-document gold."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from clausetag.cli.errors import UserError


def add_parsers(subparsers: Any) -> None:
    """Add ``split-eval GOLD...``."""
    p = subparsers.add_parser(
        "split-eval",
        help="score the splitter's clause boundaries and headings against gold clause JSONL",
        description="Boundary and heading precision/recall/F1 of the splitter (or of --pred clause JSONL) "
                    "against gold clause JSONL files whose raw <doc_id>.txt texts sit beside them; a gold "
                    "clause is a heading when its label is 'heading'. Offsets are compared after "
                    "whitespace-insensitive alignment (see docs/splitting.md).",
    )
    p.add_argument("gold", nargs="+", help="gold JSONL files or folders (e.g. labels/policy_heldout)")
    p.add_argument("--pred", nargs="+", default=None,
                   help="clause JSONL to score instead of running the splitter (e.g. a second annotation)")
    p.add_argument("--rules", default=None, help="splitter rule set: a packaged name or a YAML path (default: default)")
    p.add_argument("--json", dest="json_out", default=None, help="also write the full report as JSON here")
    p.set_defaults(func=run_split_eval)


def run_split_eval(args: argparse.Namespace) -> int:
    """Print the Markdown table; 0 on success, 2 (one error line) when the input cannot be evaluated."""
    from clausetag.harness.split_eval import SplitEvalError, evaluate_split, split_eval_markdown
    from clausetag.segment.rulesets import RuleSetError

    try:
        report = evaluate_split(args.gold, pred=args.pred, rules=args.rules)
    except (SplitEvalError, RuleSetError, OSError, UnicodeDecodeError) as exc:
        raise UserError(str(exc)) from None
    sys.stdout.write(split_eval_markdown(report))
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(report, fh, ensure_ascii=False, indent=1)
    return 0
