"""`thaibench board build RUN_DIRS...`: rank candidates from finished runs; write the site.

Reads only run directories (results.json, scores.jsonl, the prompts' hashes in
generations.jsonl), never a model. Writes OUT/leaderboard.json (schema-versioned),
OUT/leaderboard.md and OUT/site/ (open OUT/site/index.html from disk or publish the folder).
Runs whose task version, data, prompts, scorer versions, judge or generation settings differ are
refused; `--allow-mixed` ranks them anyway and flags them in every output.
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "board"
ORDER = 60
HELP = "rank candidates from run directories: leaderboard.json, leaderboard.md and a static site"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="board_command", metavar="ACTION", required=True)
    b = sub.add_parser("build", help="rank the runs under RUN_DIRS and write the leaderboard")
    b.add_argument("run_dirs", nargs="+", metavar="RUN_DIRS", help="run directories or output folders")
    b.add_argument("--board", default=None, help="board name (default th_en_reasoning); see `board list`")
    b.add_argument("--out", default="leaderboard", help="output folder (default ./leaderboard)")
    b.add_argument("--split", choices=("all", "select", "report"),
                   help="samples to rank on (default: the board's split, usually report)")
    b.add_argument("--allow-mixed", action="store_true",
                   help="rank runs whose settings differ anyway; every output flags them")
    b.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    b.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    b.add_argument("--examples", type=int, default=3, help="example samples per task on candidate pages")
    b.add_argument("--no-site", action="store_true", help="write only leaderboard.json and leaderboard.md")
    sub.add_parser("list", help="list the boards")


def run(args: argparse.Namespace) -> int:
    if args.board_command == "list":
        return _list()
    import sys

    from thaibench.errors import UserError
    from thaibench.leaderboards.board import DEFAULT_BOARD
    from thaibench.leaderboards.markdown import render
    from thaibench.leaderboards.rank import RankOptions, build_leaderboard
    from thaibench.leaderboards.runs import load_runs
    from thaibench.records import write_json_atomic

    if args.resamples < 10:
        raise UserError("--resamples must be at least 10")
    notes: list[str] = []
    runs = load_runs(args.run_dirs, notes)
    for n in notes:
        print(f"thaibench: {n}", file=sys.stderr)
    lb = build_leaderboard(runs, args.board or DEFAULT_BOARD,
                           RankOptions(split=args.split, n_boot=args.resamples, seed=args.seed,
                                       allow_mixed=args.allow_mixed))
    lb["notes"] = notes + lb["notes"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "leaderboard.json", lb)
    md = render(lb)
    (out / "leaderboard.md").write_text(md, encoding="utf-8")
    for m in lb["mixed"]:
        print(f"thaibench: WARNING: mixed settings ranked anyway: {m['message']}", file=sys.stderr)
    print(md)
    print(f"wrote {out / 'leaderboard.json'}, {out / 'leaderboard.md'}")
    if not args.no_site:
        from thaibench.leaderboards.site.build import build_site

        index = build_site(lb, runs, out / "site", args.examples)
        print(f"site: {index}")
    return 0


def _list() -> int:
    from thaibench.leaderboards.board import BOARDS, get_board

    for name in BOARDS.names():
        b = get_board(name, {})
        print(f"{name}: {b.description} (ranks on {b.split}, by {b.rank_by})")
    return 0
