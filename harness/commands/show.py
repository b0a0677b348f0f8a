"""`thaibench show RUN_OR_OUT_DIR`: re-render finished runs from their files (no model)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "show"
ORDER = 30
HELP = "re-render finished runs (a run directory or a whole output directory)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="a run directory or an output directory")
    p.add_argument("--switches", nargs="?", const=10, type=int, metavar="N",
                   help="print the N samples with the most code-switching, spans highlighted")
    p.add_argument("--json", action="store_true", help="print results.json contents instead of a table")


def run(args: argparse.Namespace) -> int:
    import json

    from rich.console import Console

    from thaibench.errors import UserError
    from thaibench.report import results_table
    from thaibench.rundirs import find_run_dirs, load_results

    console = Console()
    dirs = list(find_run_dirs(Path(args.path)))
    if not dirs:
        raise UserError(f"no run directories under {args.path}")
    results = []
    for d in dirs:
        try:
            results.append((d, load_results(d)))
        except UserError as exc:
            console.print(f"[yellow]{exc}[/yellow]")
    if args.json:
        print(json.dumps([r for _, r in results], ensure_ascii=False, indent=2))
        return 0
    by_candidate: dict[str, list] = {}
    for _, r in results:
        by_candidate.setdefault(f"{r['candidate'].get('name')} ({r['candidate']['id']})", []).append(r)
    for title, rs in by_candidate.items():
        console.print(results_table(rs, title=title))
    if args.switches:
        from thaibench.switches import print_switches

        for d, _ in results:
            print_switches(console, d, args.switches)
    return 0
