"""End to end, offline: tiny pico models and two real merges of them are scored by
`thaibench score`, then ranked by `thaibench board build` and compared by `thaibench gate`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from thaibench.cli import main


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    from thaibench.mini.pico import build_pico

    root = tmp_path_factory.mktemp("e2e")
    a = build_pico(root / "a", arch="llama", seed=0)
    b = build_pico(root / "b", arch="llama", seed=2)
    models = [a, b]
    for ratio in (0.25, 0.75):
        cfg = root / f"merge-{ratio}.json"
        cfg.write_text(json.dumps({"method": "linear", "models": [str(a), str(b)], "ratio": ratio}))
        assert main(["merge", str(cfg), str(root / f"merge-{ratio}"), "--quiet"]) == 0
        models.append(root / f"merge-{ratio}")
    for m in models:
        assert main(["score", str(m), "--tasks", "mgsm", "--limit", "4", "--max-tokens", "8",
                     "--out", str(root / "out"), "--data-dir", str(shared_data), "--quiet"]) == 0
    return root


def test_board_build_on_a_tiny_sweep(scored: Path) -> None:
    lb_dir = scored / "lb"
    assert main(["board", "build", str(scored / "out"), "--out", str(lb_dir), "--split", "all",
                 "--resamples", "200"]) == 0
    lb = json.loads((lb_dir / "leaderboard.json").read_text(encoding="utf-8"))
    assert len(lb["rows"]) == 4 and not lb["mixed"]
    mgsm = next(c for c in lb["columns"] if c["key"] == "mgsm_th")
    assert mgsm["present_for"] == 4 and mgsm["n_shared"] == 4 and mgsm["scorers"] == {"mgsm": "math_equiv"}
    merges = [r for r in lb["rows"] if r["lineage"]["generator"] == "linear"]
    assert sorted(r["lineage"]["ratio"] for r in merges) == [0.25, 0.75]
    assert len({r["lineage"]["sweep"] for r in merges}) == 1
    parent_ids = {p["id"] for p in merges[0]["lineage"]["parents"]}
    assert parent_ids == {r["candidate"]["id"] for r in lb["rows"] if r["lineage"]["generator"] != "linear"}
    index = (lb_dir / "site" / "index.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="board-data">(.*?)</script>', index, re.S).group(1))
    sweeps = data["plots"]["sweeps"]
    assert len(sweeps["series"]) == 1 and len(sweeps["series"][0]["points"]) == 2
    assert len(sweeps["refs"]) == 2


def test_gate_between_real_runs(scored: Path, tmp_path: Path) -> None:
    runs = sorted((scored / "out" / "runs").iterdir())
    report = tmp_path / "gate.md"
    assert main(["gate", "--baseline", str(runs[0]), "--candidate", str(runs[0]), "--report", str(report)]) == 0
    assert main(["gate", "--baseline", str(runs[0]), "--candidate", str(runs[1])]) in (0, 1)
    assert "no regression" in report.read_text(encoding="utf-8")
