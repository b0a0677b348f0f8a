"""SFT as a candidate generator: checkpoints, candidate.json, resume, bad input, 2-process training."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from thaibench.candidates import GENERATORS, Candidate
from thaibench.errors import UserError
from thaibench.sftdata import build_data, parse_config

FAST = {"optim": {"max_steps": 3, "batch_size": 4, "lr": 1e-3}, "max_length": 256, "threads": 1}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sftdata")
    build_data(parse_config({"preset": {"name": "mini-SFT-v3", "n": 40}}), out)
    return out / "data.jsonl"


def build(base: Path, data: Path, out: Path, config: dict) -> Candidate:
    gen = GENERATORS.get("sft")
    spec, = gen.specs(base=str(base), data=data, config=config)
    return gen.build(spec, out, data=data, log=lambda _m: None)


def losses(out: Path) -> list[float]:
    return [json.loads(x)["loss"] for x in (out / "train_log.jsonl").read_text().splitlines()]


def test_lora_merged_checkpoint_with_lineage_and_resume(pico_qwen2: Path, data: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    from thaibench.identity import checkpoint_id

    cand = build(pico_qwen2, data, tmp_path / "sft", FAST)
    out = tmp_path / "sft"
    assert (out / "model.safetensors").is_file() and not (out / "adapter_config.json").exists()
    assert (out / "chat_template.jinja").is_file() or "chat_template" in (out / "tokenizer_config.json").read_text()
    on_disk = Candidate.read(out)
    assert on_disk.id == cand.id and on_disk.spec.generator == "sft"
    lin = on_disk.lineage
    assert lin["base_model"] == str(pico_qwen2) and lin["steps"] == 3 and len(losses(out)) == 3
    assert lin["data"]["card"] and lin["data"]["rows"] > 0 and lin["train"]["optim"]["max_steps"] == 3
    assert lin["checkpoint_id"] == checkpoint_id(out)
    changed = load_file(out / "model.safetensors")
    before = load_file(pico_qwen2 / "model.safetensors")
    q = "model.layers.0.self_attn.q_proj.weight"
    assert not (changed[q] == before[q]).all()            # LoRA was merged into the weights
    assert "lora_A" not in " ".join(changed)
    # A second build finds the candidate and does not train.
    logs: list[str] = []
    gen = GENERATORS.get("sft")
    spec, = gen.specs(base=str(pico_qwen2), data=data, config=FAST)
    again = gen.build(spec, out, data=data, log=logs.append)
    assert again.id == cand.id and logs == [f"sft candidate {cand.id} already built in {out}"]
    other, = gen.specs(base=str(pico_qwen2), data=data, config={**FAST, "max_length": 300})
    with pytest.raises(UserError, match="holds candidate"):
        gen.build(other, out, data=data)


def test_adapter_kept_and_full_fine_tuning(pico_qwen2: Path, data: Path, tmp_path: Path) -> None:
    from thaibench.candidates import parent_spec

    build(pico_qwen2, data, tmp_path / "ad", {**FAST, "lora": {"merge": False, "target_modules": ["q_proj"]}})
    cfg = json.loads((tmp_path / "ad" / "adapter_config.json").read_text())
    assert Path(cfg["base_model_name_or_path"]) == pico_qwen2.resolve()
    assert not (tmp_path / "ad" / "model.safetensors").exists()
    assert parent_spec(str(tmp_path / "ad")).params["base"]          # a LoRA candidate on its base
    full = build(pico_qwen2, data, tmp_path / "full", {**FAST, "lora": None})
    assert full.lineage["train"]["lora"] is None and (tmp_path / "full" / "model.safetensors").is_file()


def test_bad_inputs_are_one_line_errors(pico_qwen2: Path, data: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError) as e:
        build(pico_qwen2, data, tmp_path / "x", {**FAST, "lora": {"target_modules": ["query_key_value"]}})
    assert "\n" not in str(e.value) and "q_proj" in str(e.value) and "query_key_value" in str(e.value)

    bare = tmp_path / "bare"
    bare.mkdir()
    for f in pico_qwen2.iterdir():
        if f.is_file() and f.name != "chat_template.jinja":
            (bare / f.name).write_bytes(f.read_bytes())
    tc = json.loads((bare / "tokenizer_config.json").read_text())
    tc.pop("chat_template", None)
    (bare / "tokenizer_config.json").write_text(json.dumps(tc))
    with pytest.raises(UserError, match="no chat template.*chat_template:"):
        build(bare, data, tmp_path / "y", FAST)
    template = tmp_path / "t.jinja"
    from thaibench.mini.pico import CHAT_TEMPLATE

    template.write_text(CHAT_TEMPLATE)
    assert build(bare, data, tmp_path / "z", {**FAST, "chat_template": str(template)}).lineage["steps"] == 3

    with pytest.raises(UserError, match="unknown keys"):
        build(pico_qwen2, data, tmp_path / "w", {**FAST, "optim": {"learning_rate": 1.0}})
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "1", "conversations": []}) + "\n")
    with pytest.raises(UserError, match="no `messages` list"):
        build(pico_qwen2, bad, tmp_path / "v", FAST)


def test_rows_without_a_reply_are_counted_skips(pico_qwen2: Path, tmp_path: Path) -> None:
    good = {"id": "g", "messages": [{"role": "user", "content": "7 + 5?"},
                                    {"role": "assistant", "content": "<think>\nAdd.\n</think>\n\n12"}]}
    rows = [good] * 4 + [{"id": "u", "messages": [{"role": "user", "content": "hi"}]},
                         {"id": "a", "messages": [{"role": "assistant", "content": "alone"}]}]
    p = tmp_path / "d.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cand = build(pico_qwen2, p, tmp_path / "o", {**FAST, "optim": {"max_steps": 1, "batch_size": 2}})
    assert cand.lineage["skipped"] == {"no_assistant_turn": 1, "no_user_turn": 1}
    assert cand.lineage["examples"] == 4


def _torchrun(config: Path, out: Path, procs: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(procs),
           "-m", "thaibench", "sft", str(config), str(out), "--quiet"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def two_process_matches_one(base: Path, data: Path, tmp_path: Path, steps: int) -> None:
    """Same global batch (1 x 4 vs 2 x 2), no dropout: the loss curves agree step by step."""
    common = {"base": str(base), "data": str(data), "max_length": 256, "threads": 1,
              "lora": {"dropout": 0.0}}
    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump({**common, "optim": {"max_steps": steps, "batch_size": 4, "lr": 1e-3}}))
    two = tmp_path / "two.yaml"
    two.write_text(yaml.safe_dump({**common, "optim": {"max_steps": steps, "batch_size": 2, "lr": 1e-3}}))
    from thaibench.cli import main

    assert main(["sft", str(one), str(tmp_path / "o1"), "--quiet"]) == 0
    res = _torchrun(two, tmp_path / "o2", 2)
    assert res.returncode == 0, res.stderr[-3000:]
    a, b = losses(tmp_path / "o1"), losses(tmp_path / "o2")
    assert len(a) == len(b) == steps
    diffs = [abs(x - y) for x, y in zip(a, b, strict=True)]
    print(f"\n{steps} steps, max |loss(1 process) - loss(2 processes)| = {max(diffs):.2e}")
    assert max(diffs) <= 1e-3
    o2 = tmp_path / "o2"
    assert Candidate.read(o2).lineage["world_size"] == 2
    assert sorted(p.name for p in o2.iterdir() if p.suffix == ".safetensors") == ["model.safetensors"]
    assert not any(p.name.startswith(".") for p in o2.iterdir())         # no trainer or adapter leftovers


def test_two_processes_match_one_fast(pico_qwen2: Path, data: Path, tmp_path: Path) -> None:
    two_process_matches_one(pico_qwen2, data, tmp_path, 5)


@pytest.mark.slow
def test_two_processes_match_one_20_steps(pico_qwen2: Path, data: Path, tmp_path: Path) -> None:
    two_process_matches_one(pico_qwen2, data, tmp_path, 20)
