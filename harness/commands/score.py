"""`thaibench score [MODEL]`: score a checkpoint (or a served model) on tasks and suites.

With no MODEL it scores the embedded default (the miniature world's `mini-th`, built on first
use, offline) on the `mini` suite.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from thaibench.commands._common import (
    RichHooks,
    add_backend_args,
    add_data_args,
    add_generation_args,
    add_judge_args,
    backend_options,
    generation_overrides,
    make_judge,
    out_dir,
    split_list,
)

NAME = "score"
ORDER = 10
HELP = "score a model on tasks (default: the embedded mini model on the mini suite)"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", nargs="?", help="model directory, PEFT adapter directory or hub id "
                   "(openai backend: the served model name)")
    p.add_argument("--tasks", action="append", help="comma list: math500, math500:th, ...")
    p.add_argument("--suite", action="append", help="named group of tasks: math, ...")
    p.add_argument("--limit", type=int, help="first N items (same pair_ids in every language)")
    p.add_argument("--samples", type=int, default=1, help="generations per prompt (epochs)")
    p.add_argument("--split", default="all", choices=("all", "select", "report"))
    p.add_argument("--out", help="output directory (default ./thaibench-out or $THAIBENCH_OUT)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--task-arg", action="append", metavar="TASK.KEY=VALUE",
                   help="a task parameter, e.g. livecodebench.release=release_v3")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run model-written code WITHOUT isolation (trusted code only)")
    p.add_argument("--sandbox-workers", type=int, help="parallel sandboxed programs (default: all cores)")
    add_data_args(p)
    add_backend_args(p)
    add_generation_args(p)
    add_judge_args(p)


def default_target() -> tuple[str, list[str]]:
    """The embedded default: (model path, suites)."""
    from thaibench.mini.build import DEFAULT_SUITE, ensure_mini

    return str(ensure_mini()["mini-th"]), [DEFAULT_SUITE]


def apply_task_args(selections: list, items: list[str] | None) -> list:
    """`--task-arg livecodebench.release=release_v3` -> task.with_params(release=...)."""
    from dataclasses import replace

    from thaibench.commands._common import parse_kv
    from thaibench.errors import UserError

    per_task: dict[str, dict[str, Any]] = {}
    for key, value in parse_kv(items, "--task-arg").items():
        task, dot, name = key.partition(".")
        if not dot or not name:
            raise UserError(f"--task-arg {key}: expected TASK.KEY=VALUE")
        per_task.setdefault(task, {})[name] = value
    out = []
    for sel in selections:
        params = per_task.pop(sel.task.name, None)
        if params:
            if not hasattr(sel.task, "with_params"):
                raise UserError(f"task {sel.task.name} takes no parameters")
            sel = replace(sel, task=sel.task.with_params(**params))
        out.append(sel)
    if per_task:
        raise UserError(f"--task-arg names tasks that are not selected: {', '.join(sorted(per_task))}")
    return out


def configure_code_sandbox(args: argparse.Namespace) -> None:
    if args.unsafe_no_sandbox or args.sandbox_workers:
        from thaibench.scorers.code import configure_sandbox

        configure_sandbox(workers=args.sandbox_workers, unsafe_no_sandbox=args.unsafe_no_sandbox or None)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from thaibench.backends import make_backend
    from thaibench.errors import UserError
    from thaibench.report import results_table
    from thaibench.run import Pipeline, RunSettings
    from thaibench.task import resolve

    tasks, suites = split_list(args.tasks), split_list(args.suite)
    model = args.model
    if model is None and args.backend != "hf":
        raise UserError(f"--backend {args.backend} needs a MODEL (the served model's name or a checkpoint)")
    if model is None:
        model, default_suites = default_target()
        if not tasks and not suites:
            suites = default_suites
    if not tasks and not suites:
        raise UserError("name --tasks or --suite (see `thaibench tasks`)")
    if args.samples < 1 or (args.limit is not None and args.limit < 1):
        raise UserError("--samples and --limit must be at least 1")
    selections = apply_task_args(resolve(tasks, suites), args.task_arg)
    configure_code_sandbox(args)
    backend = make_backend(args.backend, model, backend_options(args))
    settings = RunSettings(split=args.split, limit=args.limit, epochs=args.samples,
                           overrides=generation_overrides(args), data_dir=args.data_dir,
                           judge=make_judge(args))
    out = out_dir(args)
    done: list[Any] = []
    with RichHooks(args.quiet) as rh:
        pipe = Pipeline(backend, out, settings, rh.hooks())
        for sel in selections:
            done.append(pipe.run(sel))
    console = Console()
    console.print(results_table([tr.results for tr in done], title=f"{model} ({pipe.candidate['id']})"))
    generated = sum(tr.generated for tr in done)
    errors = sum(tr.results.get("errors", 0) for tr in done)
    console.print(f"generated {generated} new answers; results in {out}/runs/{pipe.candidate['id']}/")
    for tr in done:
        console.print(f"  {tr.dir}")
    if errors:
        how = ("re-run the same command to retry them" if pipe.candidate.get("cacheable", True) else
               "pass --cache or --model-revision to make served runs resumable, then re-run")
        print(f"thaibench: {errors} generations failed (recorded as errors, not as wrong answers); {how}",
              file=sys.stderr)
        return 3
    return 0
