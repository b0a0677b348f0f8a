"""Paired statistics for boards and the gate: cluster bootstrap, exact McNemar, Holm.

Why paired and clustered: every candidate answers the same items, so differences between
candidates are measured on shared samples (the item's difficulty cancels out), and the Thai and
English versions of one item (same `pair_id`) are not independent draws, so the bootstrap
resamples whole pairs, not single samples. With several tasks the resampling is stratified:
each task keeps its own number of pairs in every resample.

Speed: a resample is a vector of cluster counts `W` (B x K). With per-candidate cluster sums
`S` and counts of scorable samples `N` (C x K), the resampled means of every candidate are one
matrix product, `(W @ S.T) / (W @ N.T)`, so thousands of samples x hundreds of candidates x
1,000 resamples take well under a second (see bench/board_bootstrap.py).

References: Efron & Tibshirani, "An Introduction to the Bootstrap" (1993), percentile
intervals and the cluster (block) bootstrap; McNemar (1947), exact binomial form; Holm, "A
simple sequentially rejective multiple test procedure" (1979).

Example:
    >>> W = draw_weights(np.array([0, 0, 1]), 1000, np.random.default_rng(0))
    >>> S, N = cluster_sums(np.array([[1.0, 0.0, 1.0]]), np.array([0, 1, 2]), 3)
    >>> bootstrap_means(S, N, W).shape
    (1000, 1)

Quirks: NaN values (unscorable samples) are left out of both the sum and the count, so a
resample's mean is over the scorable samples it drew; a resample that drew none is NaN and is
ignored by the percentiles. Percentile intervals of a mean of 0/1 values are slightly narrow for
very few clusters (under about 30); the board prints the cluster count beside every interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def resample_counts(k: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, k) counts of k clusters drawn k times with replacement, one row per resample."""
    idx = rng.integers(0, k, size=(n_boot, k))
    flat = (idx + np.arange(n_boot)[:, None] * k).ravel()
    return np.bincount(flat, minlength=n_boot * k).reshape(n_boot, k).astype(np.float64)


def draw_weights(strata: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, K) counts, stratified: each stratum's clusters are drawn as many times as it has
    clusters, so every resample keeps each stratum's size. `strata[j]` is cluster j's stratum."""
    strata = np.asarray(strata)
    out = np.zeros((n_boot, len(strata)), dtype=np.float64)
    for s in np.unique(strata):
        cols = np.flatnonzero(strata == s)
        out[:, cols] = resample_counts(len(cols), n_boot, rng)
    return out


def cluster_sums(values: np.ndarray, clusters: np.ndarray, n_clusters: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-candidate sums and scorable counts per cluster.

    values: (C, n) per-sample values, NaN = unscorable; clusters: (n,) cluster index of each
    sample. Returns S, N of shape (C, n_clusters).
    """
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    ok = ~np.isnan(values)
    v = np.where(ok, values, 0.0)
    c = values.shape[0]
    S = np.zeros((c, n_clusters))
    N = np.zeros((c, n_clusters))
    for i in range(c):
        S[i] = np.bincount(clusters, weights=v[i], minlength=n_clusters)
        N[i] = np.bincount(clusters, weights=ok[i].astype(np.float64), minlength=n_clusters)
    return S, N


def bootstrap_means(S: np.ndarray, N: np.ndarray, W: np.ndarray) -> np.ndarray:
    """(B, C) resampled means; NaN where a resample drew no scorable sample of a candidate."""
    num = W @ S.T
    den = W @ N.T
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def point_means(S: np.ndarray, N: np.ndarray) -> np.ndarray:
    tot = N.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, S.sum(axis=1) / np.where(tot > 0, tot, 1.0), np.nan)


def percentile_ci(samples: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval along axis 0, ignoring NaN resamples."""
    tail = (1.0 - level) / 2.0 * 100.0
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo = np.nanpercentile(samples, tail, axis=0)
            hi = np.nanpercentile(samples, 100.0 - tail, axis=0)
    return lo, hi


def normal_p(diff: float, se: float, one_sided: bool = False) -> float:
    """p-value of `diff` against 0 with bootstrap standard error `se`: two-sided, or one-sided
    for a drop (H1: diff < 0).

    Used instead of counting resamples beyond 0, whose resolution (1/B) is too coarse for Holm's
    correction over many metrics. se == 0 means every resample gave the same difference.
    """
    if not math.isfinite(diff) or not math.isfinite(se):
        return float("nan")
    if se <= 0:
        if one_sided:
            return 0.0 if diff < 0 else 1.0
        return 1.0 if diff == 0 else 0.0
    z = diff / se
    if one_sided:
        return 0.5 * math.erfc(-z / math.sqrt(2.0))
    return math.erfc(abs(z) / math.sqrt(2.0))


def _binom_half_cdf(k: int, n: int) -> float:
    """P[Binom(n, 1/2) <= k], exact: sum of C(n, i) for i <= k over 2**n, as integers."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    tail, term = 0, 1
    for i in range(k + 1):  # C(n, i+1) = C(n, i) * (n - i) / (i + 1), exact in integers
        tail += term
        term = term * (n - i) // (i + 1)
    return _ratio(tail, n)


def mcnemar_exact(b: int, c: int, one_sided: bool = False) -> float:
    """Exact McNemar p-value from the discordant counts.

    b = pairs the baseline got right and the candidate wrong, c = the reverse. Under H0 the
    b + c discordant pairs split 50/50. Two-sided: min(1, 2 * P[X <= min(b, c)]); one-sided for
    "the candidate is worse" (b > c): P[X >= b] = P[X <= c], X ~ Binom(b + c, 1/2).
    """
    n = int(b) + int(c)
    if n == 0:
        return 1.0
    if one_sided:
        return min(1.0, _binom_half_cdf(int(c), n))
    k = min(int(b), int(c))
    if 2 * k >= n:
        return 1.0
    return min(1.0, 2.0 * _binom_half_cdf(k, n))


def _ratio(num: int, log2_den: int) -> float:
    """num / 2**log2_den for huge integers without overflowing a float."""
    shift = max(0, num.bit_length() - 60)
    return math.ldexp(float(num >> shift), shift - log2_den)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (same order as given); NaN stays NaN and is not counted."""
    idx = [i for i, p in enumerate(pvalues) if p is not None and math.isfinite(p)]
    m = len(idx)
    out = [float("nan")] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(sorted(idx, key=lambda j: pvalues[j])):
        adj = min(1.0, (m - rank) * float(pvalues[i]))
        running = max(running, adj)
        out[i] = running
    return out


def pareto_front(xs: Sequence[float], ys: Sequence[float]) -> list[int]:
    """Indices of points not dominated in (x up, y up); NaN points are never on the front."""
    pts = [(x, y, i) for i, (x, y) in enumerate(zip(xs, ys, strict=True))
           if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)]
    front = []
    for x, y, i in pts:
        dominated = any((x2 >= x and y2 >= y) and (x2 > x or y2 > y) for x2, y2, _ in pts)
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: (xs[i], ys[i]))
