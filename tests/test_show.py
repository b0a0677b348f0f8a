"""`thaibench show --switches` prints the most-switched answers with their spans."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests_switch_backend import ensure_switch_backend

from thaibench.cli import main

ensure_switch_backend()


def test_show_switches_highlights_spans(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    assert main(["score", "m", "--backend", "scripted_switch", "--tasks", "thai_prompts", "--limit", "4",
                 "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["show", str(out), "--switches", "5"]) == 0
    text = capsys.readouterr().out
    assert "switch rate" in text and "Let me explain why" in text and "answer" in text
