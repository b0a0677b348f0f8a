"""The bundled miniature recipe end to end, and the SFT acceptance on the miniature world.

`thaibench recipe run mini` on the cached miniature parents: the board has rows for the
parents, the SFT model, the merges, and both ablations; and SFT of mini-th raises its think
rate and its multi-step accuracy while its Thai answer-language accuracy stays within 2 points
(non-inferiority: the lower end of the 95% paired interval of SFT - mini-th is above -2
points). The intervals are printed. Slow: the miniature world is built on first use (minutes)
and the recipe trains and scores a handful of models.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

MARGIN = 0.02   # non-inferiority margin on Thai answer-language accuracy (2 points)


def scores(out: Path, candidate: str, scorer: str, task: str | None = None,
           lang: str | None = None) -> dict[str, tuple[str, float]]:
    """sample key -> (pair cluster, value) for one candidate's runs (NaN values dropped)."""
    got = {}
    for f in (out / "runs" / candidate).glob("*/*/scores.jsonl"):
        if task and not f.parent.parent.name.startswith(task + "@"):
            continue
        for line in f.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["scorer"] == scorer and (lang is None or r["lang"] == lang) and r["value"] == r["value"]:
                got[f"{f.parent.parent.name}/{r['sample_id']}/{r['epoch']}"] = (r["pair_id"], float(r["value"]))
    return got


def paired(out: Path, a: str, b: str, scorer: str, task: str | None = None, lang: str | None = None,
           n_boot: int = 4000) -> tuple[float, float, float, float, float, int]:
    """(mean a, mean b, b - a, CI low, CI high, n) on shared samples; bootstrap over pair clusters."""
    sa, sb = scores(out, a, scorer, task, lang), scores(out, b, scorer, task, lang)
    keys = sorted(set(sa) & set(sb))
    clusters: dict[str, list[float]] = defaultdict(list)
    for k in keys:
        clusters[sa[k][0]].append(sb[k][1] - sa[k][1])
    sums = np.array([sum(v) for v in clusters.values()])
    counts = np.array([len(v) for v in clusters.values()])
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(sums), size=(n_boot, len(sums)))
    boot = sums[idx].sum(1) / counts[idx].sum(1)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    ma = float(np.mean([sa[k][1] for k in keys]))
    mb = float(np.mean([sb[k][1] for k in keys]))
    return ma, mb, mb - ma, float(lo), float(hi), len(keys)


@pytest.mark.slow
def test_mini_recipe_board_and_sft_acceptance(tmp_path: Path) -> None:
    from thaibench.cli import main
    from thaibench.mini.build import ensure_mini

    ensure_mini(progress=None)   # a first build is not part of the recipe's time
    out = tmp_path / "mini"
    t0 = time.perf_counter()
    assert main(["recipe", "run", "mini", "--out", str(out), "--quiet"]) == 0
    seconds = time.perf_counter() - t0
    roles = json.loads((out / "recipe.json").read_text())["roles"]
    select = json.loads((out / "board-select" / "leaderboard.json").read_text())
    rows = {r["candidate"]["id"]: r for r in select["rows"]}
    assert roles["thai_parent"] in rows and roles["reasoner_parent"] in rows          # the parents
    assert roles["sft"] in rows and rows[roles["sft"]]["lineage"]["generator"] == "sft"  # SFT (= SFT without merge)
    assert roles["merges"] and set(roles["merges"]) <= set(rows)                       # SFT x reasoner merges
    assert roles["merge_without_sft"] and set(roles["merge_without_sft"]) <= set(rows)  # merge without SFT
    report = json.loads((out / "board" / "leaderboard.json").read_text())
    assert {roles["thai_parent"], roles["reasoner_parent"], roles["sft"]} <= {r["candidate"]["id"]
                                                                               for r in report["rows"]}

    th, sft = roles["thai_parent"], roles["sft"]
    think = paired(out, th, sft, "think_present")
    multi = paired(out, th, sft, "math_equiv", task="mini_multi")
    lang = paired(out, th, sft, "answer_lang_ok", lang="th")
    print(f"\nrecipe run mini: {seconds:.0f} s")
    for name, (ma, mb, d, lo, hi, n) in (("think rate", think), ("multi-step accuracy", multi),
                                         ("Thai answer-language accuracy", lang)):
        print(f"{name}: mini-th {ma:.1%} -> SFT {mb:.1%}; SFT - mini-th {d:+.1%} "
              f"(95% paired CI {lo:+.1%} to {hi:+.1%}, n={n})")
    assert think[3] > 0                      # think rate up, interval above zero
    assert multi[3] > 0                      # multi-step accuracy up, interval above zero
    assert lang[3] > -MARGIN                 # Thai language accuracy non-inferior within 2 points
