"""`thaibench judge RUN_DIR... --judge SPEC`: (re-)judge finished generations, no generation.

Judgements by the same judge are reused; another judge gets its own judgements and the
results are rewritten for it. A judge that cannot be reached fails with a clear error and the
same command resumes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from thaibench.commands._common import add_judge_args, make_judge

NAME = "judge"
ORDER = 32
HELP = "judge finished generations of judged tasks (MT-Bench) with a model judge"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", help="run directories or output directories")
    p.add_argument("--data-dir")
    p.add_argument("--pairwise", metavar="BASELINE_RUN",
                   help="judge against a baseline run of the same task, both orders; writes pairwise-<run>.json")
    add_judge_args(p)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from thaibench.commands._common import RichHooks
    from thaibench.errors import UserError
    from thaibench.judge import pairwise_report, run_judge
    from thaibench.records import RESULTS_FILE, read_json
    from thaibench.report import results_table
    from thaibench.run import TaskRun, finish
    from thaibench.rundirs import find_run_dirs, run_items

    judge = make_judge(args)
    if judge is None:
        raise UserError("name the judge: --judge openai:MODEL@URL or --judge hf:PATH")
    results: list = []
    pairwise: list = []
    with RichHooks() as rh:
        for root in args.paths:
            for d in find_run_dirs(Path(root)):
                task, items, data = run_items(d, args.data_dir)
                if not task.judge_requests:
                    continue
                langs = tuple(lang for lang in task.langs if lang in data)
                tr = TaskRun(d, read_json(d / "run.json")["run_id"], task, langs)
                if args.pairwise:
                    pairwise.append((d, pairwise_report(tr, items, judge, Path(args.pairwise), args.data_dir,
                                                        rh.hooks())))
                    continue
                rec = run_judge(tr, items, judge, args.data_dir, rh.hooks())
                prev = read_json(d / RESULTS_FILE).get("selection", {}) if (d / RESULTS_FILE).exists() else {}
                finish(tr, items, rh.hooks(), {k: prev.get(k) for k in ("split", "limit", "epochs")}, data, rec)
                results.append(tr.results)
    if pairwise:
        _print_pairwise(pairwise)
        return 0
    if not results:
        raise UserError("no runs of judged tasks under the given paths")
    Console().print(results_table(results, title=f"judged by {judge.spec}"))
    return 0


def _print_pairwise(reports: list) -> None:
    from rich.console import Console
    from rich.table import Table

    for d, rep in reports:
        base = rep["judge"]["baseline"]
        table = Table(title=f"win rate of {d} against {base['candidate'].get('name')} ({base['run_id']}), "
                            f"judged by {rep['judge']['spec']} in both orders")
        for col in ("lang", "category", "win rate", "n", "no verdict"):
            table.add_column(col)
        for m in rep["metrics"]:
            v = m["value"]
            se = m["stderr"]
            cell = "-" if v is None or v != v else f"{100 * v:.1f}" + (f" ±{196 * se:.1f}" if se else "")
            table.add_row(m["group"], m["slice"] or "all", cell, str(m["n"]), str(m["n_nan"]))
        Console().print(table)
