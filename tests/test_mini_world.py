"""Acceptance of the miniature world, measured with the harness's own pipeline and metrics.

Slow: the first run builds the world into the cache (5-10 minutes on 2 CPU cores; later runs
reuse it: one session fixture, never a build per test), then scores the parents and a few linear
merges on the `mini` suite with `thaibench score`. Run with THAIBENCH_SLOW=1.

What is asserted (and printed):
- the parents' trade-off: mini-reasoner's multi-step accuracy at least 30 points above mini-th's,
  mini-th's Thai answer-language accuracy at least 30 points above mini-reasoner's, with 95%
  intervals that do not overlap;
- a merge beats both parents on the combined score (mean of Thai multi-step accuracy and Thai
  answer-language accuracy), the ratio chosen on the `select` split and the margin measured on
  `report` with a paired bootstrap interval that excludes zero.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

SUITE_TASKS = ("mini_multi", "mini_single", "mini_chat")
RATIOS = (0.6, 0.7, 0.8, 0.9)


@pytest.fixture(scope="session")
def mini_world() -> dict[str, Path]:
    from thaibench.mini.cache import ensure_mini

    return ensure_mini()


def _score(model: Path, out: Path, split: str) -> dict[str, tuple[Path, str]]:
    """Score `model` on the mini suite's `split`; {task: (run directory, split)}. One run directory
    holds both splits (the split is a selection, not part of the run id); rows carry their split."""
    from thaibench.cli import main

    assert main(["score", str(model), "--suite", "mini", "--split", split, "--out", str(out), "--quiet",
                 "--batch-size", "64"]) == 0
    runs = {}
    for results in out.glob("runs/*/*/*/results.json"):
        res = json.loads(results.read_text(encoding="utf-8"))
        if res["candidate"]["path"] == str(model):
            runs[res["task"]["name"]] = (results.parent, split)
    assert set(runs) == set(SUITE_TASKS)
    return runs


def _rows(run_dirs: dict[str, tuple[Path, str]], scorer: str, tasks: tuple[str, ...], lang: str
          ) -> list[dict[str, Any]]:
    rows = []
    for task in tasks:
        run_dir, split = run_dirs[task]
        with (run_dir / "scores.jsonl").open(encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if r["scorer"] == scorer and r["lang"] == lang and r["split"] == split:
                    rows.append(r)
    assert rows, f"no {scorer} rows for {lang} in {tasks}"
    return rows


def _mean_ci(rows: list[dict[str, Any]]) -> tuple[float, float, float]:
    from thaibench.metrics import clustered_mean, per_sample

    values, pairs, _ = per_sample(rows)
    m, se, _ = clustered_mean(values, pairs)
    return m, m - 1.96 * (se or 0.0), m + 1.96 * (se or 0.0)


def _per_pair(rows: list[dict[str, Any]]) -> dict[str, float]:
    from thaibench.metrics import per_sample

    values, pairs, _ = per_sample(rows)
    return {pairs[sid]: v for sid, v in values.items()}


def combined(run_dirs: dict[str, tuple[Path, str]]) -> tuple[dict[str, float], dict[str, float]]:
    """Per-pair Thai multi-step correctness and Thai answer-language verdicts (all three tasks)."""
    return (_per_pair(_rows(run_dirs, "math_equiv", ("mini_multi",), "th")),
            _per_pair(_rows(run_dirs, "answer_lang_ok", SUITE_TASKS, "th")))


def combined_value(acc: dict[str, float], lang: dict[str, float]) -> float:
    return 0.5 * sum(acc.values()) / len(acc) + 0.5 * sum(lang.values()) / len(lang)


def paired_bootstrap(a: tuple[dict, dict], b: tuple[dict, dict], n: int = 2000, seed: int = 0
                     ) -> tuple[float, float, float]:
    """Combined(a) - combined(b): estimate and 95% interval, resampling pair_ids (both models)."""
    rng = random.Random(seed)
    pairs = sorted(set(a[1]) & set(b[1]))
    acc_pairs = set(a[0]) & set(b[0])
    diff = combined_value(*a) - combined_value(*b)
    stats = []
    for _ in range(n):
        draw = [rng.choice(pairs) for _ in pairs]
        acc = [p for p in draw if p in acc_pairs]
        d_acc = sum(a[0][p] - b[0][p] for p in acc) / max(1, len(acc))
        d_lang = sum(a[1][p] - b[1][p] for p in draw) / len(draw)
        stats.append(0.5 * d_acc + 0.5 * d_lang)
    stats.sort()
    return diff, stats[int(0.025 * n)], stats[int(0.975 * n)]


@pytest.fixture(scope="session")
def merges(mini_world: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[float, Path]:
    """Linear merges (reasoner share t) written as ordinary checkpoints."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from thaibench.mini.evaluate import linear_merge

    root = tmp_path_factory.mktemp("mini-merges")
    th = AutoModelForCausalLM.from_pretrained(mini_world["mini-th"])
    sd_th = {k: v.clone() for k, v in th.state_dict().items()}
    sd_r = AutoModelForCausalLM.from_pretrained(mini_world["mini-reasoner"]).state_dict()
    tok = AutoTokenizer.from_pretrained(mini_world["mini-th"])
    out = {}
    for t in RATIOS:
        th.load_state_dict(linear_merge(sd_th, sd_r, t))
        th.save_pretrained(root / f"linear-{t}")
        tok.save_pretrained(root / f"linear-{t}")
        out[t] = root / f"linear-{t}"
    return out


@pytest.fixture(scope="session")
def scored(mini_world, merges, tmp_path_factory) -> dict[str, dict[str, dict[str, tuple[Path, str]]]]:
    """{split: {model name: {task: (run dir, split)}}}: parents on both splits, merges on select."""
    out = tmp_path_factory.mktemp("mini-runs")
    res: dict[str, dict[str, dict[str, tuple[Path, str]]]] = defaultdict(dict)
    for split in ("select", "report"):
        for name in ("mini-th", "mini-reasoner"):
            res[split][name] = _score(Path(mini_world[name]), out, split)
    for t, path in merges.items():
        res["select"][f"linear {t}"] = _score(path, out, "select")
    return res


def test_parents_show_the_trade_off(scored) -> None:
    table = {}
    for name in ("mini-th", "mini-reasoner"):
        splits = [scored[split][name] for split in ("select", "report")]
        multi = [r for runs in splits for lang in ("th", "en") for r in _rows(runs, "math_equiv", ("mini_multi",), lang)]
        lang_th = [r for runs in splits for r in _rows(runs, "answer_lang_ok", SUITE_TASKS, "th")]
        table[name] = {"multi-step acc": _mean_ci(multi), "Thai answer lang": _mean_ci(lang_th)}
    print("\nminiature parents on the whole mini suite (select + report), mean [95% CI]:")
    for name, cols in table.items():
        print(f"  {name:14s}" + "  ".join(f"{k} {100 * v[0]:.1f} [{100 * v[1]:.1f}, {100 * v[2]:.1f}]"
                                          for k, v in cols.items()))
    th, rs = table["mini-th"], table["mini-reasoner"]
    assert rs["multi-step acc"][0] - th["multi-step acc"][0] >= 0.30
    assert rs["multi-step acc"][1] > th["multi-step acc"][2]  # intervals do not overlap
    assert th["Thai answer lang"][0] - rs["Thai answer lang"][0] >= 0.30
    assert th["Thai answer lang"][1] > rs["Thai answer lang"][2]


def test_a_merge_chosen_on_select_beats_both_parents_on_report(scored, merges, mini_world, tmp_path_factory) -> None:
    select = {name: combined_value(*combined(runs)) for name, runs in scored["select"].items()}
    best = max((t for t in RATIOS), key=lambda t: select[f"linear {t}"])
    print("\ncombined score on select (mean of Thai multi-step accuracy and Thai answer language):")
    for name, v in select.items():
        print(f"  {name:14s} {100 * v:.1f}")
    report_runs = _score(merges[best], tmp_path_factory.mktemp("mini-best"), "report")
    merged = combined(report_runs)
    print(f"chosen on select: linear {best}; on report:")
    print(f"  linear {best:<7} {100 * combined_value(*merged):.1f}")
    for name in ("mini-th", "mini-reasoner"):
        parent = combined(scored["report"][name])
        d, lo, hi = paired_bootstrap(merged, parent)
        print(f"  vs {name:14s} {100 * combined_value(*parent):.1f}: +{100 * d:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]")
        assert lo > 0, f"linear {best} does not beat {name} on report: {d:.3f} [{lo:.3f}, {hi:.3f}]"


def test_mini_check_prints_the_trade_off(mini_world, capsys: pytest.CaptureFixture[str]) -> None:
    from thaibench.cli import main

    assert main(["mini", "check", "--items", "12", "--ratios", "0.8"]) == 0
    out = capsys.readouterr().out
    assert "mini-reasoner" in out and "linear 0.8" in out
