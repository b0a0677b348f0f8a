"""Statistics behind the board and the gate: exact McNemar, Holm, Pareto front, and the
coverage of the paired cluster bootstrap on simulated data with a known mean."""

from __future__ import annotations

import math

import numpy as np
import pytest

from thaibench.leaderboards import stats

# (b, c, exact two-sided p) computed by hand: 2 * sum_{i<=min} C(n, i) / 2^n, capped at 1.
MCNEMAR = [
    (0, 0, 1.0),
    (0, 5, 2 / 32),
    (5, 0, 2 / 32),
    (3, 3, 1.0),
    (1, 9, 2 * (1 + 10) / 1024),
    (10, 30, 0.0022214337732293643),
    (2, 0, 0.5),
]


@pytest.mark.parametrize("b,c,expected", MCNEMAR)
def test_mcnemar_exact(b: int, c: int, expected: float) -> None:
    assert stats.mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12)


def test_mcnemar_large_counts_stay_finite_and_symmetric() -> None:
    p = stats.mcnemar_exact(900, 1100)
    assert 0 < p < 1e-4
    assert p == pytest.approx(stats.mcnemar_exact(1100, 900), rel=1e-12)
    assert stats.mcnemar_exact(5000, 5000) == 1.0


HOLM = [
    ([0.01, 0.04, 0.03], [0.03, 0.06, 0.06]),
    ([0.5], [0.5]),
    ([0.001, 0.2, float("nan")], [0.002, 0.2, float("nan")]),
    ([0.04, 0.04, 0.04, 0.04], [0.16, 0.16, 0.16, 0.16]),
    ([0.3, 0.9], [0.6, 0.9]),
]


@pytest.mark.parametrize("raw,adjusted", HOLM)
def test_holm(raw: list[float], adjusted: list[float]) -> None:
    got = stats.holm(raw)
    for g, a in zip(got, adjusted, strict=True):
        assert (math.isnan(g) and math.isnan(a)) or g == pytest.approx(a)


def test_pareto_front_keeps_only_undominated_points() -> None:
    xs = [50, 70, 90, 60, 95, float("nan")]
    ys = [80, 70, 40, 60, 20, 99]
    # (60, 60) is dominated by (70, 70); the NaN point is never on the front
    assert stats.pareto_front(xs, ys) == [0, 1, 2, 4]


def test_resample_counts_keep_each_stratum_size() -> None:
    rng = np.random.default_rng(0)
    strata = np.array([0, 0, 0, 1, 1])
    w = stats.draw_weights(strata, 500, rng)
    assert w.shape == (500, 5)
    assert np.all(w[:, :3].sum(axis=1) == 3)
    assert np.all(w[:, 3:].sum(axis=1) == 2)


def test_bootstrap_means_ignore_nan_samples() -> None:
    values = np.array([[1.0, np.nan, 0.0, 1.0]])
    S, N = stats.cluster_sums(values, np.array([0, 1, 2, 3]), 4)
    assert stats.point_means(S, N)[0] == pytest.approx(2 / 3)
    w = np.ones((1, 4))
    assert stats.bootstrap_means(S, N, w)[0, 0] == pytest.approx(2 / 3)


def _coverage(n_sims: int, n_pairs: int, clustered: bool, seed: int) -> float:
    """Share of 95% percentile intervals that contain the true mean.

    Each simulated data set has n_pairs items in Thai and English; an item's two versions share
    a latent solve rate p ~ Beta(2, 2) (so they are correlated, as paired items are), each
    outcome is Bernoulli(p), and the true mean is E[p] = 0.5. Simulations are the "candidates"
    axis of one vectorised bootstrap; each block of 100 gets its own resamples.
    """
    rng = np.random.default_rng(seed)
    hits = 0
    block = 100
    for start in range(0, n_sims, block):
        m = min(block, n_sims - start)
        p = rng.beta(2, 2, size=(m, n_pairs))
        th = (rng.random((m, n_pairs)) < p).astype(float)
        en = (rng.random((m, n_pairs)) < p).astype(float)
        values = np.concatenate([th, en], axis=1)
        if clustered:
            clusters = np.concatenate([np.arange(n_pairs), np.arange(n_pairs)])
            k = n_pairs
        else:
            clusters = np.arange(2 * n_pairs)
            k = 2 * n_pairs
        S, N = stats.cluster_sums(values, clusters, k)
        boot = stats.bootstrap_means(S, N, stats.resample_counts(k, 1000, rng))
        lo, hi = stats.percentile_ci(boot)
        hits += int(((lo <= 0.5) & (0.5 <= hi)).sum())
    return hits / n_sims


def test_cluster_bootstrap_coverage_is_nominal() -> None:
    n_sims = 1000
    cov = _coverage(n_sims, 150, clustered=True, seed=1)
    naive = _coverage(n_sims, 150, clustered=False, seed=1)
    print(f"\n95% interval coverage over {n_sims} simulations (150 TH/EN pairs): "
          f"cluster bootstrap {cov:.1%}, sample bootstrap ignoring pairs {naive:.1%}")
    assert 0.93 <= cov <= 0.97
    # Ignoring the pairing makes intervals too narrow when TH and EN versions are correlated.
    assert naive < cov
