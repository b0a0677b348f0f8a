"""Boards on fabricated run directories with known per-sample outcomes: ordering, ties,
missing tasks, refusal to mix settings, shared samples only, NaN handling, the paper's board."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from thaibench.cli import main
from thaibench.errors import UserError
from thaibench.leaderboards.board import get_board
from thaibench.leaderboards.fabricate import LANG_SCORERS, FabSpec, demo_runs, fabricate_run
from thaibench.leaderboards.markdown import render
from thaibench.leaderboards.rank import RankOptions, build_leaderboard
from thaibench.leaderboards.runs import load_runs, reduce_epochs
from thaibench.task import split_of

ALL = RankOptions(split="all", n_boot=500)


def cand(cid: str, **extra: Any) -> dict[str, Any]:
    return {"id": cid, "name": f"model-{cid}", "kind": "checkpoint", **extra}


def pattern(n: int, correct: int) -> list[int]:
    """`correct` ones spread evenly over n items (deterministic)."""
    return [int((i * correct) // n != ((i + 1) * correct) // n) for i in range(n)]


def run(out: Path, cid: str, task: str = "mgsm", th: list | None = None, en: list | None = None,
        **kw: Any) -> Path:
    scores = {"math_equiv": {k: v for k, v in (("th", th), ("en", en)) if v is not None}}
    return fabricate_run(out, FabSpec(candidate=cand(cid), task=task, scores=scores, **kw))


def rows_by_id(lb: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["candidate"]["id"]: r for r in lb["rows"]}


def test_pattern_helper() -> None:
    assert sum(pattern(200, 180)) == 180 and sum(pattern(200, 0)) == 0


def test_ordering_and_ties_with_known_truth(tmp_path: Path) -> None:
    n = 200
    run(tmp_path, "a", th=pattern(n, 180), en=pattern(n, 180))
    run(tmp_path, "b", th=pattern(n, 180), en=pattern(n, 180))   # identical to a
    run(tmp_path, "c", th=pattern(n, 178), en=pattern(n, 178))   # one point lower: within noise
    run(tmp_path, "d", th=pattern(n, 100), en=pattern(n, 100))   # far below
    lb = build_leaderboard(load_runs([tmp_path]), "th_en_reasoning", ALL)
    order = [r["candidate"]["id"] for r in lb["rows"]]
    assert order == ["a", "b", "c", "d"]
    assert [r["rank"] for r in lb["rows"]] == [1, 2, 3, 4]
    rows = rows_by_id(lb)
    assert rows["a"]["tied_with_top"] and rows["b"]["tied_with_top"] and rows["c"]["tied_with_top"]
    assert rows["d"]["tied_with_top"] is False
    assert rows["a"]["cells"]["mgsm_th"]["value"] == pytest.approx(90.0)
    assert rows["d"]["aggregates"]["average"]["value"] == pytest.approx(50.0)
    lo, hi = rows["d"]["aggregates"]["average"]["ci_low"], rows["d"]["aggregates"]["average"]["ci_high"]
    assert lo < 50.0 < hi
    assert rows["d"]["rank_range"] == [4, 4]
    md = render(lb)
    assert "| 1 ≈ | model-a |" in md and "| 4 | model-d |" in md


def test_missing_task_is_missing_never_zero(tmp_path: Path) -> None:
    run(tmp_path, "x", "mgsm", th=pattern(60, 30), en=pattern(60, 40))
    run(tmp_path, "x", "math500", th=pattern(60, 20), en=pattern(60, 30))
    run(tmp_path, "y", "mgsm", th=pattern(60, 50), en=pattern(60, 50))
    lb = build_leaderboard(load_runs([tmp_path]), "th_en_reasoning", ALL)
    y = rows_by_id(lb)["y"]
    assert y["cells"]["math500_th"]["missing"] is True and "value" not in y["cells"]["math500_th"]
    # The average compares like with like: only the columns both candidates have.
    assert lb["aggregates"]["average"]["columns"] == ["mgsm_th", "mgsm_en"]
    assert set(lb["aggregates"]["average"]["left_out"]) == {"math500_th", "math500_en"}
    assert y["aggregates"]["average"]["value"] == pytest.approx(100 * 100 / 120)
    cols = {c["key"]: c for c in lb["columns"]}
    assert cols["aime2024_th"]["present_for"] == 0 and cols["aime2024_th"]["problem"] == "no run"
    md = render(lb)
    assert "missing" in md and "Not run by any candidate" in md
    assert "AIME 2024 TH" in md.split("Not run by any candidate")[1]


MIXES = [
    ("task versions", {"version": "2"}),
    ("generation settings", {"generation": {"max_tokens": 64, "temperature": 0.6, "seed": 1234}}),
    ("prompts", {"prompt_tag": " (new template)"}),
    ("data (th)", {"data_tag": "v2"}),
    ("scorer versions (math_equiv)", {"scorer_versions": {"math_equiv": "2"}}),
    ("judges", {"judge": {"model": "judge-b"}}),
]


@pytest.mark.parametrize("what,change", MIXES, ids=[m[0] for m in MIXES])
def test_refuses_runs_whose_settings_differ(tmp_path: Path, what: str, change: dict[str, Any]) -> None:
    run(tmp_path, "a", th=pattern(40, 30), en=pattern(40, 30))
    run(tmp_path, "b", th=pattern(40, 20), en=pattern(40, 20), **change)
    runs = load_runs([tmp_path])
    with pytest.raises(UserError) as err:
        build_leaderboard(runs, "th_en_reasoning", ALL)
    assert what in str(err.value) and "--allow-mixed" in str(err.value)
    lb = build_leaderboard(runs, "th_en_reasoning", RankOptions(split="all", n_boot=100, allow_mixed=True))
    assert any(m["what"] == what for m in lb["mixed"])
    assert "MIXED SETTINGS" in render(lb)


def test_a_different_seed_or_backend_is_shown_not_refused(tmp_path: Path) -> None:
    run(tmp_path, "a", th=pattern(40, 30), en=pattern(40, 30))
    run(tmp_path, "b", th=pattern(40, 20), en=pattern(40, 20),
        backend={"name": "vllm", "version": "0.8", "dtype": "bfloat16"},
        generation={"max_tokens": 64, "temperature": 0.0, "seed": 7})
    lb = build_leaderboard(load_runs([tmp_path]), "th_en_reasoning", ALL)
    assert not lb["mixed"]
    assert rows_by_id(lb)["b"]["backends"] == ["vllm"]
    assert any("backends differ, shown not refused" in n for n in lb["notes"])


def test_two_runs_of_one_task_for_one_candidate_are_refused(tmp_path: Path) -> None:
    run(tmp_path, "a", th=pattern(40, 30))
    run(tmp_path, "a", th=pattern(40, 30), generation={"max_tokens": 99, "temperature": 0.0, "seed": 1})
    with pytest.raises(UserError, match="runs of one candidate"):
        build_leaderboard(load_runs([tmp_path]), "th_en_reasoning", ALL)


def test_only_shared_samples_are_compared(tmp_path: Path) -> None:
    long = [1] * 60 + [0] * 40          # items 60-99 exist only for candidate "long"
    run(tmp_path, "long", th=long)
    run(tmp_path, "short", th=[0] * 60)
    lb = build_leaderboard(load_runs([tmp_path]), "th_en_reasoning", ALL)
    col = next(c for c in lb["columns"] if c["key"] == "mgsm_th")
    assert col["n_shared"] == 60
    assert rows_by_id(lb)["long"]["cells"]["mgsm_th"]["value"] == pytest.approx(100.0)


def test_unscorable_samples_are_excluded_and_counted(tmp_path: Path) -> None:
    run(tmp_path, "a", th=[1, 1, None, 0, None, 1])
    run(tmp_path, "b", th=[1, 0, 1, 0, 1, 0])
    lb = build_leaderboard(load_runs([tmp_path]), "th_en_reasoning", ALL)
    cell = rows_by_id(lb)["a"]["cells"]["mgsm_th"]
    assert cell["value"] == pytest.approx(75.0) and cell["n"] == 4 and cell["n_nan"] == 2


def test_ranks_on_the_report_split_by_default(tmp_path: Path) -> None:
    n = 80
    run(tmp_path, "a", th=[1] * n)
    run(tmp_path, "b", th=[0] * n)
    runs = load_runs([tmp_path])
    n_report = sum(split_of("mgsm", f"mgsm-{i:03d}") == "report" for i in range(n))
    lb = build_leaderboard(runs, "th_en_reasoning", RankOptions(n_boot=100))
    assert lb["split"] == "report"
    assert next(c for c in lb["columns"] if c["key"] == "mgsm_th")["n_shared"] == n_report
    sel = build_leaderboard(runs, "th_en_reasoning", RankOptions(split="select", n_boot=100))
    assert next(c for c in sel["columns"] if c["key"] == "mgsm_th")["n_shared"] == n - n_report


def test_gap_compares_tasks_with_both_languages(tmp_path: Path) -> None:
    run(tmp_path, "a", "mgsm", th=pattern(50, 20), en=pattern(50, 40))
    run(tmp_path, "a", "aime2025", en=pattern(30, 30))
    lb = build_leaderboard(load_runs([tmp_path]), "th_en_reasoning", ALL)
    aggs = lb["rows"][0]["aggregates"]
    assert lb["aggregates"]["th"]["columns"] == ["mgsm_th"] and lb["aggregates"]["en"]["columns"] == ["mgsm_en"]
    assert aggs["gap"]["value"] == pytest.approx(40.0 - 80.0)
    assert aggs["average"]["value"] == pytest.approx((40 + 80 + 100) / 3)


EPOCHS = [
    ([1.0, 0.0, 1.0, 1.0], "mean", 0.75),
    ([1.0, 0.0, 0.0, 0.0], "pass@1", 0.25),
    ([1.0, 0.0, 0.0, 0.0], "pass@2", 0.5),          # 1 - C(3,2)/C(4,2)
    ([0.0, 0.0, 0.0, 0.0], "pass@2", 0.0),
    ([1.0, 1.0, 0.0, 0.0], "pass@3", 1.0),          # n - c < k
    ([1.0, float("nan"), 0.0], "mean", 0.5),        # NaN epochs do not count
    ([float("nan")], "mean", float("nan")),
]


@pytest.mark.parametrize("vals,reducer,expected", EPOCHS)
def test_epochs_reduce(vals: list[float], reducer: str, expected: float) -> None:
    got = reduce_epochs(vals, reducer)
    assert (got != got and expected != expected) or got == pytest.approx(expected)


def test_typhoon_r1_defines_the_paper_columns(tmp_path: Path) -> None:
    board = get_board("typhoon_r1")
    assert [c.label for c in board.columns if c.in_average] == [
        "IFEval EN", "IFEval TH", "MT-Bench EN", "MT-Bench TH", "Lang", "Think", "AIME", "MATH-500",
        "LiveCodeBench EN", "LiveCodeBench TH"]
    assert board.column("lang").scorer == ("skythought_lang", "lang_public_check")
    assert board.column("lang").tasks == ("language_accuracy",)
    assert board.column("think").scorer == "think_present"
    n = 20
    c = cand("m")
    fabricate_run(tmp_path, FabSpec(c, "ifeval", {"prompt_strict": {"en": pattern(n, 16), "th": pattern(n, 12)}}))
    fabricate_run(tmp_path, FabSpec(c, "mt_bench", {"judge_rating": {"en": [8.0] * n, "th": [7.0] * n}},
                                    units={"judge_rating": "score"}))
    fabricate_run(tmp_path, FabSpec(c, "language_accuracy", {
        "answer_lang_ok": {"th": pattern(n, 18)}, "skythought_lang": {"th": pattern(n, 19)},
        "think_present": {"th": pattern(n, 10)}}, kinds=LANG_SCORERS))
    fabricate_run(tmp_path, FabSpec(c, "aime2024", {"math_equiv": {"en": pattern(n, 5), "th": pattern(n, 1)}}))
    fabricate_run(tmp_path, FabSpec(c, "math500", {"math_equiv": {"en": pattern(n, 14)}}))
    fabricate_run(tmp_path, FabSpec(c, "livecodebench", {"lcb_pass": {"en": pattern(n, 8), "th": pattern(n, 6)}},
                                    headline=("lcb_pass", "pass_at_k")))   # the real task's headline
    lb = build_leaderboard(load_runs([tmp_path]), "typhoon_r1", RankOptions(split="all", n_boot=200))
    row = lb["rows"][0]
    lcb = next(c for c in lb["columns"] if c["key"] == "lcb_en")
    assert lcb["ci_method"] == "paired cluster bootstrap" and lcb["reducers"] == {"livecodebench": "mean"}
    got = {k: v["value"] for k, v in row["cells"].items()}
    assert got == pytest.approx({"ifeval_en": 80.0, "ifeval_th": 60.0, "mtbench_en": 8.0, "mtbench_th": 7.0,
                                 "lang": 95.0, "think": 50.0, "aime": 25.0, "math500": 70.0, "lcb_en": 40.0,
                                 "lcb_th": 30.0, "lang_strict": 90.0})
    # The paper's average: MT-Bench x10, the strict Lang column is not in it.
    paper = (80 + 60 + 80 + 70 + 95 + 50 + 25 + 70 + 40 + 30) / 10
    assert row["aggregates"]["average"]["value"] == pytest.approx(paper)
    cc = (80 + 60 + 700 / 9 + 600 / 9 + 95 + 50 + 25 + 70 + 40 + 30) / 10   # ratings: (v - 1) / 9
    assert row["aggregates"]["chance_centred"]["value"] == pytest.approx(cc)
    assert row["aggregates"]["reasoning"]["value"] == pytest.approx((25 + 70 + 40 + 30) / 4)


def test_typhoon_r1_without_most_tasks_shows_them_missing(tmp_path: Path) -> None:
    fabricate_run(tmp_path, FabSpec(cand("m"), "math500", {"math_equiv": {"en": pattern(10, 5)}}))
    lb = build_leaderboard(load_runs([tmp_path]), "typhoon_r1", RankOptions(split="all", n_boot=100))
    row = lb["rows"][0]
    assert row["cells"]["ifeval_en"]["missing"] and row["cells"]["mtbench_th"]["missing"]
    assert lb["aggregates"]["average"]["columns"] == ["math500"]
    assert row["aggregates"]["average"]["value"] == pytest.approx(50.0)


def test_lineage_comes_from_candidate_json(tmp_path: Path) -> None:
    ckpt = tmp_path / "merged"
    ckpt.mkdir()
    params = {"models": [{"parameters": {"weight": {"one_minus": 0.3}}}, {"parameters": {"weight": 0.3}}],
              "base": None, "parameters": {}}
    (ckpt / "candidate.json").write_text(json.dumps({
        "schema_version": 1, "id": "abc", "spec": {"generator": "dare_linear", "parents": ["p1", "p2"], "params": params},
        "lineage": {"method": "dare_linear", "parents": [{"id": "p1", "ref": "/models/thai", "role": "model"},
                                                          {"id": "p2", "ref": "/models/r1", "role": "model"}]}}))
    fabricate_run(tmp_path / "out", FabSpec(cand("m", path=str(ckpt)), "mgsm", {"math_equiv": {"th": [1, 0]}}))
    lb = build_leaderboard(load_runs([tmp_path / "out"]), "th_en_reasoning", ALL)
    lin = lb["rows"][0]["lineage"]
    assert lin["generator"] == "dare_linear" and lin["ratio"] == 0.3
    assert [p["name"] for p in lin["parents"]] == ["thai", "r1"]
    assert "dare\\_linear of thai, r1; ratio=0.3" in render(lb)   # markdown-escaped


def test_board_build_command_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo_runs(tmp_path / "runs", n_items=40)
    out = tmp_path / "board"
    assert main(["board", "build", str(tmp_path / "runs"), "--out", str(out), "--resamples", "200"]) == 0
    lb = json.loads((out / "leaderboard.json").read_text(encoding="utf-8"))
    assert lb["schema_version"] == 1 and lb["kind"] == "thaibench.leaderboard"
    assert len(lb["rows"]) == 6
    assert (out / "leaderboard.md").read_text(encoding="utf-8").startswith("# Thai/English reasoning")
    assert (out / "site" / "index.html").is_file()
    assert len(list((out / "site" / "candidates").glob("*.html"))) == 6
    # Thai stays readable in the JSON (ensure_ascii=False)
    assert "ครับ" in (out / "site" / "candidates" / "p-thai.html").read_text(encoding="utf-8")
    run(tmp_path / "runs", "p-thai", "aime2025", en=[1, 0])
    run(tmp_path / "runs", "p-reason", "aime2025", en=[1, 0], version="9")
    assert main(["board", "build", str(tmp_path / "runs"), "--out", str(out)]) == 2
    assert "task versions differ" in capsys.readouterr().err


def test_board_list_names_both_boards(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["board", "list"]) == 0
    out = capsys.readouterr().out
    assert "th_en_reasoning" in out and "typhoon_r1" in out


def test_pandas_api(tmp_path: Path) -> None:
    from thaibench.leaderboards.api import load_board, load_results, load_samples

    demo_runs(tmp_path / "runs", n_items=20, tasks=("mgsm",))
    df = load_results([tmp_path / "runs"])
    # 6 candidates x 1 task x (th, en, th-en) x 4 scorers
    assert len(df) == 6 * 3 * 4
    m = df[(df.metric == "math_equiv") & (df.group == "th")]
    assert set(m.candidate_id) == {"p-thai", "p-reason", "merge-0.25", "merge-0.5", "merge-0.75", "markup"}
    assert m.set_index("candidate_id").loc["merge-0.5", "ratio"] == 0.5
    assert m.headline.all()
    s = load_samples([tmp_path / "runs"])
    assert len(s) == 6 * 4 * 40
    assert main(["board", "build", str(tmp_path / "runs"), "--out", str(tmp_path / "b"), "--split", "all",
                 "--no-site"]) == 0
    b = load_board(tmp_path / "b")
    assert not (tmp_path / "b" / "site").exists()
    avg = b[b.column == "average"].set_index("candidate_id")
    assert len(avg) == 6 and avg.loc["merge-0.75", "sweep"] == avg.loc["merge-0.25", "sweep"]
    missing = b[b.column == "aime2025_en"]
    assert len(missing) == 0 or missing.missing.all()


def _ifeval_details(seed: int, n: int) -> tuple[list[int], list[dict[str, Any]]]:
    import random

    rnd = random.Random(seed)
    values, details = [], []
    for _ in range(n):
        inst = [{"strict": rnd.random() < 0.6, "loose": False} for _ in range(rnd.randint(1, 3))]
        for i in inst:
            i["loose"] = i["strict"] or rnd.random() < 0.5
        ps, pl = all(i["strict"] for i in inst), all(i["loose"] for i in inst)
        values.append(int(ps))
        details.append({"prompt_strict": ps, "prompt_loose": pl, "instructions": inst})
    return values, details


def test_a_non_mean_headline_is_recomputed_on_shared_samples(tmp_path: Path) -> None:
    from thaibench.metrics import METRICS

    va, da = _ifeval_details(1, 12)
    vb, db = _ifeval_details(2, 8)          # b answered only the first 8 prompts
    for cid, v, d in (("a", va, da), ("b", vb, db)):
        fabricate_run(tmp_path, FabSpec(cand(cid), "ifeval", {"ifeval": {"en": v}}, headline=("ifeval", "ifeval"),
                                        details={"ifeval": {"en": d}}))
    lb = build_leaderboard(load_runs([tmp_path]), "typhoon_r1", ALL)
    col = next(c for c in lb["columns"] if c["key"] == "ifeval_en")
    assert col["ci_method"] == "normal, task metric" and col["n_shared"] == 8
    rows = [{"sample_id": f"en/ifeval-{i:03d}", "epoch": 0, "pair_id": f"ifeval-{i:03d}", "value": float(va[i]),
             "details": da[i]} for i in range(8)]
    expected = METRICS.get("ifeval")(rows, "ifeval", "en")[0]
    cell = rows_by_id(lb)["a"]["cells"]["ifeval_en"]
    assert cell["value"] == pytest.approx(100 * expected.value, abs=1e-3)
    assert cell["ci_low"] < cell["value"] < cell["ci_high"] and cell["n"] == 8
    # The four-accuracy mean differs from the per-sample value (prompt-level strict) it is built on.
    assert cell["value"] != pytest.approx(100 * sum(va[:8]) / 8)


def test_a_mean_like_task_metric_is_bootstrapped(tmp_path: Path) -> None:
    for cid, r in (("a", [8.0, 7.0, 9.0, 6.0]), ("b", [5.0, 6.0, 7.0, 4.0])):
        fabricate_run(tmp_path, FabSpec(cand(cid), "mt_bench", {"mt_bench_score": {"en": r, "th": r}},
                                        headline=("mt_bench_score", "mean_score"), units={"mt_bench_score": "score"},
                                        judge={"id": "j1", "spec": "openai:judge@http://x"}))
    lb = build_leaderboard(load_runs([tmp_path]), "typhoon_r1", ALL)
    col = next(c for c in lb["columns"] if c["key"] == "mtbench_en")
    assert col["ci_method"] == "paired cluster bootstrap" and col["reducers"] == {"mt_bench": "mean"}
    assert col["judges"] == ["openai:judge@http://x"]
    assert rows_by_id(lb)["a"]["cells"]["mtbench_en"]["value"] == pytest.approx(7.5)
    assert rows_by_id(lb)["a"]["aggregates"]["average"]["value"] == pytest.approx(75.0)


def test_copies_of_one_run_are_one_run(tmp_path: Path) -> None:
    run(tmp_path / "a", "x", th=[1, 0, 1, 1])
    run(tmp_path / "b", "x", th=[1, 0, 1, 1])      # the same run id in another folder
    run(tmp_path / "b", "y", th=[0, 0, 1, 1])
    lb = build_leaderboard(load_runs([tmp_path / "a", tmp_path / "b"]), "th_en_reasoning", ALL)
    assert len(lb["rows"]) == 2 and any("copies of run" in n for n in lb["notes"])
