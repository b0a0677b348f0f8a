"""Adaptive sweep: successive halving picks the full sweep's top candidate and saves work."""

from __future__ import annotations

import numpy as np

from thaibench.merge.adaptive import simulate, stage_sizes, successive_halving, tied_with_top


def test_stage_sizes() -> None:
    assert stage_sizes(400, 50) == [50, 100, 200, 400]
    assert stage_sizes(100, 64) == [64, 100]
    assert stage_sizes(10, 50) == [10]


def test_clear_loser_dropped_and_leader_kept() -> None:
    rng = np.random.default_rng(0)
    good = (rng.random(300) < 0.8).astype(float)
    bad = (rng.random(300) < 0.3).astype(float)
    close = good.copy()
    close[:3] = 1 - close[:3]
    assert tied_with_top(np.stack([good, bad, close]), np.arange(300)) == [True, False, True]


def test_loop_stops_when_one_is_left() -> None:
    staged = []
    winner, log = successive_halving(["a", "b", "c"], 400, 50, lambda alive, n: staged.append((list(alive), n)),
                                     lambda alive, n: [("b", True)] + [(c, False) for c in alive if c != "b"])
    assert winner == "b" and staged == [(["a", "b", "c"], 50)]
    assert log.evaluations == 150 and log.full_evaluations == 1200 and abs(log.saved - 0.875) < 1e-9


def test_simulation_agrees_with_full_sweep() -> None:
    # 11 candidates like a ratio grid: quality rises to a peak and falls (known truth)
    ratios = np.linspace(0, 1, 11)
    qualities = 0.35 + 0.3 * np.exp(-((ratios - 0.6) ** 2) / 0.08)  # neighbours within 3.5 points
    runs, same, saved = 100, 0, []
    for seed in range(runs):
        winner, full, log = simulate(qualities, n_total=500, first=50, seed=seed)
        same += winner == full
        saved.append(log.saved)
    rate = same / runs
    print(f"adaptive picks the full sweep's top candidate in {rate:.0%} of {runs} simulated sweeps; "
          f"generations saved: mean {np.mean(saved):.0%} (min {np.min(saved):.0%}, max {np.max(saved):.0%})")
    assert rate >= 0.90
    assert np.mean(saved) > 0.3
