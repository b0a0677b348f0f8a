"""The `thaibench` command line: one sub-command per module of `thaibench.commands`.

Each command module defines `NAME`, `HELP`, `add_arguments(parser)` and `run(args) -> int`,
and imports nothing heavy at module level, so `thaibench --help` stays well under a second.
Adding a command is one new file; nothing here changes.

Errors a user can fix (bad paths, unknown names, data not found) are raised as `UserError` and
printed as one line on stderr with exit status 2; nothing already written is touched.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from thaibench import __version__
from thaibench.errors import UserError


def _command_modules() -> list:
    import thaibench.commands as pkg

    mods = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_"):
            mods.append(importlib.import_module(f"thaibench.commands.{info.name}"))
    return sorted(mods, key=lambda m: getattr(m, "ORDER", 50))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thaibench",
        description="Thai/English reasoning evaluation: score checkpoints, merge candidates, rank them.",
    )
    parser.add_argument("--version", action="version", version=f"thaibench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _command_modules():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP))
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        # `thaibench` alone runs the main job (score the embedded default), as the README says.
        args = parser.parse_args(["score", *(argv or [])])
    try:
        return int(args._run(args) or 0)
    except UserError as exc:
        print(f"thaibench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("thaibench: interrupted; finished work is saved and a re-run resumes it", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
