"""`thaibench tasks`: list tasks, their languages and suites (fast: no data, no models)."""

from __future__ import annotations

import argparse

NAME = "tasks"
ORDER = 20
HELP = "list tasks and suites"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verbose", "-v", action="store_true", help="also show data sources and quirks")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from thaibench.task import TASKS, suites

    table = Table(title="tasks")
    for col in ("task", "langs", "suites", "description"):
        table.add_column(col)
    if args.verbose:
        table.add_column("data")
    for name in TASKS.names():
        t = TASKS.get(name)
        row = [name, ",".join(t.langs), ",".join(t.suites), t.description]
        if args.verbose:
            src = "; ".join(f"{lang}: {s.hub_id or '-'} | {s.local or '-'}" for lang, s in t.sources.items())
            row.append(src + (f"\n{t.quirks}" if t.quirks else ""))
        table.add_row(*row)
    console = Console()
    console.print(table)
    for s, names in sorted(suites().items()):
        console.print(f"suite [bold]{s}[/bold]: {', '.join(names)}")
    return 0
