"""A board column's per-sample matrix: candidates x shared samples, clustered by item.

For one column and the candidates that have it, this finds the SHARED samples (the
(task, sample_id, epoch) triples every such candidate scored in the column's languages and
split), reduces each sample's epochs (mean, or pass@k), and lays the values out as a matrix
(candidates x samples, NaN = unscorable) with each sample's cluster, `(task, pair_id)`: the
Thai and English versions of an item are one cluster. Candidates without the column get a row
of NaN and are reported as missing, never as zero.

Example: for a column over mgsm th with candidates A, B that share 120 samples, `values` is
2 x 120 and `clusters` maps each sample to one of 120 `(mgsm, pair_id)` clusters.

Quirk: a headline metric that is not a per-sample mean or pass@k (for instance a
prompt-level IFEval variant computed from whole runs) cannot be resampled; such a column takes
results.json's value and standard error instead (`ci_method = "stderr"`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from thaibench.leaderboards.board import ANY_TASK, Column
from thaibench.leaderboards.runs import RunData, per_sample, sample_keys


@dataclass
class ColumnData:
    column: Column
    present: list[bool]  # per candidate
    tasks: list[str] = field(default_factory=list)
    scorers: dict[str, str] = field(default_factory=dict)  # task -> scorer used
    reducers: dict[str, str] = field(default_factory=dict)
    unit: str = "fraction"
    values: np.ndarray | None = None  # (C, n)
    clusters: list[tuple[str, str]] = field(default_factory=list)  # per sample: (task, pair_id)
    n_shared: int = 0
    # Fallback for metrics that cannot be resampled: per candidate (value, stderr, n).
    summary: list[tuple[float, float | None, int] | None] | None = None
    problem: str | None = None  # why the column has no numbers at all


def _scorer_for(col: Column, run: RunData) -> tuple[str | None, str | None]:
    """(scorer, reducer) of this column in this run; reducer None = not resampleable."""
    if col.scorer is not None:
        return col.scorer, col.reducer or "mean"
    head = run.headline
    if head is None:
        acc = [m["name"] for m in run.results.get("metrics", []) if m.get("kind") != "lang"]
        if not acc:
            return None, None
        return acc[0], col.reducer or "mean"
    scorer, metric = head
    if col.reducer:
        return scorer, col.reducer
    if metric == "mean" or metric.startswith("pass@"):
        return scorer, metric if metric.startswith("pass@") else "mean"
    return scorer, None


def column_tasks(col: Column, tasks_seen: Sequence[str]) -> list[str]:
    return sorted(tasks_seen) if ANY_TASK in col.tasks else [t for t in col.tasks if t in tasks_seen]


def build_column(col: Column, cand_runs: Sequence[dict[str, RunData]], tasks_seen: Sequence[str],
                 split: str) -> ColumnData:
    """cand_runs[i] = {task: run} of candidate i."""
    n_c = len(cand_runs)
    tasks = column_tasks(col, tasks_seen)
    cd = ColumnData(col, [False] * n_c, tasks)
    keys: list[set[tuple[str, str, int]] | None] = [None] * n_c
    for i, runs in enumerate(cand_runs):
        got: set[tuple[str, str, int]] = set()
        for t in tasks:
            run = runs.get(t)
            if run is None:
                continue
            scorer, reducer = _scorer_for(col, run)
            if scorer is None:
                continue
            cd.scorers.setdefault(t, scorer)
            cd.reducers.setdefault(t, reducer or "results.json")
            cd.unit = run.unit(scorer)
            got |= {(t, sid, ep) for sid, ep in sample_keys(run, scorer, col.langs, split)}
        if got:
            keys[i] = got
            cd.present[i] = True
    if not any(cd.present):
        cd.problem = "no run" if not any(t in r for r in cand_runs for t in tasks) else f"no samples in split {split!r}"
        return cd
    if any(r == "results.json" for r in cd.reducers.values()):
        return _summary_column(cd, cand_runs, split)
    shared = set.intersection(*(k for k in keys if k is not None))
    if not shared:
        cd.problem = "no shared samples between the candidates that have this column"
        return cd
    # One value per (task, sample) after reducing epochs; order is fixed by sorting.
    per: list[dict[tuple[str, str], tuple[float, str, str]]] = []
    for i, runs in enumerate(cand_runs):
        d: dict[tuple[str, str], tuple[float, str, str]] = {}
        if cd.present[i]:
            for t in tasks:
                run = runs.get(t)
                if run is None:
                    continue
                keep = {(sid, ep) for (tt, sid, ep) in shared if tt == t}
                d.update(per_sample(run, cd.scorers[t], keep, cd.reducers[t]))
        per.append(d)
    samples = sorted({(t, sid) for t, sid, _ in shared})
    ref = next(d for d in per if d)
    cd.clusters = [(t, ref[(t, sid)][1]) for t, sid in samples]
    vals = np.full((n_c, len(samples)), np.nan)
    for i, d in enumerate(per):
        if d:
            vals[i] = [d[s][0] if s in d else np.nan for s in samples]
    cd.values = vals
    cd.n_shared = len(samples)
    return cd


def _summary_column(cd: ColumnData, cand_runs: Sequence[dict[str, RunData]], split: str) -> ColumnData:
    """Values straight from results.json (one task, one language): no pairing possible."""
    col = cd.column
    if len(cd.tasks) != 1 or not col.langs or len(col.langs) != 1:
        cd.problem = "its metric cannot be recomputed per sample and the column pools several groups"
        return cd
    task, lang = cd.tasks[0], col.langs[0]
    out: list[tuple[float, float | None, int] | None] = []
    for i, runs in enumerate(cand_runs):
        run = runs.get(task)
        m = run.metric(cd.scorers[task], lang) if (run is not None and cd.present[i]) else None
        if m is None or m.get("value") is None:
            out.append(None)
            cd.present[i] = False
        else:
            out.append((float(m["value"]), m.get("stderr"), int(m.get("n") or 0)))
    cd.summary = out
    return cd


def cell_scale(unit: str) -> float:
    """Display points per metric unit: fractions as percentages, ratings as they are."""
    return 100.0 if unit == "fraction" else 1.0


def column_meta(cd: ColumnData) -> dict[str, Any]:
    return {"key": cd.column.key, "unit": cd.unit, "tasks": cd.tasks, "scorers": cd.scorers,
            "reducers": cd.reducers, "n_shared": cd.n_shared, "n_clusters": len(set(cd.clusters)),
            "problem": cd.problem,
            "ci_method": "stderr" if cd.summary is not None else "paired cluster bootstrap"}
