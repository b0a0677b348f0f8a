"""`thaibench recipe run RECIPE.yaml`: SFT data -> SFT -> merge sweeps -> scores -> boards, resumable.

The stages and the recipe file are described in docs/recipe.md; `thaibench recipe run mini`
runs the bundled miniature recipe (thaibench/merge/recipes/mini.yaml) offline on the
miniature parents. A re-run resumes: built data, trained SFT candidates and finished runs are
found by their content ids and not redone.
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "recipe"
ORDER = 46
HELP = "run the whole recipe (SFT data, SFT, merge sweeps, scores, boards) from one file"
DESCRIPTION = __doc__
BUNDLED = ("mini",)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="recipe_command", metavar="ACTION", required=True)
    r = sub.add_parser("run", help="run or resume a recipe")
    r.add_argument("recipe", help="recipe YAML, or a bundled recipe name (mini)")
    r.add_argument("--out", help="output folder (default thaibench-out/recipe-NAME)")
    r.add_argument("--quiet", action="store_true")


def bundled_path(name: str) -> Path:
    from importlib.resources import files

    return Path(str(files("thaibench.merge") / "recipes" / f"{name}.yaml"))


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from thaibench.recipe import load_recipe, run_recipe

    path = bundled_path(args.recipe) if args.recipe in BUNDLED and not Path(args.recipe).exists() else Path(args.recipe)
    recipe = load_recipe(path)
    out = Path(args.out or os.path.join(os.environ.get("THAIBENCH_OUT", "thaibench-out"), f"recipe-{recipe.name}"))
    summary = run_recipe(recipe, out, (lambda _m: None) if args.quiet else (lambda m: print(m, file=sys.stderr)),
                         quiet=args.quiet)
    roles = summary["roles"]
    print(f"recipe {recipe.name}: SFT candidate {summary['stages']['sft']['candidate']}, "
          f"{len(roles['merges'])} merges with the reasoner, {len(roles['merge_without_sft'])} without SFT")
    print(f"boards: {out / 'board' / 'leaderboard.md'} (report split), "
          f"{out / 'board-select' / 'leaderboard.md'} (select split); summary {out / 'recipe.json'}")
    return 0
