"""`thaibench lm-eval export [--out DIR]`: thaibench's tasks as an lm-eval task folder.

Run them inside lm-eval with `lm-eval run --include_path DIR --tasks thaibench_mgsm_th ...` (or
the groups `thaibench_th`, `thaibench_en`). The other direction needs no command: lm-eval tasks
run through thaibench as `thaibench score MODEL --tasks lm-eval:TASK`. See docs/lm_eval.md.
"""

from __future__ import annotations

import argparse

NAME = "lm-eval"
ORDER = 60
HELP = "export thaibench tasks as an lm-eval task folder"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="lm_eval_command", metavar="ACTION")
    e = sub.add_parser("export", help="write an lm-eval task folder (YAML per task and language)")
    e.add_argument("--out", default="thaibench-lm-eval", help="folder to write (default ./thaibench-lm-eval)")
    e.add_argument("--tasks", action="append", help="comma list of thaibench tasks (default: all exportable)")
    e.add_argument("--data-dir", help="local data mirror the exported tasks read (default: "
                   "$THAIBENCH_DATA_DIR when lm-eval runs, then the hub)")


def run(args: argparse.Namespace) -> int:
    from thaibench.commands._common import split_list
    from thaibench.errors import UserError

    if args.lm_eval_command != "export":
        raise UserError("name an action: thaibench lm-eval export [--out DIR]")
    from thaibench.lmeval.export import export

    done = export(args.out, split_list(args.tasks) or None, args.data_dir)
    print(f"wrote {len(done.tasks)} lm-eval tasks to {done.out}")
    for group, members in sorted(done.groups.items()):
        print(f"  group {group}: {', '.join(members)}")
    for name, reason in done.skipped.items():
        print(f"  not exported: {name} ({reason})")
    print(f"run: lm-eval run --model hf --model_args pretrained=MODEL --include_path {done.out} "
          f"--tasks {done.tasks[0]} --apply_chat_template")
    return 0
