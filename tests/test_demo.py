"""`thaibench demo` end to end on the miniature world (tiny slice: one item per task and language)."""

from __future__ import annotations

import json
from pathlib import Path

from thaibench.cli import main


def test_demo_sweeps_ranks_and_builds_site(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--limit", "1", "--grid", "0:1:1", "--presets", "m3", "--quiet"]) == 0
    lb = json.loads((out / "leaderboard" / "leaderboard.json").read_text())
    kinds = sorted(r["candidate"]["kind"] for r in lb["rows"])
    assert kinds.count("merge") == 3 and kinds.count("checkpoint") == 2  # 0, 1, m3 + two parents
    assert lb["split"] == "select"
    assert (out / "leaderboard" / "site" / "index.html").is_file()
