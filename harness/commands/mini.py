"""`thaibench mini build|path|check`: the miniature world's trained tiny parents.

`build` trains the shared base, `mini-th` and `mini-reasoner` into the cache (about 7 minutes
on 2 free CPU cores, about 16 on a busy machine; instant when already built, `--force` rebuilds). `path` prints where they are.
`check` runs the quick greedy evaluation of both parents and linear merges on held-out items and
prints the trade-off (multi-step accuracy vs Thai answer language) that the miniature exists to show.
"""

from __future__ import annotations

import argparse

NAME = "mini"
ORDER = 80
HELP = "build or inspect the miniature world (tiny Thai and reasoning parents)"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="mini_command", metavar="ACTION", required=True)
    b = sub.add_parser("build", help="build base, mini-th and mini-reasoner into the cache")
    b.add_argument("--force", action="store_true", help="rebuild even if a complete build exists")
    sub.add_parser("path", help="print the model directories (build first with `thaibench mini build`)")
    c = sub.add_parser("check", help="quick held-out evaluation of the parents and linear merges")
    c.add_argument("--ratios", default="0.7,0.8", help="reasoner shares of the merges to check (comma list)")
    c.add_argument("--items", type=int, default=40, help="held-out items per kind (single, multi, general)")


def run(args: argparse.Namespace) -> int:
    return {"build": _build, "path": _path, "check": _check}[args.mini_command](args)


def _build(args: argparse.Namespace) -> int:
    from rich.console import Console

    from thaibench.mini.cache import ensure_mini, is_built, manifest, world_dir
    from thaibench.mini.progress import rich_build_progress

    console = Console()
    world = world_dir()
    if is_built(world) and not args.force:
        console.print(f"already built: {world} (use --force to rebuild)")
    else:
        console.print(f"building the miniature world into {world}")
        with rich_build_progress(console) as cb:
            ensure_mini(force=args.force, progress=cb)
    m = manifest(world)
    for name, path in ensure_mini().items():
        console.print(f"{name:14s} {path}  sha256 {m['digests'][name][:16]}")
    t = m["timings_s"]
    console.print(f"built in {t['total']:.0f} s (base {t['base']:.0f} s, mini-th {t['mini-th']:.0f} s, "
                  f"mini-reasoner {t['mini-reasoner']:.0f} s) with torch {m['env']['torch']}, "
                  f"{m['env']['threads']} threads")
    return 0


def _path(args: argparse.Namespace) -> int:
    from thaibench.errors import UserError
    from thaibench.mini.cache import is_built, model_paths, world_dir

    world = world_dir()
    if not is_built(world):
        raise UserError(f"the miniature world is not built yet ({world}); run `thaibench mini build`")
    for name, path in model_paths(world).items():
        print(f"{name}\t{path}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from thaibench.errors import UserError
    from thaibench.mini.check import check_world
    from thaibench.mini.progress import rich_build_progress

    try:
        ratios = [float(x) for x in args.ratios.split(",") if x.strip()]
    except ValueError:
        raise UserError(f"--ratios: expected numbers like 0.7,0.8, got {args.ratios!r}") from None
    if any(not 0.0 <= r <= 1.0 for r in ratios) or args.items < 1:
        raise UserError("--ratios must lie in [0, 1] and --items be at least 1")
    console = Console()
    with rich_build_progress(console, transient=True) as cb:
        rows = check_world(ratios, args.items, progress=cb)
    table = Table(title="miniature world, held-out items (greedy; % ± 95% CI)")
    table.add_column("model", no_wrap=True)
    for col in ("lang", "1-step", "multi", "lang ok", "think", "combined"):
        table.add_column(col, no_wrap=True, justify="right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print("lang ok: answers in the prompt's language; combined (th): mean of multi-step accuracy "
                  "and Thai answer language")
    return 0
