"""The ratio sweep: in-memory candidates, parents as rows, resume after SIGKILL, --save."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pipeline_fixture
import pytest

from thaibench.cli import main
from thaibench.records import read_jsonl

HERE = Path(__file__).parent
RATIOS = "0.1,0.3,0.5,0.7,0.9"


@pytest.fixture(scope="module")
def parents(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from thaibench.mini.pico import build_pico, build_tokenizer

    root = tmp_path_factory.mktemp("parents")
    tok = build_tokenizer()
    return (build_pico(root / "thai", "llama", seed=11, tokenizer=tok),
            build_pico(root / "reasoner", "llama", seed=12, tokenizer=tok))


def sweep_args(parents: tuple[Path, Path], out: Path, data: Path, *extra: str) -> list[str]:
    return ["sweep", "--models", str(parents[0]), str(parents[1]), "--ratios", RATIOS, "--tasks", "pipe_test",
            "--limit", "6", "--max-tokens", "10", "--batch-size", "4", "--out", str(out), "--data-dir", str(data),
            "--quiet", "--board", "th_en_reasoning", *extra]


def result_sets(out: Path) -> dict[str, dict]:
    sets = {}
    for p in sorted(out.rglob("generations.jsonl")):
        cand = p.parent.parent.parent.name
        sets[cand] = {(g["sample_id"], g["epoch"]): g["text"] for g in read_jsonl(p)}
    return sets


def test_sweep_end_to_end_kill_and_resume(parents: tuple[Path, Path], tmp_path: Path) -> None:
    data = pipeline_fixture.write_data(tmp_path / "data")
    full = tmp_path / "full"
    assert main(sweep_args(parents, full, data, "--no-report")) == 0
    sets = result_sets(full)
    assert len(sets) == 7  # 5 interior ratios + 2 parents
    run_jsons = [json.loads(p.read_text()) for p in full.rglob("run.json")]
    merges = [r for r in run_jsons if r["candidate"]["kind"] == "merge"]
    assert len(merges) == 5 and all(r["candidate"]["lineage"]["method"] == "linear" for r in merges)
    # every generation so far is on the select split
    assert {g["split"] for p in full.rglob("generations.jsonl") for g in read_jsonl(p)} == {"select"}

    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, str(HERE / "pipeline_fixture.py"), *sweep_args(parents, killed, data, "--no-report")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if len(list(killed.rglob("results.json"))) >= 4:  # parents and two candidates finished
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < len(list(killed.rglob("results.json"))) < 7
    assert main(sweep_args(parents, killed, data, "--no-report")) == 0
    assert result_sets(killed) == sets


def test_saved_candidate_scores_equal_in_memory(parents: tuple[Path, Path], tmp_path: Path) -> None:
    data = pipeline_fixture.write_data(tmp_path / "data")
    out = tmp_path / "out"
    assert main(sweep_args(parents, out, data, "--no-report", "--no-parents", "--save", "best")) == 0
    [saved] = list((out / "candidates").iterdir())
    cand = json.loads((saved / "candidate.json").read_text())
    assert cand["id"] == saved.name
    mem_dir = next(p.parent for p in out.rglob("run.json") if p.parent.parent.parent.name == saved.name)
    out2 = tmp_path / "disk"
    assert main(["score", str(saved), "--tasks", "pipe_test", "--limit", "6", "--max-tokens", "10",
                 "--batch-size", "4", "--split", "select", "--out", str(out2), "--data-dir", str(data),
                 "--quiet"]) == 0
    [disk_dir] = [p.parent for p in out2.rglob("run.json")]
    mem = {(g["sample_id"], g["epoch"]): g["text"] for g in read_jsonl(mem_dir / "generations.jsonl")}
    disk = {(g["sample_id"], g["epoch"]): g["text"] for g in read_jsonl(disk_dir / "generations.jsonl")}
    assert mem == disk
    m1 = json.loads((mem_dir / "results.json").read_text())["metrics"]
    m2 = json.loads((disk_dir / "results.json").read_text())["metrics"]
    assert [(m["name"], m["group"], m["value"]) for m in m1] == [(m["name"], m["group"], m["value"]) for m in m2]


def test_shards_cover_every_candidate_once(parents: tuple[Path, Path]) -> None:
    from thaibench.merge.sweep import parse_ratios, shard, sweep_candidates

    cands = sweep_candidates([str(p) for p in parents], ["linear"], parse_ratios(RATIOS, "m1,m3", None))
    parts = [shard(cands, f"{i}/3") for i in range(3)]
    ids = [c.id for part in parts for c in part]
    assert sorted(ids) == sorted(c.id for c in cands) and len(set(ids)) == len(ids) == 7


def test_disk_mode_matches_in_memory(parents: tuple[Path, Path], tmp_path: Path) -> None:
    data = pipeline_fixture.write_data(tmp_path / "data")
    args = ["--ratios", "0.4", "--presets", "m3", "--no-report", "--no-parents"]
    mem, disk = tmp_path / "mem", tmp_path / "disk"
    base = sweep_args(parents, mem, data)
    base = base[:base.index("--ratios")] + base[base.index("--ratios") + 2:]
    assert main([*base, *args]) == 0
    dbase = sweep_args(parents, disk, data)
    dbase = dbase[:dbase.index("--ratios")] + dbase[dbase.index("--ratios") + 2:]
    assert main([*dbase, *args, "--disk"]) == 0
    assert len(list((disk / "candidates").iterdir())) == 2  # both written in one pass
    assert sorted(result_sets(mem).values(), key=str) == sorted(result_sets(disk).values(), key=str)
