"""Rank candidates on a board: paired cluster bootstrap intervals, ties with the top, lineage.

Reads run directories only (results.json, scores.jsonl, the input_sha of generations.jsonl).
Steps: group runs by candidate; refuse runs that are not comparable (compare.py) unless
`allow_mixed`, which keeps them and flags every output; build each column's matrix over the
samples all its candidates share (columns.py); draw one set of cluster resamples per task
(stratified, seeded by (seed, task) so adding a task does not change another task's draws);
compute every column's and every aggregate's resampled values in the same resamples, so
differences between candidates are paired; rank by the board's aggregate; a row is tied with
the top when the 95% interval of (top - row) reaches 0.

The average uses only the columns that every ranked candidate has (like for like); the others
are shown, and listed in `average_columns` / `left_out`. Output: a schema-versioned dict
(leaderboard.json) that the markdown, the site and the pandas API read.

Example: `build_leaderboard(load_runs(["out"]), "th_en_reasoning")["rows"][0]["candidate"]`.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from thaibench import __version__
from thaibench.errors import UserError
from thaibench.leaderboards import stats
from thaibench.leaderboards.board import Aggregate, Board, Column, get_board
from thaibench.leaderboards.columns import ColumnData, build_column, cell_scale, column_meta
from thaibench.leaderboards.compare import candidate_label, find_mismatches
from thaibench.leaderboards.runs import RunData, lineage_of
from thaibench.records import now_iso

LEADERBOARD_SCHEMA = 1


@dataclass(frozen=True)
class RankOptions:
    split: str | None = None  # None = the board's split
    n_boot: int = 1000
    seed: int = 0
    level: float = 0.95
    allow_mixed: bool = False


def _r(x: Any, nd: int = 4) -> Any:
    if x is None:
        return None
    x = float(x)
    return round(x, nd) if math.isfinite(x) else None


def group_candidates(runs: Sequence[RunData], allow_mixed: bool) -> dict[str, dict[str, RunData]]:
    """candidate id -> task -> run; with duplicates (allowed only when mixed) the newest wins."""
    out: dict[str, dict[str, RunData]] = defaultdict(dict)
    for r in sorted(runs, key=lambda r: str(r.results.get("created", ""))):
        out[r.candidate_id][r.task] = r
    return dict(out)


def _unit_points(col: Column, unit: str) -> tuple[float, float, float]:
    """(average scale, chance, top) in the metric's own units."""
    score = unit != "fraction"
    scale = col.average_scale if col.average_scale is not None else (10.0 if score else 100.0)
    chance = col.chance if col.chance is not None else (1.0 if score else 0.0)
    top = col.top if col.top is not None else (10.0 if score else 1.0)
    return scale, chance, top


class Resampler:
    """Stratified cluster resamples, one block per task, shared by every column."""

    def __init__(self, n_boot: int, seed: int) -> None:
        self.n_boot = n_boot
        self.seed = seed
        self.clusters: dict[str, dict[str, int]] = defaultdict(dict)  # task -> pair_id -> index
        self._w: dict[str, np.ndarray] = {}

    def add(self, clusters: Sequence[tuple[str, str]]) -> None:
        for task, pair in clusters:
            self.clusters[task].setdefault(pair, len(self.clusters[task]))

    def weights(self, task: str) -> np.ndarray:
        if task not in self._w:
            rng = np.random.default_rng([self.seed, zlib.crc32(task.encode())])
            self._w[task] = stats.resample_counts(len(self.clusters[task]), self.n_boot, rng)
        return self._w[task]

    def column_draws(self, cd: ColumnData) -> tuple[np.ndarray, np.ndarray]:
        """(point (C,), resampled (B, C)) means of a column, in metric units."""
        n_c = len(cd.present)
        if cd.summary is not None:
            rng = np.random.default_rng([self.seed, zlib.crc32(cd.column.key.encode())])
            point = np.array([s[0] if s else np.nan for s in cd.summary])
            se = np.array([(s[1] or 0.0) if s else np.nan for s in cd.summary])
            return point, point[None, :] + rng.standard_normal((self.n_boot, n_c)) * se[None, :]
        assert cd.values is not None
        num = np.zeros((self.n_boot, n_c))
        den = np.zeros((self.n_boot, n_c))
        S_all = np.zeros(n_c)
        N_all = np.zeros(n_c)
        by_task: dict[str, list[int]] = defaultdict(list)
        for j, (task, _) in enumerate(cd.clusters):
            by_task[task].append(j)
        for task, cols in by_task.items():
            idx = np.array([self.clusters[task][cd.clusters[j][1]] for j in cols])
            S, N = stats.cluster_sums(cd.values[:, cols], idx, len(self.clusters[task]))
            W = self.weights(task)
            num += W @ S.T
            den += W @ N.T
            S_all += S.sum(axis=1)
            N_all += N.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            boot = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
            point = np.where(N_all > 0, S_all / np.where(N_all > 0, N_all, 1), np.nan)
        return point, boot


def aggregate_columns(board: Board, available: dict[str, ColumnData]) -> dict[str, list[str]]:
    """Columns of each aggregate, among those every candidate has. The two sides of a
    difference (TH - EN) keep only the tasks both sides have, so the gap compares like with like."""
    keys = {a.name: [c.key for c in board.columns if a.picks(c) and c.key in available]
            for a in board.aggregates if a.rule != "difference"}
    for a in board.aggregates:
        if a.rule == "difference" and a.operands and all(o in keys for o in a.operands):
            tasks = [{t for k in keys[o] for t in board.column(k).tasks} for o in a.operands]
            common = tasks[0] & tasks[1]
            for o in a.operands:
                keys[o] = [k for k in keys[o] if set(board.column(k).tasks) <= common]
            keys[a.name] = []
    return keys


def _combine(board: Board, agg: Aggregate, keys: list[str], draws: dict[str, tuple[np.ndarray, np.ndarray]],
             cols: dict[str, ColumnData], done: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    if agg.rule == "difference":
        assert agg.operands
        a, b = done[agg.operands[0]], done[agg.operands[1]]
        return a[0] - b[0], a[1] - b[1]
    wsum = sum(board.column(k).weight for k in keys)
    n_c = len(next(iter(cols.values())).present) if cols else 0
    if not keys or wsum <= 0:
        nan = np.full(n_c, np.nan)
        return nan, np.full((1, n_c), np.nan)
    point: Any = 0.0
    boot: Any = 0.0
    for k in keys:
        col = board.column(k)
        scale, chance, top = _unit_points(col, cols[k].unit)
        p, b = draws[k]
        if agg.rule == "chance_centred":
            p, b = (p - chance) / (top - chance) * 100.0, (b - chance) / (top - chance) * 100.0
        else:
            p, b = p * scale, b * scale
        point = point + col.weight * p
        boot = boot + col.weight * b
    return point / wsum, boot / wsum


def build_leaderboard(runs: Sequence[RunData], board_name: str, options: RankOptions | None = None) -> dict[str, Any]:
    opt = options or RankOptions()
    if not runs:
        raise UserError("no finished runs to rank")
    tasks_seen: dict[str, list[str]] = defaultdict(list)
    for r in runs:
        for lang in r.results.get("langs", []):
            if lang not in tasks_seen[r.task]:
                tasks_seen[r.task].append(lang)
    board = get_board(board_name, tasks_seen)
    split = opt.split or board.split
    mismatches, notes = find_mismatches(runs)
    if mismatches and not opt.allow_mixed:
        lines = "\n  ".join(m.message() for m in mismatches)
        raise UserError(f"runs that differ cannot be ranked together:\n  {lines}\n"
                        "score them alike, or pass --allow-mixed to rank them anyway, flagged")
    by_cand = group_candidates(runs, opt.allow_mixed)
    cids = sorted(by_cand)
    cand_runs = [by_cand[c] for c in cids]
    cols = {c.key: build_column(c, cand_runs, list(tasks_seen), split) for c in board.columns}
    res = Resampler(opt.n_boot, opt.seed)
    for cd in cols.values():
        res.add(cd.clusters)
    draws = {k: res.column_draws(cd) for k, cd in cols.items() if cd.problem is None}
    available = {k: cols[k] for k in draws if all(cols[k].present)}
    agg_draws: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    agg_keys = aggregate_columns(board, available)
    for agg in sorted(board.aggregates, key=lambda a: a.rule == "difference"):
        agg_draws[agg.name] = _combine(board, agg, agg_keys.get(agg.name, []), draws, cols, agg_draws)
    rows = _rows(board, opt, cids, by_cand, cols, draws, agg_draws)
    for r in runs:
        if r.results.get("complete") is False:
            notes.append(f"{candidate_label(r.candidate)}: the {r.task} run is incomplete "
                         f"({r.results.get('errors', 0)} errors, {r.results.get('missing', 0)} missing); "
                         "its numbers cover the samples it has")
    if mismatches:
        notes = [f"MIXED: {m.message()}" for m in mismatches] + notes
    return {
        "schema_version": LEADERBOARD_SCHEMA,
        "kind": "thaibench.leaderboard",
        "created": now_iso(),
        "thaibench_version": __version__,
        "board": board.to_dict(),
        "split": split,
        "bootstrap": {"resamples": opt.n_boot, "seed": opt.seed, "level": opt.level,
                      "clusters": "pair_id within task", "interval": "percentile"},
        "mixed": [m.to_dict() for m in mismatches],
        "notes": notes,
        "columns": [{**column_meta(cols[c.key]), "label": c.label, "present_for": sum(cols[c.key].present),
                     "in_average": c.key in agg_keys.get(board.rank_by, [])} for c in board.columns],
        "aggregates": {a.name: _aggregate_meta(board, a, agg_keys.get(a.name, []), cols) for a in board.aggregates},
        "runs": [{"dir": str(r.dir), "task": r.task, "task_version": r.task_version,
                  "candidate": r.candidate_id, "run_id": r.results.get("run_id"),
                  "backend": r.backend.get("name"), "complete": r.results.get("complete")} for r in runs],
        "rows": rows,
    }


def _aggregate_meta(board: Board, a: Aggregate, keys: list[str], cols: dict[str, ColumnData]) -> dict[str, Any]:
    """Which columns an aggregate used, and why the others it names were left out (a column
    nobody ran is not listed: it shows as missing everywhere)."""
    why = {}
    if a.rule != "difference":
        for c in board.columns:
            if a.picks(c) and c.key not in keys and any(cols[c.key].present):
                why[c.key] = ("not every candidate has it" if not all(cols[c.key].present)
                              else "no counterpart in the other language")
    return {"label": a.label, "rule": a.rule, "columns": keys, "left_out": list(why), "left_out_why": why}


def _cell(cd: ColumnData, draws: dict[str, tuple[np.ndarray, np.ndarray]], i: int, level: float) -> dict[str, Any]:
    if cd.problem is not None or not cd.present[i]:
        return {"missing": True, "reason": cd.problem or "no run of this task for this candidate"}
    point, boot = draws[cd.column.key]
    lo, hi = stats.percentile_ci(boot[:, i], level)
    scale = cell_scale(cd.unit)
    out: dict[str, Any] = {"missing": False, "value": _r(point[i] * scale), "ci_low": _r(lo * scale),
                           "ci_high": _r(hi * scale), "unit": cd.unit}
    if cd.values is not None:
        ok = ~np.isnan(cd.values[i])
        out.update(n=int(ok.sum()), n_nan=int((~ok).sum()))
    elif cd.summary is not None and cd.summary[i]:
        out.update(n=cd.summary[i][2], n_nan=cd.summary[i][3])
    return out


def _rows(board: Board, opt: RankOptions, cids: list[str], by_cand: dict[str, dict[str, RunData]],
          cols: dict[str, ColumnData], draws: dict[str, tuple[np.ndarray, np.ndarray]],
          agg_draws: dict[str, tuple[np.ndarray, np.ndarray]]) -> list[dict[str, Any]]:
    point, boot = agg_draws[board.rank_by]
    order = sorted(range(len(cids)), key=lambda i: (not math.isfinite(point[i]), -point[i] if math.isfinite(point[i]) else 0, cids[i]))
    top = order[0] if order and math.isfinite(point[order[0]]) else None
    ranks_lo, ranks_hi = _rank_ranges(boot)
    rows = []
    for pos, i in enumerate(order):
        runs = by_cand[cids[i]]
        any_run = next(iter(runs.values()))
        cand = any_run.candidate
        aggs = {}
        for name, (p, b) in agg_draws.items():
            lo, hi = stats.percentile_ci(b[:, i], opt.level) if b.shape[0] > 1 else (np.nan, np.nan)
            aggs[name] = {"value": _r(p[i]), "ci_low": _r(lo), "ci_high": _r(hi)}
        tied = None
        p_top = None
        if top is not None and math.isfinite(point[i]):
            diff = boot[:, top] - boot[:, i]
            lo, _hi = stats.percentile_ci(diff, opt.level)
            tied = bool(i == top or lo <= 0)
            p_top = None if i == top else _r(stats.normal_p(float(point[top] - point[i]), float(np.nanstd(diff))), 6)
        rows.append({
            "rank": pos + 1 if math.isfinite(point[i]) else None,
            "rank_range": [ranks_lo[i], ranks_hi[i]] if math.isfinite(point[i]) else None,
            "tied_with_top": tied,
            "p_vs_top": p_top,
            "candidate": {"id": cids[i], "name": cand.get("name"), "label": candidate_label(cand),
                          "kind": cand.get("kind"), "path": cand.get("path"), "digest": cand.get("digest")},
            "lineage": lineage_of(cand),
            "backends": sorted({str(r.backend.get("name")) for r in runs.values()}),
            "cells": {k: _cell(cd, draws, i, opt.level) for k, cd in cols.items()},
            "aggregates": aggs,
            "tasks": [_task_summary(r) for _, r in sorted(runs.items())],
        })
    return rows


def _rank_ranges(boot: np.ndarray) -> tuple[list[int | None], list[int | None]]:
    """2.5% and 97.5% percentiles of each candidate's rank over the resamples."""
    n_c = boot.shape[1]
    if boot.shape[0] < 2:
        return [None] * n_c, [None] * n_c
    filled = np.where(np.isnan(boot), -np.inf, boot)
    ranks = (-filled).argsort(axis=1).argsort(axis=1) + 1
    lo = np.percentile(ranks, 2.5, axis=0, method="lower")
    hi = np.percentile(ranks, 97.5, axis=0, method="higher")
    return [int(x) for x in lo], [int(x) for x in hi]


def _task_summary(r: RunData) -> dict[str, Any]:
    return {"task": r.task, "version": r.task_version, "run_id": r.results.get("run_id"),
            "dir": str(r.dir), "backend": r.backend.get("name"), "langs": r.results.get("langs"),
            "headline": r.headline, "complete": r.results.get("complete"),
            "selection": r.results.get("selection"), "generation": r.generation,
            "judge": r.judge, "metrics": r.results.get("metrics", []),
            "generation_stats": r.results.get("generation_stats", {})}
