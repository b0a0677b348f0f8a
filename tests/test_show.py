"""`thaibench show --switches` prints the most-switched answers with their spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from thaibench.backends import BACKENDS, Backend, backend
from thaibench.cli import main
from thaibench.types import Generation

SWITCHING = "<think>Add the numbers.</think>คำตอบคือ 5 ครับ Let me explain why this is the correct answer here."

if "scripted_switch" not in BACKENDS:
    @backend("scripted_switch")
    class Switching(Backend):
        def identity(self):
            return {"name": "scripted_switch"}

        def candidate(self):
            return {"id": "switching", "kind": "test", "name": "switching", "cacheable": True}

        def generate(self, requests, progress=None):
            return [Generation(text=SWITCHING if i % 2 else "<think>Add.</think>คำตอบคือ 5 ครับ", finish_reason="stop")
                    for i, _ in enumerate(requests)]


def test_show_switches_highlights_spans(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    assert main(["score", "m", "--backend", "scripted_switch", "--tasks", "thai_prompts", "--limit", "4",
                 "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["show", str(out), "--switches", "5"]) == 0
    text = capsys.readouterr().out
    assert "switch rate" in text and "Let me explain why" in text and "answer" in text
