"""Adaptive sweeps: successive halving on the `select` split with paired confidence intervals.

Every surviving candidate is scored on the same first slice of `select` items; a candidate is
dropped when the paired bootstrap interval of (leader - candidate) lies entirely above 0 (the
board's "not tied with the top" rule); the survivors go on to a slice twice as large, until
the whole split. Candidates never compete on different items, so the comparison stays paired,
and nothing chosen here is ever reported: the report split is scored afterwards.

`successive_halving` is the loop; the sweep command gives it a stage runner (the pipeline with
`--limit n`) and a ranker (the board); `simulate` gives it fabricated outcomes with known
qualities, which is how the rule is tested.

Example:
    winner, log = successive_halving(ids, n_total=400, first=50, run_stage=..., rank=...)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from thaibench.leaderboards import stats


@dataclass
class HalvingLog:
    stages: list[tuple[int, list[str]]] = field(default_factory=list)  # (items, alive before the stage)
    evaluations: int = 0  # candidate x item pairs scored
    full_evaluations: int = 0  # what scoring everyone on everything would have cost

    @property
    def saved(self) -> float:
        return 1.0 - self.evaluations / self.full_evaluations if self.full_evaluations else 0.0


def stage_sizes(n_total: int, first: int) -> list[int]:
    sizes, n = [], max(1, min(first, n_total))
    while n < n_total:
        sizes.append(n)
        n *= 2
    return [*sizes, n_total]


def successive_halving(candidates: Sequence[str], n_total: int, first: int,
                       run_stage: Callable[[list[str], int], None],
                       rank: Callable[[list[str], int], list[tuple[str, bool]]]) -> tuple[str | None, HalvingLog]:
    """`run_stage(alive, n)` scores `alive` on the first n items; `rank(alive, n)` returns
    (candidate, tied_with_top) best first. Returns the winner and what it cost."""
    alive = list(candidates)
    log = HalvingLog(full_evaluations=len(candidates) * n_total)
    done: dict[str, int] = {}
    ranked: list[tuple[str, bool]] = []
    for n in stage_sizes(n_total, first):
        log.stages.append((n, list(alive)))
        run_stage(alive, n)
        log.evaluations += sum(n - done.get(c, 0) for c in alive)
        done.update({c: n for c in alive})
        ranked = rank(alive, n)
        alive = [c for c, tied in ranked if tied]
        if len(alive) <= 1:
            break
    return (ranked[0][0] if ranked else None), log


def tied_with_top(values: np.ndarray, clusters: np.ndarray, level: float = 0.95, n_boot: int = 1000,
                  seed: int = 0) -> list[bool]:
    """The board's rule on a (C, n) matrix of per-item scores: is each candidate's paired interval
    of (top - candidate) touching 0?"""
    k = int(clusters.max()) + 1
    S, N = stats.cluster_sums(values, clusters, k)
    W = stats.draw_weights(np.zeros(k, dtype=int), n_boot, np.random.default_rng(seed))
    boot = stats.bootstrap_means(S, N, W)
    point = stats.point_means(S, N)
    top = int(np.nanargmax(point))
    out = []
    for i in range(values.shape[0]):
        lo, _ = stats.percentile_ci(boot[:, top] - boot[:, i], level)
        out.append(bool(i == top or lo <= 0))
    return out


def simulate(qualities: Sequence[float], n_total: int, first: int, seed: int) -> tuple[int, int, HalvingLog]:
    """One simulated sweep with Bernoulli outcomes of known per-candidate accuracy, where items
    also differ in difficulty (shared by all candidates, as in a real benchmark). Returns (the
    adaptive winner, the full sweep's winner, the log)."""
    rng = np.random.default_rng(seed)
    q = np.asarray(qualities)
    difficulty = rng.normal(0.0, 1.0, n_total)
    logit = np.log(q / (1 - q))[:, None] - difficulty[None, :] * 0.8
    outcomes = (rng.random((len(q), n_total)) < 1 / (1 + np.exp(-logit))).astype(float)
    ids = [str(i) for i in range(len(q))]

    def rank(alive: list[str], n: int) -> list[tuple[str, bool]]:
        idx = [int(a) for a in alive]
        vals = outcomes[idx, :n]
        tied = tied_with_top(vals, np.arange(n), seed=seed)
        order = np.argsort(-vals.mean(axis=1), kind="stable")
        return [(alive[i], tied[i]) for i in order]

    winner, log = successive_halving(ids, n_total, first, lambda alive, n: None, rank)
    full = int(np.argmax(outcomes.mean(axis=1)))
    return int(winner), full, log
