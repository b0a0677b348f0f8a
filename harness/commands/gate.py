"""`thaibench gate --baseline A --candidate B`: fail CI when a candidate regresses.

Pairs the two on the samples both scored; per task and language (headline scorers by default)
and overall: a cluster-bootstrap interval of the difference, the exact McNemar test for 0/1
scores, Holm's correction across the metrics tested. A regression is a drop larger than
--max-drop points (percentage points for accuracies) that is also significant.
Exit 0: no regression; 1: a regression; 2: unusable input (no shared samples, different task
versions, data or prompts). `--report FILE` writes a markdown report fit for a PR comment.
"""

from __future__ import annotations

import argparse

NAME = "gate"
ORDER = 65
HELP = "paired regression test of a candidate against a baseline (exit 1 on a regression)"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--baseline", required=True, help="run directory or one candidate's output folder")
    p.add_argument("--candidate", required=True, help="run directory or one candidate's output folder")
    p.add_argument("--metric", action="append", default=[], metavar="TASK[:LANG][/SCORER]",
                   help="metric to test (repeatable; * for any task); default: each task's headline per language")
    p.add_argument("--max-drop", type=float, default=1.0,
                   help="allowed drop in points of the metric (percentage points for accuracies; default 1.0)")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level after Holm (default 0.05)")
    p.add_argument("--split", default="all", choices=("all", "select", "report"))
    p.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default 2000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--allow-mixed", action="store_true",
                   help="compare although generation settings, scorer versions or judges differ (flagged)")
    p.add_argument("--report", metavar="FILE", help="write the markdown report here")
    p.add_argument("--json", metavar="FILE", help="write the result as JSON here")


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from thaibench.errors import UserError
    from thaibench.leaderboards.gate import GateOptions, report_markdown, result_dict, run_gate
    from thaibench.leaderboards.runs import load_runs

    if not 0 < args.alpha < 1:
        raise UserError("--alpha must be between 0 and 1")
    if args.max_drop < 0 or args.resamples < 10:
        raise UserError("--max-drop must be >= 0 and --resamples >= 10")
    opt = GateOptions(metrics=tuple(args.metric), max_drop=args.max_drop, alpha=args.alpha,
                      n_boot=args.resamples, seed=args.seed, split=args.split, allow_mixed=args.allow_mixed)
    res = run_gate(load_runs([args.baseline]), load_runs([args.candidate]), opt)
    md = report_markdown(res)
    print(md)
    if args.report:
        Path(args.report).write_text(md, encoding="utf-8")
    if args.json:
        from thaibench.records import dumps

        Path(args.json).write_text(dumps(json.loads(dumps(result_dict(res))), indent=2) + "\n", encoding="utf-8")
    return res.exit_code
