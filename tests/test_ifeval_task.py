"""The ifeval task: every row loads and is checkable, the scorer reads only the answer, the metric
computes the paper's four accuracies, and `thaibench score --tasks ifeval` runs end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from thaibench.ifeval import INSTRUCTIONS, evaluate
from thaibench.scorers import get_scorer
from thaibench.scorers.ifeval import ifeval_metric
from thaibench.task import get_task
from thaibench.types import Generation, Sample


@pytest.mark.parametrize(("lang", "n_rows", "n_ids"), [("th", 215, 20), ("en", 541, 25)])
def test_every_row_loads_and_every_instruction_is_checkable(lang: str, n_rows: int, n_ids: int) -> None:
    loaded = get_task("ifeval").samples(lang)
    assert len(loaded.samples) == n_rows and not loaded.skipped
    ids = set()
    for s in loaded.samples:
        ids |= set(s.target["instruction_id_list"])
        assert all(None not in kw.values() for kw in s.target["kwargs"])
        for variant in ("reference", "corrected"):
            ev = evaluate(s.target["instruction_id_list"], s.target["kwargs"], "คำตอบ answer", lang, variant)
            assert len(ev.strict) == len(s.target["instruction_id_list"])
    assert len(ids) == n_ids and ids <= set(INSTRUCTIONS)


def test_thai_rows_pair_with_their_english_originals() -> None:
    task = get_task("ifeval")
    th = {s.pair_id: s for s in task.samples("th").samples}
    en = {s.pair_id: s for s in task.samples("en").samples}
    assert len(th) == 215 and set(th) <= set(en)
    same = sum(th[p].target["instruction_id_list"] == en[p].target["instruction_id_list"] for p in th)
    assert same == 214  # row 177 adds a JSON instruction to key 2392
    assert th["1000"].input.startswith("เขียนสรุป") and en["1000"].input.startswith("Write a 300+ word summary")


def test_hub_rows_with_null_padding_load() -> None:
    task = get_task("ifeval")
    row = {"key": 7, "prompt": "Say hi.", "instruction_id_list": ["punctuation:no_comma", "keywords:existence"],
           "kwargs": [{"keywords": None, "num_words": None}, {"keywords": ["hi"], "num_words": None}]}
    s = task.load("en", row, 0)
    assert s.target["kwargs"] == [{}, {"keywords": ["hi"]}]


def _sample(lang: str = "en") -> Sample:
    target = {"instruction_id_list": ["punctuation:no_comma", "startend:end_checker"],
              "kwargs": [{}, {"end_phrase": "Bye."}]}
    return Sample("x", lang, "prompt", target, {"pair_id": "x"})


def test_scorer_checks_the_answer_not_the_reasoning_trace() -> None:
    score = get_scorer("ifeval")(_sample(), Generation(text="", reasoning="Hmm, commas, everywhere, here",
                                                        answer="No commas at all. Bye.", think_closed=True))
    assert score.value == 1.0
    assert [i["strict"] for i in score.details["instructions"]] == [True, True]


def test_scorer_reports_verdicts_per_instruction() -> None:
    score = get_scorer("ifeval")(_sample(), Generation(text="Hi, there.\nBye.", answer="Hi, there.\nBye."))
    assert score.value == 0.0
    assert score.details["prompt_loose"] is True  # dropping the first line removes the comma
    assert score.details["instructions"] == [
        {"id": "punctuation:no_comma", "strict": False, "loose": True},
        {"id": "startend:end_checker", "strict": True, "loose": True},
    ]
    assert "punctuation:no_comma" in score.explanation


def test_unclosed_trace_follows_nothing_and_errors_are_nan() -> None:
    sc = get_scorer("ifeval")
    unclosed = sc(_sample(), Generation(text="<think>no end", reasoning="no end", answer="", think_closed=False))
    assert unclosed.value == 0.0 and "unclosed" in unclosed.explanation
    assert math.isnan(sc(_sample(), Generation(text="", error="timeout")).value)
    bad = Sample("y", "en", "p", {"instruction_id_list": ["detectable_format:rhyme"], "kwargs": [{}]})
    assert math.isnan(sc(bad, Generation(text="x", answer="x")).value)


def _row(sid: str, strict: list[bool], loose: list[bool], value: float | None = 0.0) -> dict:
    inst = [{"id": f"i{j}", "strict": s, "loose": lo} for j, (s, lo) in enumerate(zip(strict, loose, strict=True))]
    return {"sample_id": sid, "pair_id": sid, "value": value if value is None else float(all(strict)),
            "details": {"prompt_strict": all(strict), "prompt_loose": all(loose), "instructions": inst}}


def test_metric_is_the_papers_four_accuracies_and_their_mean() -> None:
    rows = [_row("a", [True, False], [True, True]), _row("b", [True], [True]),
            _row("c", [False, False, True], [True, False, True]), _row("d", [True], [True], value=None)]
    got = {m.name: m for m in ifeval_metric(rows, "ifeval", "en")}
    assert got["ifeval_prompt_strict"].value == pytest.approx(1 / 3)
    assert got["ifeval_prompt_loose"].value == pytest.approx(2 / 3)
    assert got["ifeval_inst_strict"].value == pytest.approx(3 / 6)
    assert got["ifeval_inst_loose"].value == pytest.approx(5 / 6)
    assert got["ifeval"].value == pytest.approx((1 / 3 + 2 / 3 + 3 / 6 + 5 / 6) / 4)
    assert all(m.n == 3 and m.n_nan == 1 and m.stderr is not None for m in got.values())


def test_metric_with_no_scored_samples_is_nan() -> None:
    got = ifeval_metric([_row("d", [True], [True], value=None)], "ifeval", "th")
    assert all(math.isnan(m.value) and m.n == 0 and m.n_nan == 1 for m in got)


def test_score_command_runs_ifeval_end_to_end(pico_llama: Path, shared_data: Path, tmp_path: Path) -> None:
    from thaibench.cli import main

    out = tmp_path / "out"
    assert main(["score", str(pico_llama), "--tasks", "ifeval", "--limit", "3", "--max-tokens", "16",
                 "--out", str(out), "--data-dir", str(shared_data), "--quiet", "--batch-size", "6"]) == 0
    [d] = [p.parent for p in out.rglob("results.json")]
    results = json.loads((d / "results.json").read_text(encoding="utf-8"))
    names = {(m["name"], m["group"]) for m in results["metrics"]}
    for name in ("ifeval", "ifeval_prompt_strict", "ifeval_prompt_loose", "ifeval_inst_strict",
                 "ifeval_inst_loose", "ifeval_corrected"):
        assert {(name, "th"), (name, "en"), (name, "th-en")} <= names
    head = next(m for m in results["metrics"] if m["name"] == "ifeval" and m["group"] == "en")
    assert head["n"] == 3 and 0.0 <= head["value"] <= 1.0
    scores = [json.loads(line) for line in (d / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    ifeval_rows = [s for s in scores if s["scorer"] == "ifeval"]
    assert len(ifeval_rows) == 6 and all("instructions" in s["details"] for s in ifeval_rows)
    assert {s["details"]["rules"] for s in ifeval_rows} == {"th", "en"}
