"""End to end on a pico model: records, cache, resume after SIGKILL, identity, bad input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pipeline_fixture  # noqa: F401  (registers the pipe_test task)
import pytest

from thaibench.cli import main
from thaibench.records import read_jsonl

HERE = Path(__file__).parent


def score(model: Path, out: Path, data: Path, *extra: str) -> int:
    return main(["score", str(model), "--tasks", "pipe_test", "--out", str(out), "--data-dir", str(data),
                 "--quiet", "--batch-size", "4", *extra])


def run_dir(out: Path) -> Path:
    [d] = [p.parent for p in out.rglob("run.json")]
    return d


def texts(d: Path) -> dict:
    return {(g["sample_id"], g["epoch"]): g["text"] for g in read_jsonl(d / "generations.jsonl")}


def metrics(d: Path) -> list:
    r = json.loads((d / "results.json").read_text())
    return [(m["name"], m["group"], m["value"], m["n"]) for m in r["metrics"]]


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return pipeline_fixture.write_data(tmp_path / "data")


def test_records_and_second_run_generates_nothing(pico_llama: Path, data: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    assert score(pico_llama, out, data) == 0
    d = run_dir(out)
    run = json.loads((d / "run.json").read_text())
    assert run["schema_version"] == 1 and run["task"]["name"] == "pipe_test"
    assert run["identity"]["generation"]["max_tokens"] == 12
    gens = list(read_jsonl(d / "generations.jsonl"))
    assert len(gens) == 2 * pipeline_fixture.N_PAIRS
    assert {g["lang"] for g in gens} == {"th", "en"}
    assert all(g["split"] in ("select", "report") for g in gens)
    results = json.loads((d / "results.json").read_text())
    groups = {m["group"] for m in results["metrics"]}
    assert groups == {"th", "en", "th-en"}
    assert results["complete"] is True
    before = (d / "generations.jsonl").read_bytes()
    capsys.readouterr()
    assert score(pico_llama, out, data) == 0
    assert "generated 0 new answers" in capsys.readouterr().out
    assert (d / "generations.jsonl").read_bytes() == before


def test_language_selection_and_limit_take_same_pairs(pico_llama: Path, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["score", str(pico_llama), "--tasks", "pipe_test", "--limit", "5", "--out", str(out),
                 "--data-dir", str(data), "--quiet"]) == 0
    gens = list(read_jsonl(run_dir(out) / "generations.jsonl"))
    th = {g["pair_id"] for g in gens if g["lang"] == "th"}
    en = {g["pair_id"] for g in gens if g["lang"] == "en"}
    assert th == en and len(th) == 5
    out2 = tmp_path / "out2"
    assert main(["score", str(pico_llama), "--tasks", "pipe_test:th", "--limit", "3", "--out", str(out2),
                 "--data-dir", str(data), "--quiet"]) == 0
    gens = list(read_jsonl(run_dir(out2) / "generations.jsonl"))
    assert {g["lang"] for g in gens} == {"th"} and len(gens) == 3


def test_samples_are_epochs_with_own_seeds(pico_llama: Path, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert score(pico_llama, out, data, "--limit", "2", "--samples", "3", "--temperature", "1.0") == 0
    gens = list(read_jsonl(run_dir(out) / "generations.jsonl"))
    assert sorted({g["epoch"] for g in gens}) == [0, 1, 2]
    seeds = [g["seed"] for g in gens]
    assert len(set(seeds)) == len(seeds)


def test_sigkill_resume_matches_uninterrupted(pico_llama: Path, data: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    assert score(pico_llama, full, data, "--max-tokens", "24") == 0
    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, str(HERE / "pipeline_fixture.py"), "score", str(pico_llama), "--tasks", "pipe_test",
           "--out", str(killed), "--data-dir", str(data), "--quiet", "--batch-size", "4", "--max-tokens", "24"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    target = None
    while time.time() < deadline and proc.poll() is None:
        found = list(killed.rglob("generations.jsonl"))
        if found and sum(1 for _ in read_jsonl(found[0])) >= 9:
            target = found[0]
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert target is not None, "the run finished or stalled before it could be killed"
    n_before = sum(1 for _ in read_jsonl(target))
    assert 0 < n_before < 2 * pipeline_fixture.N_PAIRS
    assert not (target.parent / "results.json").exists()
    assert score(pico_llama, killed, data, "--max-tokens", "24") == 0
    d_full, d_killed = run_dir(full), run_dir(killed)
    assert d_full.name == d_killed.name  # same content-addressed run id
    assert texts(d_full) == texts(d_killed)
    lines = list(read_jsonl(d_killed / "generations.jsonl"))
    assert len(lines) == len({(g["sample_id"], g["epoch"]) for g in lines})  # none generated twice
    assert metrics(d_full) == metrics(d_killed)


def test_changing_one_weight_invalidates_cache(pico_llama: Path, data: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    model = tmp_path / "model"
    shutil.copytree(pico_llama, model)
    out = tmp_path / "out"
    assert score(model, out, data, "--limit", "2") == 0
    first = {p.parent.parent.parent.name for p in out.rglob("run.json")}
    weights = load_file(model / "model.safetensors")
    name = sorted(weights)[0]
    weights[name] = weights[name].clone()
    weights[name].view(-1)[0] += 1.0
    save_file(weights, model / "model.safetensors", metadata={"format": "pt"})
    assert score(model, out, data, "--limit", "2") == 0
    candidates = {p.parent.parent.parent.name for p in out.rglob("run.json")}
    assert len(candidates) == 2 and first < candidates


def test_rescore_recomputes_without_generating(pico_llama: Path, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert score(pico_llama, out, data, "--limit", "3") == 0
    d = run_dir(out)
    gens_before = (d / "generations.jsonl").read_bytes()
    assert main(["rescore", str(d), "--force", "--data-dir", str(data)]) == 0
    assert (d / "generations.jsonl").read_bytes() == gens_before
    assert len(list(read_jsonl(d / "scores.jsonl"))) == 6
    assert main(["show", str(out)]) == 0
