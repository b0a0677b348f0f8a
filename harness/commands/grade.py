"""`thaibench grade TASK FILE.jsonl`: score responses produced elsewhere, as `score` would.

Each line of FILE is {"id": SAMPLE_ID, "response": TEXT} (or an inline "target"; see
thaibench.grade for every field). The run directory is the usual one, under the candidate id
made from the file's sha256; the summary table is printed. A file with unusable lines (not
JSON, unknown or duplicate ids, no response) is refused with their line numbers unless
--skip-bad is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from thaibench.commands._common import RichHooks, add_data_args, out_dir

NAME = "grade"
ORDER = 12
HELP = "score responses produced elsewhere (JSON lines with id and response)"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("task", help="task name, or name:lang (e.g. mgsm:th)")
    p.add_argument("file", help="JSON lines: {\"id\": ..., \"response\": ...} per line")
    p.add_argument("--name", help="name shown for these responses (default: the file name)")
    p.add_argument("--think-opened", action="store_true",
                   help="the responses continue a prompt whose template opened <think> "
                        "(e.g. DeepSeek-R1): text before </think> is the trace, and a response "
                        "without </think> is an unfinished trace with no answer")
    p.add_argument("--skip-bad", action="store_true",
                   help="grade the usable lines and record the skipped ones instead of refusing the file")
    p.add_argument("--out", help="output directory (default ./thaibench-out or $THAIBENCH_OUT)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_data_args(p)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from thaibench.errors import UserError
    from thaibench.grade import grade_file
    from thaibench.report import results_table
    from thaibench.task import resolve

    selections = resolve([args.task], [])
    if len(selections) != 1:
        raise UserError(f"grade takes one task, got {args.task!r}")
    sel = selections[0]
    out = out_dir(args)
    with RichHooks(args.quiet) as rh:
        tr, res = grade_file(Path(args.file), sel.task, sel.langs, out, name=args.name, data_dir=args.data_dir,
                             think_opened=args.think_opened, skip_bad=args.skip_bad, hooks=rh.hooks())
    results = tr.results or {}
    console = Console()
    console.print(results_table([results], title=f"{results['candidate']['name']} ({results['candidate']['id']})"))
    cover = ", ".join(f"{lang}: {d['graded']}" + (f" of {d['of']}" if d.get("of") else "")
                      for lang, d in res.coverage.items())
    console.print(f"graded {len(res.items)} responses from {args.file} ({cover} samples); run directory {tr.dir}")
    if res.problems:
        print(f"thaibench: skipped {len(res.problems)} unusable lines: {res.summary()}", file=sys.stderr)
    if results.get("errors"):
        print(f"thaibench: {results['errors']} responses are marked as errors in the file "
              "(counted as errors, not as wrong answers)", file=sys.stderr)
        return 3
    return 0

