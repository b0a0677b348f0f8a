"""`thaibench merge CONFIG OUT_DIR`: merge checkpoints into a new candidate, streaming, in bounded memory.

CONFIG is a thaibench merge config or a mergekit YAML (linear, task_arithmetic, ties, dare_linear,
dare_ties, slerp), YAML or JSON; see docs/merge.md. A mergekit YAML runs in mergekit-compatible
mode, so existing configs give mergekit's tensors. OUT_DIR must be new or empty; it receives
safetensors shards, config, tokenizer, thaibench_merge.json, mergekit_config.yml and
candidate.json (written last). `--dry-run` prints the resolved per-layer values and stops.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path
from typing import Any

NAME = "merge"
ORDER = 40
HELP = "merge checkpoints (linear, task_arithmetic, ties, dare_*, slerp) into a candidate"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="thaibench merge config or mergekit YAML")
    p.add_argument("out", nargs="?", help="output directory (new or empty)")
    p.add_argument("--resize-vocab", action="store_true",
                   help="vocabularies differ: merge the shared rows, copy the rest from tokenizer_source")
    p.add_argument("--shard-size", default="5GB", help="largest output shard (e.g. 2GB, 500MB)")
    p.add_argument("--threads", type=int, help="reader threads (default: one per parent, at least 2)")
    p.add_argument("--dry-run", action="store_true", help="print the plan's per-layer values; merge nothing")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def parse_size(text: str) -> int:
    from thaibench.errors import UserError

    units = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "B": 1}
    t = text.strip().upper()
    for u, mult in units.items():
        if t.endswith(u):
            try:
                return int(float(t[: -len(u)]) * mult)
            except ValueError:
                break
    raise UserError(f"--shard-size {text!r}: write a size like 5GB or 500MB")


def load_spec(path: Path, resize_vocab: bool = False) -> Any:
    """The candidate spec of a config file (thaibench's format or mergekit's)."""
    import yaml

    from thaibench.candidates import CandidateSpec
    from thaibench.errors import UserError
    from thaibench.merge.spec import from_mergekit, from_thaibench

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read merge config {path}: {exc.strerror}") from None
    try:
        cfg = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise UserError(f"merge config {path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                        f"{str(exc).splitlines()[0]}") from None
    if not isinstance(cfg, dict):
        raise UserError(f"merge config {path} must be a mapping")
    if "merge_method" in cfg and "method" in cfg:
        raise UserError("config has both `method` (thaibench) and `merge_method` (mergekit)")
    if "merge_method" in cfg:
        method, parents, params = from_mergekit(cfg)
    else:
        method, parents, params = from_thaibench(cfg)
    if resize_vocab:
        params["resize_vocab"] = True
    return CandidateSpec(method, parents, params)


def _dry_run(spec: Any) -> int:
    from rich.console import Console
    from rich.table import Table

    from thaibench.merge.build import open_plan

    _, parents, plan, warnings = open_plan(spec)
    for p in parents:
        p.close()
    con = Console()
    for w in warnings:
        con.print(f"[yellow]warning:[/] {w}")
    table = Table(title=f"{spec.generator}: {plan.n_layers} layers, {len(plan.ops)} tensors")
    table.add_column("tensor")
    for i in plan.ops[0].inputs:
        table.add_column(f"model {i}: {Path(spec.parents[i]).name}")
    shown = [op for op in plan.ops if op.method is not None and (op.name.endswith("mlp.up_proj.weight")
             or ".layers." not in op.name)]
    for op in shown:
        cells = []
        for k in range(len(op.inputs)):
            vals = {**op.shared, **op.per_input[k]}
            cells.append(", ".join(f"{n}={v:g}" if isinstance(v, float) else f"{n}={v}" for n, v in vals.items()))
        table.add_row(op.name, *cells)
    con.print(table)
    return 0


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    from thaibench.errors import UserError
    from thaibench.merge.build import merge_to_disk

    spec = load_spec(Path(args.config), args.resize_vocab)
    if args.dry_run:
        return _dry_run(spec)
    if not args.out:
        raise UserError("give an output directory: thaibench merge CONFIG OUT_DIR")
    con = Console(stderr=True)
    warn = lambda msg: con.print(f"[yellow]warning:[/] {msg}")  # noqa: E731
    if args.quiet or not sys.stderr.isatty():
        cand = merge_to_disk(spec, Path(args.out), shard_bytes=parse_size(args.shard_size), warn=warn,
                             threads=args.threads)
    else:
        cols = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
        with Progress("[progress.description]{task.description}", *cols, console=con) as bar:
            task = bar.add_task(f"merging ({spec.generator})", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            cand = merge_to_disk(spec, Path(args.out), shard_bytes=parse_size(args.shard_size),
                                 progress=progress, warn=warn, threads=args.threads)
    lin = cand.lineage
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    secs = max(lin["seconds"], 1e-9)
    con.print(f"candidate [bold]{cand.id}[/] -> {args.out}")
    con.print(f"read {lin['bytes_read'] / 1e9:.2f} GB, wrote {lin['bytes_written'] / 1e9:.2f} GB in "
              f"{secs:.1f} s ({(lin['bytes_read'] + lin['bytes_written']) / 1e9 / secs:.2f} GB/s), "
              f"peak RSS {rss:.2f} GB")
    return 0
