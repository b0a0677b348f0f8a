"""The hf backend: PEFT adapters on their base, plain prompts for models without a chat template."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pipeline_fixture

from thaibench.cli import main
from thaibench.records import read_jsonl


def texts(out: Path) -> dict:
    [d] = [p.parent for p in out.rglob("run.json")]
    return {(g["sample_id"], g["epoch"]): g["text"] for g in read_jsonl(d / "generations.jsonl")}


def score(model: Path, out: Path, data: Path, *extra: str) -> int:
    return main(["score", str(model), "--tasks", "pipe_test", "--limit", "3", "--max-tokens", "8", "--out", str(out),
                 "--data-dir", str(data), "--quiet", *extra])


def test_peft_adapter_loads_onto_its_base(pico_llama: Path, tmp_path: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    data = pipeline_fixture.write_data(tmp_path / "data")
    torch.manual_seed(0)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(pico_llama),
                           LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    adapter = tmp_path / "adapter"
    model.save_pretrained(adapter)
    cfg = json.loads((adapter / "adapter_config.json").read_text())
    assert cfg["base_model_name_or_path"] == str(pico_llama)
    merged = tmp_path / "merged"
    model.merge_and_unload().save_pretrained(merged)
    for f in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        if (pico_llama / f).exists():
            shutil.copy(pico_llama / f, merged / f)
    assert score(adapter, tmp_path / "o1", data) == 0
    assert score(merged, tmp_path / "o2", data) == 0
    assert score(pico_llama, tmp_path / "o3", data) == 0
    assert texts(tmp_path / "o1") == texts(tmp_path / "o2")
    assert texts(tmp_path / "o1") != texts(tmp_path / "o3")  # the adapter really changed the model
    run = json.loads(next((tmp_path / "o1").rglob("run.json")).read_text())
    assert run["candidate"]["base"] == str(pico_llama)


def test_model_without_chat_template_gets_plain_prompt(pico_llama: Path, tmp_path: Path) -> None:
    data = pipeline_fixture.write_data(tmp_path / "data")
    plain = tmp_path / "plain"
    shutil.copytree(pico_llama, plain)
    (plain / "chat_template.jinja").unlink(missing_ok=True)
    cfg = json.loads((plain / "tokenizer_config.json").read_text())
    cfg.pop("chat_template", None)
    (plain / "tokenizer_config.json").write_text(json.dumps(cfg))
    assert score(plain, tmp_path / "o", data) == 0
    run = json.loads(next((tmp_path / "o").rglob("run.json")).read_text())
    assert run["backend"]["chat_template"] == "none (plain prompt)"
