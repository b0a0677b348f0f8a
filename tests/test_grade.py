"""`thaibench grade`: responses produced elsewhere get the same scores as `score` gave the same
texts; bad files are refused with line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from servers import build_scripted_model, torch_threads

from thaibench.cli import main
from thaibench.grade import make_generation
from thaibench.records import read_jsonl

BOXED_REPLY = "<think>Add the numbers</think>The answer is \\boxed{18}"  # MGSM item 0's answer is 18


def run_dirs(out: Path) -> list[Path]:
    return sorted(p.parent for p in out.rglob("run.json"))


def scores(d: Path) -> dict:
    return {(x["sample_id"], x["epoch"], x["scorer"]): (x["value"], x["answer"]) for x in read_jsonl(d / "scores.jsonl")}


def metrics(d: Path) -> list:
    r = json.loads((d / "results.json").read_text())
    return sorted((m["name"], m["group"], m["value"], m["n"], m["n_nan"]) for m in r["metrics"])


def write_lines(path: Path, rows: list) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))
            f.write("\n")
    return path


def grade(task: str, file: Path, out: Path, *extra: str) -> int:
    return main(["grade", task, str(file), "--out", str(out), "--quiet", *extra])



@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with torch_threads(1):
        yield


@pytest.fixture(scope="module")
def boxed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_scripted_model(tmp_path_factory.mktemp("boxed") / "m", BOXED_REPLY)


@pytest.mark.parametrize("which", ["boxed_model", "pico_qwen2"])
def test_grade_gives_the_scores_score_gave(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    model = request.getfixturevalue(which)
    assert main(["score", str(model), "--tasks", "mgsm", "--limit", "3", "--max-tokens", "24", "--out",
                 str(tmp_path / "scored"), "--quiet"]) == 0
    [scored] = run_dirs(tmp_path / "scored")
    gens = list(read_jsonl(scored / "generations.jsonl"))
    rows = [{"id": g["sample_id"], "response": g["text"], "finish_reason": g["finish_reason"],
             "completion_tokens": g["completion_tokens"], "exported_by": "test"} for g in gens]
    assert grade("mgsm", write_lines(tmp_path / "responses.jsonl", rows), tmp_path / "graded") == 0
    [graded] = run_dirs(tmp_path / "graded")
    assert scores(graded) == scores(scored) and len(scores(graded)) >= 6 * 6
    assert metrics(graded) == metrics(scored)
    if which == "boxed_model":  # a real right answer, so equality is not all zeros
        assert scores(graded)[("en/mgsm-000", 0, "math_equiv")] == (1.0, "18")
    theirs = {g["sample_id"]: g for g in read_jsonl(graded / "generations.jsonl")}
    for g in gens:
        mine = theirs[g["sample_id"]]
        assert (mine["reasoning"], mine["answer"], mine["think_closed"]) == \
               (g["reasoning"], g["answer"], g["think_closed"])
        assert mine["extra"] == {"exported_by": "test"} and mine["prompt"] is None and mine["source_line"] >= 1
    run = json.loads((graded / "run.json").read_text())
    assert run["candidate"]["kind"] == "responses" and run["candidate"]["name"] == "responses.jsonl"
    assert run["backend"]["lines"] == 6 and run["data"]["th"]["graded"] == 3 and run["data"]["th"]["of"] == 250


def test_separate_reasoning_field_scores_like_tags(tmp_path: Path) -> None:
    tagged = write_lines(tmp_path / "a.jsonl", [
        {"id": "en/mgsm-000", "response": "<think>16-3-4=9, 9*2=18</think>The answer is \\boxed{18}"},
        {"id": "en/mgsm-001", "response": "<think>cut off by the budget"}])
    apart = write_lines(tmp_path / "b.jsonl", [
        {"id": "en/mgsm-000", "response": "The answer is \\boxed{18}", "reasoning": "16-3-4=9, 9*2=18"},
        {"id": "en/mgsm-001", "response": "", "reasoning": "cut off by the budget", "finish_reason": "length"}])
    assert grade("mgsm:en", tagged, tmp_path / "o") == 0
    assert grade("mgsm:en", apart, tmp_path / "o") == 0
    a, b = run_dirs(tmp_path / "o")
    assert scores(a) == scores(b)
    assert scores(a)[("en/mgsm-000", 0, "math_equiv")][0] == 1.0
    assert scores(a)[("en/mgsm-001", 0, "think_closed")][0] == 0.0


def test_bad_lines_refused_with_their_numbers(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    f = write_lines(tmp_path / "bad.jsonl", [
        {"id": "th/mgsm-000", "response": "18"},
        "{not json",
        {"id": "th/mgsm-9999", "response": "1"},
        {"id": "th/mgsm-000", "response": "again"},
        {"id": "th/mgsm-001"},
        {"id": "en/mgsm-002", "response": "x"},
        "[1, 2]",
        "",
        {"id": "th/mgsm-003", "response": "5"},
    ])
    assert grade("mgsm:th", f, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "6 of 8 lines are unusable, nothing was graded" in err
    for part in ("not JSON: line 2 (", "unknown id: line 3 ('th/mgsm-9999'; ids look like 'th/mgsm-000'",
                 "duplicate id: line 4 ('th/mgsm-000' epoch 0 first on line 1)", "no `response` text: line 5",
                 "id of a language not selected: line 6 ('en/mgsm-002' is en)", "not a JSON object: line 7"):
        assert part in err
    assert not (tmp_path / "out").exists()

    assert grade("mgsm:th", f, tmp_path / "out", "--skip-bad") == 0
    [d] = run_dirs(tmp_path / "out")
    run = json.loads((d / "run.json").read_text())
    assert run["backend"]["skipped_lines"] == 6 and "line 3" in run["backend"]["skipped"]
    assert [g["source_line"] for g in read_jsonl(d / "generations.jsonl")] == [1, 9]
    results = json.loads((d / "results.json").read_text())
    assert results["selection"]["skipped_lines"] == 6


def test_empty_and_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert grade("mgsm", tmp_path / "nope.jsonl", tmp_path / "o") == 2
    assert "no such responses file" in capsys.readouterr().err
    assert grade("mgsm", write_lines(tmp_path / "empty.jsonl", []), tmp_path / "o") == 2
    assert "no usable responses" in capsys.readouterr().err


def test_inline_targets_need_no_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THAIBENCH_DATA_DIR", str(tmp_path / "no-data-here"))
    f = write_lines(tmp_path / "inline.jsonl", [
        {"id": "q1", "lang": "en", "target": "18", "response": "\\boxed{18}", "input": "9*2?"},
        {"id": "q2", "lang": "th", "target": "7", "response": "คำตอบคือ \\boxed{8}"},
        {"lang": "en", "target": "3", "response": "\\boxed{3}", "epoch": 1}])
    assert grade("mgsm", f, tmp_path / "out") == 0
    [d] = run_dirs(tmp_path / "out")
    s = scores(d)
    assert s[("q1", 0, "math_equiv")][0] == 1.0 and s[("q2", 0, "math_equiv")][0] == 0.0
    assert s[("line-3", 1, "math_equiv")][0] == 1.0
    lines = {g["sample_id"]: g for g in read_jsonl(d / "generations.jsonl")}
    assert lines["q1"]["sample"]["target"] == "18" and lines["q1"]["sample"]["input"] == "9*2?"
    # rescore rebuilds inline samples from the lines, with no task data present
    from thaibench.cli import main

    assert main(["rescore", str(d), "--force"]) == 0
    assert scores(d)[("q1", 0, "math_equiv")][0] == 1.0
    # a task with two languages needs `lang` on inline lines
    bad = write_lines(tmp_path / "nolang.jsonl", [{"id": "q1", "target": "18", "response": "18"}])
    assert grade("mgsm", bad, tmp_path / "out2") == 2
    assert grade("mgsm:en", bad, tmp_path / "out2") == 0


def test_error_lines_are_errors_not_wrong_answers(tmp_path: Path) -> None:
    f = write_lines(tmp_path / "e.jsonl", [
        {"id": "en/mgsm-000", "response": "\\boxed{18}"},
        {"id": "en/mgsm-001", "error": "HTTP 500: upstream timeout"}])
    assert grade("mgsm:en", f, tmp_path / "out") == 3
    [d] = run_dirs(tmp_path / "out")
    s = scores(d)
    assert s[("en/mgsm-001", 0, "math_equiv")][0] is None  # NaN: unscorable
    results = json.loads((d / "results.json").read_text())
    assert results["errors"] == 1
    acc = [m for m in results["metrics"] if m["name"] == "math_equiv" and m["group"] == "en"][0]
    assert (acc["value"], acc["n"]) == (1.0, 1)


def test_regrading_the_same_file_reuses_its_run(tmp_path: Path) -> None:
    f = write_lines(tmp_path / "r.jsonl", [{"id": "en/mgsm-000", "response": "\\boxed{18}"}])
    assert grade("mgsm", f, tmp_path / "out") == 0
    assert grade("mgsm", f, tmp_path / "out", "--name", "my-model") == 0
    [d] = run_dirs(tmp_path / "out")
    assert len(list(read_jsonl(d / "generations.jsonl"))) == 1
    assert json.loads((d / "results.json").read_text())["candidate"]["name"] == "my-model"
    write_lines(f, [{"id": "en/mgsm-000", "response": "\\boxed{17}"}])
    assert grade("mgsm", f, tmp_path / "out") == 0
    assert len(run_dirs(tmp_path / "out")) == 2  # changed content: another candidate


@pytest.mark.parametrize("response, opened, want", [
    # (response, --think-opened) -> (reasoning, answer, think_closed)
    ("<think>a</think>b", False, ("a", "b", True)),
    ("<think>a</think>b", True, ("a", "b", True)),
    ("a</think>b", False, ("a", "b", True)),
    ("a</think>b", True, ("a", "b", True)),
    ("still thinking", True, ("still thinking", "", False)),
    ("just an answer", False, (None, "just an answer", None)),
])
def test_think_opened(response: str, opened: bool, want: tuple) -> None:
    g = make_generation({"response": response}, opened)
    assert (g.reasoning, g.answer, g.think_closed) == want
