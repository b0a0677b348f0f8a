"""`thaibench recipe run`: every stage runs, the board has every role's rows, a re-run resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from thaibench.errors import UserError
from thaibench.recipe import load_recipe, parse_recipe, sweep_argv

GOOD = {"parents": {"thai": "a", "reasoner": "b"}, "sft": {"data": {"preset": "mini-SFT-v3"}},
        "merge": {"presets": ["m3"]}, "score": {"suite": "mini"}}


@pytest.mark.parametrize(("change", "match"), [
    ({"parents": {"thai": "a"}}, "exactly `thai:`"),
    ({"sft": {}}, "give `data:`"),
    ({"sft": {"data": {"preset": "mini-SFT-v3"}, "epochs": 1}}, "unknown keys"),
    ({"merge": {"methods": ["linear"]}}, "ratios, presets or grid"),
    ({"merge": {"presets": ["m3"], "ratio": [0.5]}}, "unknown keys"),
    ({"score": {}}, "suite or tasks"),
    ({"seed": 3}, "unknown keys"),
    ({"sft": {"data": "missing.yaml"}}, "no file"),
    ({"sft": {"checkpoint": "x", "train": {}}}, "replaces data and train"),
])
def test_recipe_errors(change: dict, match: str) -> None:
    with pytest.raises(UserError, match=match):
        parse_recipe({**GOOD, **change})


def test_sweep_argv_is_the_sweep_command() -> None:
    argv = sweep_argv(["s", "r"], {"methods": ["linear", "slerp"], "ratios": [0.25, 0.5], "presets": ["m3"]},
                      {"suite": "mini", "limit": 40, "max_tokens": 96, "chat_template_args": ["enable_thinking=true"]},
                      Path("/o"))
    assert argv == ["sweep", "--models", "s", "r", "--out", "/o", "--methods", "linear,slerp", "--ratios",
                    "0.25,0.5", "--presets", "m3", "--suite", "mini", "--limit", "40", "--max-tokens", "96",
                    "--chat-template-args", "enable_thinking=true"]
    from thaibench.cli import build_parser

    args = build_parser().parse_args(argv)      # the sweep command accepts exactly this
    assert args.models == ["s", "r"] and args.presets == "m3"


def test_bundled_mini_recipe_parses() -> None:
    from thaibench.commands.recipe import bundled_path

    r = load_recipe(bundled_path("mini"))
    assert r.parents == {"thai": "mini:mini-th", "reasoner": "mini:mini-reasoner"}
    assert r.score["suite"] == "mini" and r.ablations


def run_lines(out: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in (out / "runs").rglob("generations.jsonl"))


def test_recipe_runs_every_stage_and_resumes(pico_qwen2: Path, tmp_path: Path) -> None:
    from thaibench.cli import main
    from thaibench.mini.pico import build_pico

    reasoner = build_pico(tmp_path / "reasoner", arch="qwen2", seed=5)
    recipe = {
        "name": "pico", "parents": {"thai": str(pico_qwen2), "reasoner": str(reasoner)},
        "sft": {"data": {"preset": {"name": "mini-SFT-v3", "n": 20}},
                "train": {"max_length": 256, "threads": 1, "optim": {"max_steps": 2, "batch_size": 4}}},
        "merge": {"presets": ["m3"], "ratios": [0.5]},
        "score": {"tasks": ["mgsm:th"], "limit": 4, "max_tokens": 8, "batch_size": 8, "resamples": 50},
    }
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    out = tmp_path / "out"
    assert main(["recipe", "run", str(path), "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "recipe.json").read_text())
    roles = summary["roles"]
    assert len(roles["merges"]) == len(roles["merge_without_sft"]) == 2
    select = json.loads((out / "board-select" / "leaderboard.json").read_text())
    rows = {r["candidate"]["id"] for r in select["rows"]}
    assert rows == {roles["thai_parent"], roles["reasoner_parent"], roles["sft"], *roles["merges"],
                    *roles["merge_without_sft"]}
    sft_row = next(r for r in select["rows"] if r["candidate"]["id"] == roles["sft"])
    assert sft_row["lineage"]["generator"] == "sft"
    report = json.loads((out / "board" / "leaderboard.json").read_text())
    reported = {r["candidate"]["id"] for r in report["rows"]}
    # parents and the SFT model, plus each sweep's chosen merge: one with SFT, one without
    assert {roles["thai_parent"], roles["reasoner_parent"], roles["sft"]} <= reported
    assert len(reported & set(roles["merges"])) == 1 and len(reported & set(roles["merge_without_sft"])) == 1
    assert all(r["rank"] is not None for r in report["rows"])

    sft_dir = out / summary["stages"]["sft"]["dir"]
    stamp = (sft_dir / "candidate.json").stat().st_mtime_ns
    lines = run_lines(out)
    assert main(["recipe", "run", str(path), "--out", str(out), "--quiet"]) == 0
    assert (sft_dir / "candidate.json").stat().st_mtime_ns == stamp   # not retrained
    assert run_lines(out) == lines                                     # nothing generated again
    assert json.loads((out / "recipe.json").read_text())["roles"] == roles
    # An SFT candidate trained elsewhere (e.g. under torchrun) stands in for the data and SFT stages.
    given = {**recipe, "sft": {"checkpoint": str(sft_dir)}}
    path.write_text(yaml.safe_dump(given))
    assert main(["recipe", "run", str(path), "--out", str(out), "--quiet"]) == 0
    again = json.loads((out / "recipe.json").read_text())
    assert again["roles"] == roles and again["stages"]["sft"]["given"] and "data" not in again["stages"]
    assert run_lines(out) == lines
