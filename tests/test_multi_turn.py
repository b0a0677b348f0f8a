"""Multi-turn generation: turn 2 sees turn 1's answer, never its reasoning trace."""

from __future__ import annotations

import json
from pathlib import Path

import pipeline_fixture

from thaibench.cli import main
from thaibench.records import read_jsonl


def test_turn_two_context_has_answer_not_trace(tmp_path: Path) -> None:
    data = pipeline_fixture.write_data(tmp_path / "data", n=4)
    out = tmp_path / "out"
    pipeline_fixture.SEEN_PROMPTS.clear()
    assert main(["score", "m", "--backend", "scripted", "--tasks", "pipe_multi", "--out", str(out),
                 "--data-dir", str(data), "--quiet"]) == 0
    second = [p for p in pipeline_fixture.SEEN_PROMPTS if sum(m["role"] == "user" for m in p) == 2]
    assert len(second) == 8
    for p in second:
        assistant = [m["content"] for m in p if m["role"] == "assistant"]
        assert len(assistant) == 1 and assistant[0].startswith("ANSWER-1 ")
        assert not any("TRACE" in m["content"] for m in p)
    [d] = [p.parent for p in out.rglob("run.json")]
    assert "traces are removed" in json.loads((d / "run.json").read_text())["task"]["history"]
    lines = list(read_jsonl(d / "generations.jsonl"))
    assert len(lines) == 8
    for g in lines:
        turns = g["extra"]["turns"]
        assert [t["answer"].split()[0] for t in turns] == ["ANSWER-1", "ANSWER-2"]
        assert [t["reasoning"] for t in turns] == ["TRACE-1", "TRACE-2"]
        assert g["answer"].startswith("ANSWER-2 ")
    pipeline_fixture.SEEN_PROMPTS.clear()
    assert main(["score", "m", "--backend", "scripted", "--tasks", "pipe_multi", "--out", str(out),
                 "--data-dir", str(data), "--quiet"]) == 0
    assert pipeline_fixture.SEEN_PROMPTS == []
