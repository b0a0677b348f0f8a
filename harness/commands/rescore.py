"""`thaibench rescore RUN_DIR...`: score existing generations again with the current scorers.

Nothing is generated. Scores whose scorer version is unchanged are reused unless `--force`;
a fixed extractor with a bumped version re-scores by itself.
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "rescore"
ORDER = 31
HELP = "re-score existing generations with the current scorers (no generation)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", help="run directories or output directories")
    p.add_argument("--force", action="store_true", help="recompute every score, even with unchanged versions")
    p.add_argument("--data-dir")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from thaibench.records import RESULTS_FILE, SCORES_FILE, read_json
    from thaibench.report import results_table
    from thaibench.run import Hooks, TaskRun, finish
    from thaibench.rundirs import find_run_dirs, run_items

    console = Console()
    results = []
    for root in args.paths:
        for d in find_run_dirs(Path(root)):
            task, items, data = run_items(d, args.data_dir)
            prev = read_json(d / RESULTS_FILE).get("selection", {}) if (d / RESULTS_FILE).exists() else {}
            if args.force and (d / SCORES_FILE).exists():
                (d / SCORES_FILE).rename(d / (SCORES_FILE + ".old"))
            langs = tuple(lang for lang in task.langs if lang in data)
            tr = finish(TaskRun(d, read_json(d / "run.json")["run_id"], task, langs), items, Hooks(),
                        {k: prev.get(k) for k in ("split", "limit", "epochs")}, data)
            results.append(tr.results)
    console.print(results_table(results, title="rescored"))
    return 0
