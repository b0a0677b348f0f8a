"""The regression gate: exit codes on fabricated baselines and candidates, the margin, Holm,
and its error rates in simulation (A/A false alarms, power against an injected 5-point drop)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from thaibench.cli import main
from thaibench.leaderboards import stats
from thaibench.leaderboards.fabricate import FabSpec, fabricate_run
from thaibench.leaderboards.gate import GateOptions, MetricTest, decide, paired_test, parse_metric, run_gate
from thaibench.leaderboards.runs import load_runs


def fab(out: Path, cid: str, th: list, en: list | None = None, task: str = "mgsm", **kw) -> Path:
    scores = {"math_equiv": {"th": th, **({"en": en} if en is not None else {})}}
    return fabricate_run(out, FabSpec(candidate={"id": cid, "name": f"model-{cid}"}, task=task, scores=scores, **kw))


def base_outcomes(n: int, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random(n) < 0.6).astype(int)


def flip(values: np.ndarray, k: int, to: int) -> list[int]:
    """Turn the first k items whose value is 1 - to into `to`."""
    out = values.copy()
    out[np.flatnonzero(out == 1 - to)[:k]] = to
    return [int(x) for x in out]


def gate(tmp: Path, a: Path, b: Path, *extra: str) -> int:
    return main(["gate", "--baseline", str(a), "--candidate", str(b), "--resamples", "300", *extra])


def test_identical_files_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = base_outcomes(500)
    a = fab(tmp_path / "a", "a", list(b), list(b))
    report = tmp_path / "report.md"
    assert gate(tmp_path, a, a, "--report", str(report)) == 0
    text = report.read_text(encoding="utf-8")
    assert text.startswith("## thaibench gate: no regression in 3 metrics (exit 0)")
    assert "McNemar b=0 c=0" in text


def test_injected_regression_fails_with_a_pr_ready_report(tmp_path: Path) -> None:
    b = base_outcomes(500)
    a = fab(tmp_path / "a", "a", list(b), list(b))
    c = fab(tmp_path / "c", "c", flip(b, 25, 0), list(b))     # -5 points in Thai only
    report, js = tmp_path / "r.md", tmp_path / "r.json"
    assert gate(tmp_path, a, c, "--report", str(report), "--json", str(js)) == 1
    text = report.read_text(encoding="utf-8")
    assert "REGRESSION in 2 of 3 metrics (exit 1)" in text
    assert "| mgsm th math_equiv | 500 | " in text and "McNemar b=25 c=0" in text and "**regression**" in text
    result = json.loads(js.read_text(encoding="utf-8"))
    th = next(t for t in result["tests"] if t["lang"] == "th")
    assert th["diff"] == pytest.approx(-5.0) and th["regression"] is True
    en = next(t for t in result["tests"] if t["lang"] == "en")
    assert en["verdict"] == "no significant change"


def test_margin_and_direction(tmp_path: Path) -> None:
    n = 2500
    b = base_outcomes(n, seed=3)
    a = fab(tmp_path / "a", "a", list(b))
    small = fab(tmp_path / "s", "s", flip(b, 20, 0))         # -0.8 points, highly significant
    better = fab(tmp_path / "i", "i", flip(b, 50, 1))        # +2 points
    res = run_gate(load_runs([a]), load_runs([small]), GateOptions(n_boot=200))
    assert res.exit_code == 0 and res.tests[0].verdict == "drop within margin"
    assert res.tests[0].p_holm < 1e-6
    assert run_gate(load_runs([a]), load_runs([small]), GateOptions(n_boot=200, max_drop=0.5)).exit_code == 1
    res = run_gate(load_runs([a]), load_runs([better]), GateOptions(n_boot=200))
    assert res.exit_code == 0 and res.tests[0].verdict == "improvement"


def test_holm_adjusts_over_the_metrics_tested(tmp_path: Path) -> None:
    b = base_outcomes(400, seed=5)
    a = fab(tmp_path / "a", "a", list(b), list(b))
    c = fab(tmp_path / "c", "c", flip(b, 12, 0), flip(b, 9, 0))
    res = run_gate(load_runs([a]), load_runs([c]), GateOptions(n_boot=200))
    ps = [t.p for t in res.tests]
    assert [t.p_holm for t in res.tests] == pytest.approx(stats.holm(ps))
    assert min(t.p_holm for t in res.tests) == pytest.approx(3 * min(ps))
    th = res.tests[0]
    assert th.test == "McNemar b=12 c=0" and th.p == pytest.approx(0.5**12)   # one-sided exact


def test_metric_selection(tmp_path: Path) -> None:
    b = base_outcomes(100)
    a = fab(tmp_path / "a", "a", list(b), list(b))
    res = run_gate(load_runs([a]), load_runs([a]), GateOptions(metrics=("mgsm:th",), n_boot=100))
    assert [t.label for t in res.tests] == ["mgsm th math_equiv"]
    assert parse_metric("*:th/answer_lang_ok") == ("*", "th", "answer_lang_ok")
    assert parse_metric("mgsm") == ("mgsm", None, None)
    res = run_gate(load_runs([a]), load_runs([a]), GateOptions(metrics=("nosuch",), n_boot=100))
    assert res.exit_code == 2 and "no metric matches" in res.problems[0]


def test_ratings_use_the_bootstrap_and_rating_points(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(1, 11, size=80).astype(float)
    kw = {"units": {"math_equiv": "score"}}
    a = fab(tmp_path / "a", "a", list(base), task="mt_bench", **kw)
    c = fab(tmp_path / "c", "c", list(np.clip(base - 2, 1, 10)), task="mt_bench", **kw)
    res = run_gate(load_runs([a]), load_runs([c]), GateOptions(n_boot=500))
    t = res.tests[0]
    assert t.test == "bootstrap" and t.unit == "score"
    assert -2.0 <= t.diff < -1.0 and t.regression and res.exit_code == 1
    assert run_gate(load_runs([a]), load_runs([c]), GateOptions(n_boot=500, max_drop=2.0)).exit_code == 0


@pytest.mark.parametrize("change,message", [
    ({"version": "2"}, "task versions differ"),
    ({"prompt_tag": " v2"}, "prompts differ"),
    ({"data_tag": "new"}, "data (th) differ"),
])
def test_unusable_input_exits_2(tmp_path: Path, change: dict, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    b = base_outcomes(50)
    a = fab(tmp_path / "a", "a", list(b))
    c = fab(tmp_path / "c", "c", list(b), **change)
    report = tmp_path / "r.md"
    assert gate(tmp_path, a, c, "--report", str(report)) == 2
    assert message in report.read_text(encoding="utf-8")
    assert "cannot compare (exit 2)" in report.read_text(encoding="utf-8")


def test_no_shared_samples_or_task_exits_2(tmp_path: Path) -> None:
    a = fab(tmp_path / "a", "a", [1, 0, 1])
    other = fab(tmp_path / "o", "o", [1, 0, 1], task="math500")
    res = run_gate(load_runs([a]), load_runs([other]))
    assert res.exit_code == 2 and "share no task" in res.problems[0]
    # same task, disjoint languages: no shared samples
    en_only = fabricate_run(tmp_path / "e", FabSpec({"id": "e"}, "mgsm", {"math_equiv": {"en": [1, 1, 0]}}))
    res = run_gate(load_runs([a]), load_runs([en_only]))
    assert res.exit_code == 2 and "no shared scorable samples" in " ".join(res.problems)


def test_generation_settings_need_allow_mixed_but_seed_does_not(tmp_path: Path) -> None:
    b = base_outcomes(60)
    a = fab(tmp_path / "a", "a", list(b))
    seed = fab(tmp_path / "s", "a", list(b), generation={"max_tokens": 64, "temperature": 0.0, "seed": 99})
    hot = fab(tmp_path / "h", "h", list(b), generation={"max_tokens": 64, "temperature": 0.7, "seed": 1234})
    assert run_gate(load_runs([a]), load_runs([seed]), GateOptions(n_boot=100)).exit_code == 0
    res = run_gate(load_runs([a]), load_runs([hot]), GateOptions(n_boot=100))
    assert res.exit_code == 2 and "generation settings differ" in res.problems[0]
    res = run_gate(load_runs([a]), load_runs([hot]), GateOptions(n_boot=100, allow_mixed=True))
    assert res.exit_code == 0 and any(n.startswith("MIXED (allowed)") for n in res.notes)


def test_baseline_with_several_candidates_is_refused(tmp_path: Path) -> None:
    fab(tmp_path / "both", "a", [1, 0])
    fab(tmp_path / "both", "b", [1, 0])
    res = run_gate(load_runs([tmp_path / "both"]), load_runs([tmp_path / "both" / "runs" / "a"]))
    assert res.exit_code == 2 and "holds runs of 2 candidates" in res.problems[0]


# -- error rates in simulation ------------------------------------------------------------------

def _simulate(n_sims: int, drop: float, beta: float, seed: int, n: int = 500) -> float:
    """Share of simulated gates that exit 1, through the gate's own test and decision code.

    Each simulated benchmark has n binary items with solve rates p_i ~ Beta(beta, beta); the
    baseline and the candidate are independent draws (different sampling seeds). A/A: the
    candidate has the same p_i. Regression: p_i scaled so that the expected score drops by
    `drop` points. beta = 0.1 makes most items solved almost always or almost never, as items
    of a reasoning benchmark are across seeds; a larger beta means noisier items.
    """
    rng = np.random.default_rng(seed)
    opt = GateOptions(n_boot=200)
    W = stats.resample_counts(n, opt.n_boot, rng)
    idx = np.arange(n)
    fails = 0
    for _ in range(n_sims):
        p = rng.beta(beta, beta, size=n)
        q = p * (1 - drop / 100 / p.mean())
        b = (rng.random(n) < p).astype(float)
        c = (rng.random(n) < q).astype(float)
        mt = MetricTest("sim", "sim", "th", "acc", "fraction")
        paired_test(mt, b, c, idx, W, epochs=1)
        decide(mt, stats.holm([mt.p])[0], opt, stats.holm([mt.p_up])[0])
        fails += mt.regression
    return fails / n_sims


def test_gate_error_rates_in_simulation() -> None:
    n_sims = 1000
    aa_pass = 1 - _simulate(n_sims, 0.0, 0.1, seed=11)
    caught = _simulate(n_sims, 5.0, 0.1, seed=12)
    noisier = {b: _simulate(200, 5.0, b, seed=13) for b in (0.3, 1.0)}
    print(f"\ngate, 500 binary items, alpha 0.05, margin 1 point, {n_sims} simulations each: "
          f"A/A exit 0 in {aa_pass:.1%}; 5-point regression caught in {caught:.1%} "
          f"(noisier items, 200 simulations: Beta(0.3) {noisier[0.3]:.0%}, uniform {noisier[1.0]:.0%})")
    assert aa_pass >= 0.95
    assert caught >= 0.90


def test_a_side_with_two_runs_of_one_task_is_refused(tmp_path: Path) -> None:
    fab(tmp_path / "a", "a", [1, 0])
    fab(tmp_path / "a", "a", [1, 0], generation={"max_tokens": 9, "temperature": 0.0, "seed": 1})
    res = run_gate(load_runs([tmp_path / "a"]), load_runs([tmp_path / "a"]))
    assert res.exit_code == 2 and "2 runs of task mgsm" in res.problems[0]
