"""Speed of the leaderboard's paired cluster bootstrap (prints figures; not a test).

Measures, on synthetic data:
1. the resampling core: C candidates x N samples (N/2 Thai/English pairs = clusters) x B
   resamples, as `thaibench.leaderboards.rank.Resampler` computes it (cluster counts x cluster
   sums, one matrix product), against a peer measured in the same run: the direct way, which
   gathers each resample's sample indices and averages them (timed on a few resamples and
   scaled to B);
2. a whole `board build` (read files, check, rank, write the site) on fabricated run directories.

Usage: python bench/board_bootstrap.py [--candidates 300] [--samples 4000] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from thaibench.leaderboards import stats


def core(n_cand: int, n_samples: int, n_boot: int, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    pairs = n_samples // 2
    clusters = np.concatenate([np.arange(pairs), np.arange(pairs)])
    values = (rng.random((n_cand, 2 * pairs)) < rng.random((n_cand, 1))).astype(float)
    t0 = time.perf_counter()
    S, N = stats.cluster_sums(values, clusters, pairs)
    W = stats.resample_counts(pairs, n_boot, rng)
    boot = stats.bootstrap_means(S, N, W)
    stats.percentile_ci(boot)
    fast = time.perf_counter() - t0
    # Peer: gather the samples of each resampled cluster and average (per resample).
    members = np.stack([np.arange(pairs), np.arange(pairs) + pairs], axis=1)
    k = max(3, n_boot // 100)
    t0 = time.perf_counter()
    for _ in range(k):
        pick = rng.integers(0, pairs, size=pairs)
        values[:, members[pick].ravel()].mean(axis=1)
    direct = (time.perf_counter() - t0) / k * n_boot
    return fast, direct


def whole_build(n_cand: int, n_items: int) -> float:
    from thaibench.leaderboards.fabricate import FabSpec, fabricate_run
    from thaibench.leaderboards.rank import RankOptions, build_leaderboard
    from thaibench.leaderboards.runs import load_runs
    from thaibench.leaderboards.site.build import build_site

    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "runs"
        for c in range(n_cand):
            for task in ("mgsm", "math500"):
                p = rng.random()
                fabricate_run(out, FabSpec({"id": f"c{c:04d}", "name": f"cand-{c}"}, task, {
                    "math_equiv": {lang: list((rng.random(n_items) < p).astype(int)) for lang in ("th", "en")},
                    "answer_lang_ok": {"th": list((rng.random(n_items) < 0.9).astype(int))}}))
        t0 = time.perf_counter()
        runs = load_runs([out])
        lb = build_leaderboard(runs, "th_en_reasoning", RankOptions(n_boot=1000))
        build_site(lb, runs, Path(tmp) / "site")
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidates", type=int, default=300)
    ap.add_argument("--samples", type=int, default=4000)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--build-candidates", type=int, default=40)
    ap.add_argument("--build-items", type=int, default=500)
    a = ap.parse_args()
    fast, direct = core(a.candidates, a.samples, a.resamples)
    print(f"bootstrap core: {a.candidates} candidates x {a.samples} samples ({a.samples // 2} clusters) x "
          f"{a.resamples} resamples: {fast:.2f} s; direct gather-and-average peer (scaled): {direct:.1f} s; "
          f"ratio {direct / fast:.0f}x")
    t = whole_build(a.build_candidates, a.build_items)
    print(f"whole board build (read files, check, rank, site): {a.build_candidates} candidates x 2 tasks x "
          f"2 languages x {a.build_items} items, 1000 resamples: {t:.1f} s")


if __name__ == "__main__":
    main()
