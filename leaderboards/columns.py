"""A board column's per-sample matrix: candidates x shared samples, clustered by item.

For one column and the candidates that have it, this finds the SHARED samples (the
(task, sample_id, epoch) triples every such candidate scored in the column's languages and
split), reduces each sample's epochs (mean, or pass@k), and lays the values out as a matrix
(candidates x samples, NaN = unscorable) with each sample's cluster, `(task, pair_id)`: the
Thai and English versions of an item are one cluster. Candidates without the column get a row
of NaN and are reported as missing, never as zero.

Example: for a column over mgsm th with candidates A, B that share 120 samples, `values` is
2 x 120 and `clusters` maps each sample to one of 120 `(mgsm, pair_id)` clusters.

Metrics other than a mean of per-sample values or pass@k (IFEval's number, the mean of four
accuracies, two of them ratios of sums) are recomputed with the task's own registered metric
on the shared samples; when that equals the plain per-sample mean (MT-Bench's `mean_score`)
the column is bootstrapped like any other, otherwise its interval is the metric's own clustered
standard error (`ci_method = "normal, task metric"`), unpaired.
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
    reducers: dict[str, str] = field(default_factory=dict)  # task -> "mean", "pass@k" or a metric name
    unit: str = "fraction"
    values: np.ndarray | None = None  # (C, n)
    clusters: list[tuple[str, str]] = field(default_factory=list)  # per sample: (task, pair_id)
    n_shared: int = 0
    # Metrics that are not a mean of per-sample values: per candidate (value, stderr, n, n_nan).
    summary: list[tuple[float, float | None, int, int] | None] | None = None
    judges: list[str] = field(default_factory=list)
    problem: str | None = None  # why the column has no numbers at all


def _scorer_for(col: Column, run: RunData) -> tuple[str | None, str]:
    """(scorer, reducer) of this column in this run. The reducer is "mean", "pass@k", or the
    name of a task metric that is not a plain mean (recomputed on the shared samples)."""
    if isinstance(col.scorer, tuple):
        return next((s for s in col.scorer if s in run.scores), col.scorer[0]), col.reducer or "mean"
    if col.scorer is not None:
        return col.scorer, col.reducer or "mean"
    head = run.headline
    if head is None:
        acc = [m["name"] for m in run.results.get("metrics", []) if m.get("kind") != "lang"]
        return (acc[0] if acc else None), col.reducer or "mean"
    scorer, metric = head
    return scorer, col.reducer or metric


def _simple(reducer: str) -> bool:
    return reducer == "mean" or reducer.startswith("pass@")


def column_tasks(col: Column, tasks_seen: Sequence[str]) -> list[str]:
    return sorted(tasks_seen) if ANY_TASK in col.tasks else [t for t in col.tasks if t in tasks_seen]


def build_column(col: Column, cand_runs: Sequence[dict[str, RunData]], tasks_seen: Sequence[str],
                 split: str) -> ColumnData:
    """cand_runs[i] = {task: run} of candidate i."""
    n_c = len(cand_runs)
    tasks = column_tasks(col, tasks_seen)
    cd = ColumnData(col, [False] * n_c, tasks)
    keys: list[set[tuple[str, str, int]] | None] = [None] * n_c
    judges: set[str] = set()
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
            cd.reducers.setdefault(t, reducer)
            cd.unit = run.unit(scorer)
            if run.judge_label():
                judges.add(run.judge_label() or "")
            got |= {(t, sid, ep) for sid, ep in sample_keys(run, scorer, col.langs, split)}
        if got:
            keys[i] = got
            cd.present[i] = True
    cd.judges = sorted(judges)
    if not any(cd.present):
        cd.problem = "no run" if not any(t in r for r in cand_runs for t in tasks) else f"no samples in split {split!r}"
        return cd
    shared = set.intersection(*(k for k in keys if k is not None))
    if not shared:
        cd.problem = "no shared samples between the candidates that have this column"
        return cd
    if not all(_simple(r) for r in cd.reducers.values()) and not _task_metric(cd, cand_runs, shared):
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


def _task_metric(cd: ColumnData, cand_runs: Sequence[dict[str, RunData]], shared: set[tuple[str, str, int]]) -> bool:
    """A column whose metric is not a plain per-sample mean: recompute it with the task's own
    metric on the shared samples. Returns True when it turns out to be the plain mean (then
    the caller bootstraps it, reducer "mean"); otherwise fills `summary` and returns False."""
    from thaibench.metrics import METRICS
    from thaibench.metrics import per_sample as mean_per_sample
    from thaibench.task import TASKS

    col = cd.column
    if len(cd.tasks) != 1 or not col.langs or len(col.langs) != 1:
        cd.problem = "its metric is not a per-sample mean and the column pools several tasks or languages"
        return False
    task, lang = cd.tasks[0], col.langs[0]
    metric_name, scorer = cd.reducers[task], cd.scorers[task]
    TASKS.names()  # task modules register their own metrics (MT-Bench's mean_score)
    if metric_name not in METRICS:
        cd.problem = f"metric {metric_name!r} is not known to this thaibench"
        return False
    keep = {(sid, ep) for (t, sid, ep) in shared if t == task}
    out: list[tuple[float, float | None, int, int] | None] = []
    plain = True
    for i, runs in enumerate(cand_runs):
        if not cd.present[i]:
            out.append(None)
            continue
        rows = runs[task].raw_scores(scorer, keep)
        mv = next((m for m in METRICS.get(metric_name)(rows, scorer, lang)
                   if m.name == scorer and getattr(m, "slice", None) is None), None)
        if mv is None:
            out.append(None)
            cd.present[i] = False
            continue
        values, _, _ = mean_per_sample(rows)
        mean = sum(values.values()) / len(values) if values else float("nan")
        plain = plain and (mv.value == mean or abs(mv.value - mean) <= 1e-9)
        out.append((float(mv.value), mv.stderr, int(mv.n), int(mv.n_nan)))
    if plain:
        cd.reducers[task] = "mean"
        return True
    cd.summary = out
    cd.n_shared = len({sid for sid, _ in keep})
    return False


def cell_scale(unit: str) -> float:
    """Display points per metric unit: fractions as percentages, ratings as they are."""
    return 100.0 if unit == "fraction" else 1.0


def column_meta(cd: ColumnData) -> dict[str, Any]:
    return {"key": cd.column.key, "unit": cd.unit, "tasks": cd.tasks, "scorers": cd.scorers,
            "reducers": cd.reducers, "n_shared": cd.n_shared, "n_clusters": len(set(cd.clusters)),
            "judges": cd.judges, "problem": cd.problem,
            "ci_method": "normal, task metric" if cd.summary is not None else "paired cluster bootstrap"}
