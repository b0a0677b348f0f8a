"""MT-Bench: two turns per question, judged; aggregates equal values computed by hand."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pipeline_fixture
import pytest

from thaibench.cli import main
from thaibench.records import read_jsonl
from thaibench.task import get_task


def run_dir(out: Path) -> Path:
    [d] = [p.parent for p in out.rglob("run.json")]
    return d


def score(out: Path, *extra: str) -> int:
    return main(["score", "m", "--backend", "scripted", "--tasks", "mt_bench", "--out", str(out), "--quiet",
                 "--judge", "scripted_judge:ok", *extra])


def test_mt_bench_end_to_end_with_known_ratings(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pipeline_fixture.JUDGE_CALLS.clear()
    assert score(out) == 0
    d = run_dir(out)
    gens = list(read_jsonl(d / "generations.jsonl"))
    assert len(gens) == 160 and all(len(g["extra"]["turns"]) == 2 for g in gens)
    judgements = list(read_jsonl(d / "judgements.jsonl"))
    keys = {(j["sample_id"], j["key"]) for j in judgements}
    assert len(keys) == 320  # every turn judged (or retried and counted)
    for j in judgements:
        text = json.dumps(j["prompt"], ensure_ascii=False)
        assert "TRACE" not in text and "ANSWER-1" in text
    # the judge saw no rating for some prompts: retried up to 3 times with distinct attempt numbers
    unrated = [k for k in keys if all(j["verdict"] is None for j in judgements if (j["sample_id"], j["key"]) == k)]
    assert unrated
    for k in unrated:
        assert sorted(j["attempt"] for j in judgements if (j["sample_id"], j["key"]) == k) == [0, 1, 2]

    results = json.loads((d / "results.json").read_text())
    got = {(m["name"], m["group"], m["slice"]): m for m in results["metrics"]}
    task = get_task("mt_bench")
    for lang in ("th", "en"):
        samples = task.samples(lang).samples
        for turn in (1, 2):
            vals = [pipeline_fixture.expected_rating(s.input[0], turn) for s in samples]
            rated = [v for v in vals if v is not None]
            m = got[(f"mt_bench_turn{turn}", lang, None)]
            assert m["value"] == pytest.approx(statistics.mean(rated))
            assert m["n"] == len(rated) and m["n_nan"] == len(vals) - len(rated)
            assert m["unit"] == "score"
            for cat in {s.metadata["category"] for s in samples}:
                cv = [pipeline_fixture.expected_rating(s.input[0], turn) for s in samples
                      if s.metadata["category"] == cat]
                cr = [v for v in cv if v is not None]
                mc = got[(f"mt_bench_turn{turn}", lang, cat)]
                if cr:
                    assert mc["value"] == pytest.approx(statistics.mean(cr))
                else:
                    assert mc["value"] is None and mc["n"] == 0
    assert results["judge"]["spec"] == "scripted_judge:ok"

    calls = len(pipeline_fixture.JUDGE_CALLS)
    assert score(out) == 0
    assert len(pipeline_fixture.JUDGE_CALLS) == calls  # a second run judges nothing


def test_unreachable_judge_keeps_generations_and_judge_resumes(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    rc = main(["score", "m", "--backend", "scripted", "--tasks", "mt_bench:en", "--limit", "4", "--out", str(out),
               "--quiet", "--judge", "scripted_judge:down"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "judge calls failed" in err and "thaibench judge" in err
    d = run_dir(out)
    assert len(list(read_jsonl(d / "generations.jsonl"))) == 4
    assert not (d / "results.json").exists()
    assert main(["judge", str(out), "--judge", "scripted_judge:ok"]) == 0
    results = json.loads((d / "results.json").read_text())
    m = next(m for m in results["metrics"] if m["name"] == "mt_bench_score" and m["group"] == "en" and not m["slice"])
    assert m["n"] + m["n_nan"] == 4


def test_judge_required_for_judged_task(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["score", "m", "--backend", "scripted", "--tasks", "mt_bench", "--out", str(tmp_path),
                 "--quiet"]) == 2
    assert "--judge" in capsys.readouterr().err


def test_never_rating_is_nan_not_zero(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert score(out, "--limit", "20") == 0
    for s in read_jsonl(run_dir(out) / "scores.jsonl"):
        if s["scorer"].startswith("mt_bench"):
            assert s["value"] is None or s["value"] >= 1.0
            if s["value"] is None:
                assert "no rating" in s["explanation"]


def _known_rating_handler(path: str, body: dict) -> object:
    import re

    from servers import chat_reply

    system, user = body["messages"][0]["content"], body["messages"][1]["content"]
    marker = re.search(r"L=(\d+)", user)
    if marker is None:  # an answer not written by the scripted model
        return chat_reply("Rating: [[5]]")
    length = int(marker.group(1))
    turn = 2 if "second" in system else 1
    rating = pipeline_fixture.expected_rating("x" * length, turn)
    return chat_reply("No verdict." if rating is None else f"Explanation. Rating: [[{rating:g}]]")


def test_scripted_http_judge_gives_hand_computed_aggregates(tmp_path: Path) -> None:
    from servers import ScriptedServer

    out = tmp_path / "out"
    with ScriptedServer(models=["judge"], handler=_known_rating_handler) as srv:
        assert main(["score", "m", "--backend", "scripted", "--tasks", "mt_bench:th", "--out", str(out),
                     "--quiet", "--judge", f"openai:judge@{srv.base_url}"]) == 0
        n_requests = len(srv.requests)
        assert main(["score", "m", "--backend", "scripted", "--tasks", "mt_bench:th", "--out", str(out),
                     "--quiet", "--judge", f"openai:judge@{srv.base_url}"]) == 0
        assert len(srv.requests) == n_requests
    results = json.loads((run_dir(out) / "results.json").read_text())
    samples = get_task("mt_bench").samples("th").samples
    both = []
    for s in samples:
        r1, r2 = (pipeline_fixture.expected_rating(s.input[0], t) for t in (1, 2))
        if r1 is not None and r2 is not None:
            both.append((r1 + r2) / 2)
    m = next(m for m in results["metrics"] if m["name"] == "mt_bench_score" and m["group"] == "th"
             and m["slice"] is None)
    assert m["value"] == pytest.approx(statistics.mean(both)) and m["n"] == len(both)
    assert m["n_nan"] == len(samples) - len(both)


def test_real_server_judges_tiny_model(pico_llama: Path, tmp_path: Path) -> None:
    from servers import build_scripted_model, transformers_serve

    judge_dir = build_scripted_model(tmp_path / "judge", "Rating: [8]")  # FastChat's [N] fallback
    out = tmp_path / "out"
    with transformers_serve() as url:
        # English, 3 questions: a real (CPU) server judging long Thai prompts with a byte-level pico
        # tokenizer takes minutes; the hand-computed test above covers every question of both languages.
        args = ["score", str(pico_llama), "--tasks", "mt_bench:en", "--limit", "3", "--max-tokens", "12",
                "--out", str(out), "--quiet", "--judge", f"openai:{judge_dir}@{url}", "--judge-max-tokens", "16"]
        assert main(args) == 0
        d = run_dir(out)
        n_judged = len(list(read_jsonl(d / "judgements.jsonl")))
        assert main(args) == 0
        assert len(list(read_jsonl(d / "judgements.jsonl"))) == n_judged  # a second run judges nothing
    gens = list(read_jsonl(d / "generations.jsonl"))
    assert len(gens) == 3 and all(len(g["extra"]["turns"]) == 2 for g in gens)
    judged = {(j["sample_id"], j["key"]) for j in read_jsonl(d / "judgements.jsonl")}
    assert judged == {(g["sample_id"], k) for g in gens for k in ("turn1", "turn2")}
    results = json.loads((d / "results.json").read_text())
    cats = {m["slice"] for m in results["metrics"] if m["name"] == "mt_bench_score" and m["slice"]}
    assert cats  # results per category
    overall = [m for m in results["metrics"] if m["name"] == "mt_bench_score" and m["slice"] is None
               and m["group"] in ("th", "en")]
    for m in overall:
        assert m["value"] == pytest.approx(8.0) and m["n"] + m["n_nan"] == 3
    assert results["judge"]["name"] == str(judge_dir)


def _pairwise_handler(bias: bool):
    from servers import chat_reply

    def handler(path: str, body: dict) -> object:
        user = body["messages"][1]["content"]
        if bias:
            return chat_reply("Assistant A is better. [[A]]")
        a = user.split("[The Start of Assistant A's")[1].split("[The Start of Assistant B's")[0] \
            if "[The Start of Assistant A's" in user else user.split("### Assistant A:")[1].split("### Assistant B:")[0]
        return chat_reply("[[A]]" if "ANSWER" in a else "[[B]]")
    return handler


@pytest.mark.parametrize(("bias", "expected"), [(False, 1.0), (True, 0.5)])
def test_pairwise_win_rate_both_orders(tmp_path: Path, bias: bool, expected: float) -> None:
    from servers import ScriptedServer
    from tests_switch_backend import ensure_switch_backend

    ensure_switch_backend()
    with ScriptedServer(models=["judge"], handler=_known_rating_handler) as rating:
        for backend, out in (("scripted", tmp_path / "cand"), ("scripted_switch", tmp_path / "base")):
            assert main(["score", "m", "--backend", backend, "--tasks", "mt_bench:en", "--limit", "5",
                         "--out", str(out), "--quiet", "--judge", f"openai:judge@{rating.base_url}"]) == 0
    cand, base = run_dir(tmp_path / "cand"), run_dir(tmp_path / "base")
    before = (cand / "results.json").read_bytes()
    with ScriptedServer(models=["pj"], handler=_pairwise_handler(bias)) as pj:
        assert main(["judge", str(cand), "--judge", f"openai:pj@{pj.base_url}", "--pairwise", str(base)]) == 0
        assert len(pj.requests) == 5 * 2 * 2  # 5 questions x 2 turns x 2 orders
    [rep] = list(cand.glob("pairwise-*.json"))
    m = next(m for m in json.loads(rep.read_text())["metrics"] if m["slice"] is None)
    assert m["value"] == pytest.approx(expected) and m["n"] == 5
    assert (cand / "results.json").read_bytes() == before  # single grading untouched
