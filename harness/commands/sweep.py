"""`thaibench sweep`: score every merge ratio (and the parents) in one command.

Candidates are computed in memory (parents loaded once, one model object; with `--backend vllm`
one engine whose model takes each candidate's weights) and never written unless `--save` names
them. They are ranked on the `select` split with the board's paired
bootstrap; the chosen one and the parents are then scored on `report`, and the summary says
which split each number comes from. Resumable (content-addressed runs) and shardable
(`--shard I/N`): shards' run directories combine with no extra step.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from thaibench.commands._common import (
    RichHooks,
    add_data_args,
    add_generation_args,
    generation_overrides,
    out_dir,
    split_list,
)

NAME = "sweep"
ORDER = 41
HELP = "score a grid of merge candidates in memory (ratios x methods x presets), parents included"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--models", nargs=2, metavar=("THAI", "REASONER"), help="the two parents; a ratio is the "
                   "second parent's share (the paper's M1 = 0.25 reasoning model)")
    p.add_argument("--base", help="base model for task_arithmetic, ties, dare_*")
    p.add_argument("--methods", default="linear", help="comma list of merge methods (default linear)")
    p.add_argument("--ratios", help="comma list, e.g. 0.1,0.3,0.5")
    p.add_argument("--grid", help="LO:HI:STEP, inclusive, e.g. 0:1:0.1")
    p.add_argument("--presets", help="comma list of layer schedules: m1,m2,m3")
    p.add_argument("--tasks", action="append")
    p.add_argument("--suite", action="append")
    p.add_argument("--board", default="th_en_reasoning", help="board whose rank_by aggregate chooses")
    p.add_argument("--limit", type=int)
    p.add_argument("--no-parents", action="store_true", help="do not score the parents as rows")
    p.add_argument("--no-report", action="store_true", help="rank on select only; skip the report split")
    p.add_argument("--save", action="append", metavar="ID|best",
                   help="write these candidates to <out>/candidates/<id> (byte-identical to what was scored)")
    p.add_argument("--shard", metavar="I/N", help="score only shard I of N (0-based)")
    p.add_argument("--disk", action="store_true", help="for models that do not fit in memory twice: read the "
                   "parents once, write every candidate to <out>/candidates/ in one pass, then score each")
    p.add_argument("--adaptive", action="store_true", help="successive halving on the select split: "
                   "drop candidates whose paired interval lies below the leader's, then double the items")
    p.add_argument("--adaptive-first", type=int, help="items in the first adaptive stage (default: 1/8 of select)")
    p.add_argument("--out")
    p.add_argument("--dtype", default="float32", help="dtype the candidates are computed and scored in")
    p.add_argument("--device")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--backend", default="hf", choices=("hf", "vllm"), help="hf (default): one transformers "
                   "model object takes each candidate; vllm: one engine, each candidate's weights pushed into it")
    p.add_argument("--model-args", action="append", metavar="K=V",
                   help="vllm.LLM arguments for --backend vllm, e.g. tensor_parallel_size=2")
    p.add_argument("--keep-parents", default="device", choices=("device", "host"),
                   help="--backend vllm: keep the parents on each GPU (fast) or in host memory (large models)")
    p.add_argument("--quiet", action="store_true")
    add_data_args(p)
    add_generation_args(p)


def _score(backend: Any, selections: list, out: Path, settings: Any, hooks: Any) -> list:
    from thaibench.run import Pipeline

    pipe = Pipeline(backend, out, settings, hooks)
    return [pipe.run(sel) for sel in selections]


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from rich.console import Console

    from thaibench.backends import BackendOptions, make_backend
    from thaibench.errors import UserError
    from thaibench.merge.sweep import (
        MergedBackend,
        parse_ratios,
        shard,
        sweep_candidates,
    )
    from thaibench.run import RunSettings
    from thaibench.task import resolve

    if not args.models:
        raise UserError("name the two parents: --models THAI REASONER")
    tasks, suites = split_list(args.tasks), split_list(args.suite)
    if not tasks and not suites:
        raise UserError("name --tasks or --suite")
    selections = resolve(tasks, suites)
    ratios = parse_ratios(args.ratios, args.presets, args.grid)
    cands = shard(sweep_candidates(args.models, split_list([args.methods]), ratios, args.base, args.dtype), args.shard)
    out = out_dir(args)
    console = Console(stderr=True)
    from thaibench.commands._common import parse_kv

    opts = BackendOptions(dtype=args.dtype, device=args.device, batch_size=args.batch_size,
                          model_args=parse_kv(args.model_args, "--model-args"))
    if args.backend == "vllm" and args.disk:
        raise UserError("--disk writes candidates for the hf backend; a vllm sweep pushes them into the engine")
    select = RunSettings(split="select", limit=args.limit, overrides=generation_overrides(args),
                         data_dir=args.data_dir)
    first_shard = not args.shard or args.shard.startswith("0/")
    shared = _shared(args, opts)      # bad settings fail here, before anything is scored
    with RichHooks(args.quiet) as rh:
        hooks = rh.hooks()
        rows: dict[str, Any] = {}  # row id on the board -> (candidate, backend factory)
        chosen = None
        try:
            if first_shard and not args.no_parents:
                for k, ref in enumerate(args.models):
                    console.print(f"[bold]parent[/bold] {ref}")
                    _score(_parent(args, shared, k, opts), selections, out, select, hooks)
            if args.disk:
                from thaibench.identity import checkpoint_id
                from thaibench.merge.sweep import write_candidates

                for cand, d in zip(cands, write_candidates(cands, out / "candidates"), strict=True):
                    rows[checkpoint_id(d)] = (cand, lambda d=d: make_backend("hf", str(d), opts))
            elif args.backend == "vllm":
                from thaibench.merge.vllm_push import merged_backend

                rows = {c.id: (c, lambda c=c: merged_backend(shared, c, opts)) for c in cands}
            else:
                rows = {c.id: (c, lambda c=c: MergedBackend(shared, c, opts)) for c in cands}
            if args.adaptive:
                _adaptive(args, rows, selections, out, select, hooks, console)
            else:
                for k, (rid, (cand, make)) in enumerate(rows.items(), 1):
                    console.print(f"[bold]candidate {k}/{len(rows)}[/bold] {cand.label} ({rid})")
                    _score(make(), selections, out, select, hooks)
            if args.backend == "vllm":
                console.print(f"pushed {shared.pushes} candidate weight sets into one vllm engine for "
                              f"{len(cands)} candidates (a candidate whose runs were already complete is not merged)")
            elif not args.disk:
                console.print(f"computed {shared.merges} candidate weight sets in memory for {len(cands)} "
                              "candidates (a candidate whose runs were already complete is not merged)")
            if args.shard:
                console.print(f"shard {args.shard} done; run `thaibench board build {out}` once all shards finish")
                return 0
            chosen_id = _rank_and_print(out, rows, args)
            if chosen_id and not args.no_report:
                report = replace(select, split="report")
                _score(rows[chosen_id][1](), selections, out, report, hooks)
                if not args.no_parents:
                    for k in range(len(args.models)):
                        _score(_parent(args, shared, k, opts), selections, out, report, hooks)
                _print_board(out, args.board, "report", {chosen_id, *_parent_ids(args.models)},
                             "reported numbers (report split): chosen candidate and parents")
            chosen = rows[chosen_id][0] if chosen_id else None
        finally:
            shared.close()
        _save(args, cands, chosen, out, console)
    return 0


def _adaptive(args: argparse.Namespace, rows: dict[str, Any], selections: list, out: Path,
              select: Any, hooks: Any, console: Any) -> None:
    """Successive halving over the candidates (parents are scored in full as reference rows)."""
    from dataclasses import replace

    from thaibench.merge.adaptive import successive_halving
    from thaibench.task import select_samples

    sizes = []
    for sel in selections:
        by_lang = {lang: sel.task.samples(lang, args.data_dir).samples for lang in sel.langs}
        chosen = select_samples(sel.task, by_lang, "select", args.limit)
        sizes.append(len({s.pair_id for ss in chosen.values() for s in ss}))
    n_total = max(sizes)
    first = args.adaptive_first or max(8, n_total // 8)

    def run_stage(alive: list[str], n: int) -> None:
        console.print(f"[bold]adaptive stage[/bold]: {len(alive)} candidates on {n} of {n_total} select items")
        for rid in alive:
            _score(rows[rid][1](), selections, out, replace(select, limit=n), hooks)

    def rank(alive: list[str], n: int) -> list[tuple[str, bool]]:
        lb = _board(out, args.board, "select", set(alive))
        return [(r["candidate"]["id"], bool(r["tied_with_top"])) for r in lb["rows"]]

    winner, log = successive_halving(list(rows), n_total, first, run_stage, rank)
    console.print(f"adaptive: {len(log.stages)} stages; scored {log.evaluations} of {log.full_evaluations} "
                  f"candidate-items ({log.saved:.0%} of the generations saved); leader {rows[winner][0].label}"
                  if winner else "adaptive: no candidate could be ranked")


def _shared(args: argparse.Namespace, opts: Any) -> Any:
    """What every candidate is computed into: parents + one model object, or one vllm engine."""
    if args.backend == "vllm":
        from thaibench.merge.vllm_push import SweepEngine

        return SweepEngine(args.models, {"dtype": args.dtype, **opts.model_args}, keep=args.keep_parents)
    from thaibench.merge.sweep import SharedParents

    return SharedParents(args.models, _device(args.device), args.dtype)


def _parent(args: argparse.Namespace, shared: Any, index: int, opts: Any) -> Any:
    """A parent's backend: its own hf model, or the sweep's vllm engine holding its weights."""
    from thaibench.backends import make_backend

    if args.backend == "vllm":
        from thaibench.merge.vllm_push import parent_backend

        return parent_backend(shared, index, opts)
    return make_backend("hf", args.models[index], opts)


def _device(device: str | None) -> str:
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _parent_ids(models: list[str]) -> set[str]:
    from thaibench.candidates import parent_spec

    return {parent_spec(m).id for m in models}


def _board(out: Path, board: str, split: str, keep: set[str] | None) -> dict[str, Any]:
    from thaibench.leaderboards.rank import RankOptions, build_leaderboard
    from thaibench.leaderboards.runs import load_runs

    runs = [r for r in load_runs([out / "runs"]) if keep is None or r.candidate_id in keep]
    return build_leaderboard(runs, board, RankOptions(split=split))


def _print_board(out: Path, board: str, split: str, keep: set[str] | None, title: str) -> dict[str, Any]:
    from rich.console import Console
    from rich.table import Table

    lb = _board(out, board, split, keep)
    agg = lb["board"]["rank_by"]
    table = Table(title=f"{title}: {agg}, 95% paired bootstrap CI")
    for col in ("rank", "candidate", "kind", agg, "CI", "tied with top"):
        table.add_column(col)
    for row in lb["rows"]:
        a = row["aggregates"].get(agg, {})
        v = a.get("value")
        lo, hi = a.get("ci_low"), a.get("ci_high")
        ci = "-" if lo is None or hi is None else f"[{lo:.1f}, {hi:.1f}]"
        table.add_row(str(row["rank"]), row["candidate"]["label"], str(row["candidate"]["kind"]),
                      "-" if v is None else f"{v:.1f}", ci, "yes" if row["tied_with_top"] else "")
    Console().print(table)
    return lb


def _rank_and_print(out: Path, rows: dict[str, Any], args: argparse.Namespace) -> str | None:
    """Rank candidates and parents on `select`; return the best candidate's row id."""
    keep = set(rows) | (set() if args.no_parents else _parent_ids(args.models))
    lb = _print_board(out, args.board, "select", keep, "chosen on the select split")
    for row in lb["rows"]:
        if row["candidate"]["id"] in rows and row["rank"] is not None:
            return row["candidate"]["id"]
    return None


def _save(args: argparse.Namespace, cands: list, chosen: Any, out: Path, console: Any) -> None:
    from thaibench.errors import UserError
    from thaibench.merge.build import merge_to_disk

    wanted = split_list(args.save)
    by_id = {c.id: c for c in cands}
    for w in wanted:
        cand = chosen if w == "best" else by_id.get(w)
        if cand is None:
            raise UserError(f"--save {w}: not a candidate of this sweep ({', '.join(sorted(by_id))})")
        dest = out / "candidates" / cand.id
        if (dest / "candidate.json").exists():
            console.print(f"already saved: {dest}")
            continue
        merge_to_disk(cand.spec, dest)
        console.print(f"saved {cand.label} to {dest}")
