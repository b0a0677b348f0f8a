"""`thaibench demo`: the recipe in miniature, end to end, offline.

Builds (or reuses) the miniature world, sweeps the paper's M1, M2 and M3 presets and a linear
grid between `mini-th` and `mini-reasoner` on the `mini` suite (parents included; chosen on
`select`, reported on `report`), builds the leaderboard and its static site, and prints where
everything is. `--limit` keeps it to a few minutes on a laptop; drop it for the full suite.
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "demo"
ORDER = 5
HELP = "the recipe in miniature: sweep merges of the mini parents, rank them, build the site"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="thaibench-demo", help="output folder (default ./thaibench-demo)")
    p.add_argument("--grid", default="0:1:0.1", help="linear ratios LO:HI:STEP (default 0:1:0.1)")
    p.add_argument("--presets", default="m1,m2,m3", help="layer schedules (default m1,m2,m3)")
    p.add_argument("--limit", type=int, default=40, help="items per task and language (default 40)")
    p.add_argument("--quiet", action="store_true")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from thaibench.cli import main
    from thaibench.mini.build import DEFAULT_SUITE, ensure_mini

    console = Console()
    world = ensure_mini()
    out = Path(args.out)
    sweep = ["sweep", "--models", str(world["mini-th"]), str(world["mini-reasoner"]), "--grid", args.grid,
             "--presets", args.presets, "--suite", DEFAULT_SUITE, "--out", str(out)]
    if args.limit:
        sweep += ["--limit", str(args.limit)]
    if args.quiet:
        sweep.append("--quiet")
    rc = main(sweep)
    if rc:
        return rc
    board = out / "leaderboard"
    # every candidate is scored on `select` (the chosen one and the parents also on `report`), so
    # the full board ranks on `select`; the sweep's own summary printed the reported numbers
    rc = main(["board", "build", str(out / "runs"), "--out", str(board), "--split", "select"])
    if rc:
        return rc
    console.print(f"runs:        {out / 'runs'}")
    console.print(f"leaderboard: {board / 'leaderboard.md'} (json: {board / 'leaderboard.json'})")
    console.print(f"site:        {board / 'site' / 'index.html'} (open it in a browser, no server needed)")
    return 0
