"""Merging to disk and in memory: exact endpoints, shards, tied heads, LoRA parents, identity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from thaibench.candidates import Candidate, CandidateSpec, resolve_spec
from thaibench.merge.build import merge_to_disk, open_plan
from thaibench.merge.spec import from_thaibench
from thaibench.merge.stio import Checkpoint


@pytest.fixture(scope="module")
def tok():
    from thaibench.mini.pico import build_tokenizer

    return build_tokenizer()


@pytest.fixture(scope="module")
def bf16_pair(tmp_path_factory, tok):
    from thaibench.merge.synthetic import synthetic_checkpoint

    root = tmp_path_factory.mktemp("bf16")
    a = synthetic_checkpoint(root / "a", arch="qwen2", seed=1, dtype="bfloat16", tokenizer=tok)
    b = synthetic_checkpoint(root / "b", arch="qwen2", seed=2, dtype="bfloat16", tokenizer=tok, like=a, scale=0.01)
    return str(a), str(b)


def spec(**cfg) -> CandidateSpec:
    return CandidateSpec(*from_thaibench(cfg))


def weights(path: Path) -> dict[str, torch.Tensor]:
    ck = Checkpoint.open(Path(path))
    out = {k: ck.read(k).reshape(t.shape) for k, t in ck.tensors.items()}
    ck.close()
    return out


@pytest.mark.parametrize("method", ["linear", "slerp"])
@pytest.mark.parametrize("ratio,which", [(0, 0), (1, 1), (0.0, 0), (1.0, 1)])
def test_ratio_0_and_1_reproduce_the_parents_exactly(tmp_path, bf16_pair, method, ratio, which):
    merge_to_disk(spec(method=method, models=list(bf16_pair), ratio=ratio), tmp_path / "out")
    got, want = weights(tmp_path / "out"), weights(Path(bf16_pair[which]))
    assert set(got) == set(want)
    assert all(got[k].dtype == torch.bfloat16 and torch.equal(got[k], want[k]) for k in got)


def _plan_and_parents(s: CandidateSpec, pair) -> tuple:
    from thaibench.merge.plan import MergePlan, ParentMeta

    parents = [weights(Path(p)) for p in pair]
    cfgs = [json.loads((Path(p) / "config.json").read_text()) for p in pair]
    plan = MergePlan.build(open_plan(s)[0], s.params, [ParentMeta.from_state_dict(sd, c)
                                                       for sd, c in zip(parents, cfgs, strict=True)])
    return plan, parents


@pytest.mark.parametrize("cfg", [
    {"method": "linear", "ratio": "m3"},
    {"method": "linear", "ratio": 0.3, "out_dtype": "float32"},         # written straight into the target
    {"method": "linear", "ratio": [0.2, 0.9], "parameters": {"normalize": False}},
    {"method": "task_arithmetic", "ratio": 0.6, "base": 0, "out_dtype": "float32"},
    {"method": "slerp", "ratio": [0.2, 0.8]},
    {"method": "dare_linear", "ratio": "m2", "base": 0, "parameters": {"density": 0.5}, "seed": 3},
    {"method": "ties", "ratio": 0.5, "base": 0, "parameters": {"density": 0.3}},
])
@pytest.mark.parametrize("piece", [None, 777])
def test_in_memory_candidate_is_byte_identical_to_disk(tmp_path, bf16_pair, cfg, piece, monkeypatch):
    """In memory, elementwise methods run on whole tensors (or pieces that split them anywhere:
    `piece`); the bits must still equal the chunked merge written to disk."""
    import thaibench.merge.plan as plan_mod

    if piece:
        monkeypatch.setattr(plan_mod, "PIECE", piece)
    cfg = {"out_dtype": "bfloat16", **cfg, "models": list(bf16_pair)}
    if cfg.get("base") == 0:
        cfg["base"] = bf16_pair[0]
    s = spec(**cfg)
    merge_to_disk(s, tmp_path / "out")
    plan, parents = _plan_and_parents(s, bf16_pair)
    target = {k: torch.zeros(v.shape, dtype=plan.op(k).out_dtype) for k, v in parents[0].items()}
    plan.merge_into(target, parents)
    disk = weights(tmp_path / "out")
    assert all(torch.equal(target[k], disk[k]) for k in disk)
    assert any(not torch.equal(disk[k], parents[0][k]) for k in disk)


@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_in_memory_merge_refuses_nan_and_names_the_parent(bf16_pair, method):
    from thaibench.errors import UserError

    s = spec(method=method, models=list(bf16_pair), ratio=0.4, out_dtype="float32")
    plan, parents = _plan_and_parents(s, bf16_pair)
    name = "model.layers.1.self_attn.k_proj.weight"
    parents[1][name].view(-1)[5] = float("nan")
    target = {k: torch.zeros(v.shape, dtype=torch.float32) for k, v in parents[0].items()}
    with pytest.raises(UserError, match=f"parent #1 has NaN or Inf in {name}"):
        plan.merge_into(target, parents)


def test_sharded_output_loads_and_runs(tmp_path, bf16_pair):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    merge_to_disk(spec(method="linear", models=list(bf16_pair), ratio=0.5, out_dtype="float32"),
                  tmp_path / "out", shard_bytes=200_000)
    index = json.loads((tmp_path / "out" / "model.safetensors.index.json").read_text())
    shards = sorted(set(index["weight_map"].values()))
    assert len(shards) > 1 and all((tmp_path / "out" / s).is_file() for s in shards)
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "out")
    tok = AutoTokenizer.from_pretrained(tmp_path / "out")
    assert model.dtype == torch.float32
    ids = tok.apply_chat_template([{"role": "user", "content": "สวัสดี"}], add_generation_prompt=True,
                                  return_tensors="pt", return_dict=True)["input_ids"]
    assert model(ids).logits.shape[-1] == model.config.vocab_size
    cfg = json.loads((tmp_path / "out" / "config.json").read_text())
    assert cfg["dtype"] == "float32"


def test_sharded_parents_are_read_and_identified(tmp_path, tok, bf16_pair):
    """Parent ids come from the bytes the merge streams (any layout): equal to identity's."""
    import shutil

    from safetensors.torch import save_file

    from thaibench.identity import checkpoint_id
    from thaibench.merge.synthetic import synthetic_checkpoint

    a = synthetic_checkpoint(tmp_path / "a", arch="qwen2", seed=1, dtype="bfloat16", tokenizer=tok,
                             shard_bytes=100_000)
    assert (a / "model.safetensors.index.json").is_file()
    b = shutil.copytree(bf16_pair[1], tmp_path / "b")      # another file layout: sorted by safetensors
    save_file(weights(b), str(b / "model.safetensors"), metadata={"format": "pt"})
    cand = merge_to_disk(spec(method="linear", models=[str(a), str(b)], ratio=0), tmp_path / "out")
    got, want = weights(tmp_path / "out"), weights(Path(bf16_pair[0]))
    assert all(torch.equal(got[k], want[k]) for k in want)
    assert list(cand.spec.parents) == [checkpoint_id(a), checkpoint_id(b)]


def test_tied_embeddings_stay_tied_and_mixed_get_a_head(tmp_path, tok):
    from thaibench.merge.synthetic import synthetic_checkpoint

    t1 = synthetic_checkpoint(tmp_path / "t1", arch="qwen2", seed=1, tokenizer=tok, tie_word_embeddings=True)
    t2 = synthetic_checkpoint(tmp_path / "t2", arch="qwen2", seed=2, tokenizer=tok, tie_word_embeddings=True)
    u = synthetic_checkpoint(tmp_path / "u", arch="qwen2", seed=3, tokenizer=tok)
    merge_to_disk(spec(method="linear", models=[str(t1), str(t2)], ratio=0.5), tmp_path / "tied")
    assert "lm_head.weight" not in weights(tmp_path / "tied")
    assert json.loads((tmp_path / "tied" / "config.json").read_text())["tie_word_embeddings"] is True
    merge_to_disk(spec(method="linear", models=[str(t1), str(u)], ratio=0.25), tmp_path / "mixed")
    got, w1, wu = weights(tmp_path / "mixed"), weights(t1), weights(u)
    want = 0.75 * w1["model.embed_tokens.weight"] + 0.25 * wu["lm_head.weight"]
    assert torch.allclose(got["lm_head.weight"], want, atol=1e-6)
    assert json.loads((tmp_path / "mixed" / "config.json").read_text())["tie_word_embeddings"] is False


def test_lora_adapter_parent_is_merged_onto_its_base(tmp_path, tok):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from thaibench.merge.synthetic import synthetic_checkpoint

    base = synthetic_checkpoint(tmp_path / "base", arch="llama", seed=5, tokenizer=tok)
    model = AutoModelForCausalLM.from_pretrained(base)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=16, target_modules=["q_proj", "down_proj",
                                                                                      "embed_tokens"]))
    torch.manual_seed(0)
    for n, p in peft_model.named_parameters():
        if "lora_" in n:
            p.data.normal_(0, 0.05)
    peft_model.save_pretrained(tmp_path / "adapter")
    expected = {k: v.detach().clone() for k, v in peft_model.merge_and_unload().state_dict().items()}
    other = synthetic_checkpoint(tmp_path / "other", arch="llama", seed=6, tokenizer=tok)
    for ref in (str(tmp_path / "adapter"), f"{base}+{tmp_path / 'adapter'}"):
        out = tmp_path / ("out" + str(len(ref)))
        merge_to_disk(spec(method="linear", models=[ref, str(other)], ratio=0), out)
        got = weights(out)
        assert max(float((got[k] - expected[k]).abs().max()) for k in got) <= 1e-6
    assert not torch.equal(got["model.layers.0.self_attn.q_proj.weight"],
                           weights(base)["model.layers.0.self_attn.q_proj.weight"])


def test_candidate_json_ids_and_rerun_of_written_config(tmp_path, bf16_pair):
    from thaibench.identity import checkpoint_id

    s = spec(method="dare_linear", models=list(bf16_pair), base=bf16_pair[0], ratio="m3")
    cand = merge_to_disk(s, tmp_path / "out")
    d = json.loads((tmp_path / "out" / "candidate.json").read_text(encoding="utf-8"))
    assert d["id"] == cand.id == resolve_spec(s).id
    assert d["parents"] == [checkpoint_id(Path(p)) for p in bf16_pair]
    assert d["schema_version"] == 1 and d["created"].endswith("+00:00")
    assert d["lineage"]["paper"] == "https://arxiv.org/abs/2311.03099"
    assert [p["role"] for p in d["lineage"]["parents"]] == ["model+base", "model"]
    assert Candidate.read(tmp_path / "out").spec == cand.spec
    written = json.loads((tmp_path / "out" / "thaibench_merge.json").read_text())
    assert resolve_spec(spec(**written)).id == cand.id
    other = resolve_spec(spec(method="dare_linear", models=list(bf16_pair), base=bf16_pair[0], ratio="m2"))
    assert other.id != cand.id


def test_chunking_bounds_scratch_memory(tmp_path, tok):
    """A tensor of 48 M elements (192 MB per parent) merges in a subprocess whose RSS grows by
    less than half of one parent's copy of it (loading the parents would add 2x); the >1.5 GB
    variant is tests/test_merge_memory.py (slow)."""
    import subprocess
    import sys

    from thaibench.merge.synthetic import synthetic_checkpoint

    big = dict(arch="llama", tokenizer=tok, vocab_size=46_875, hidden_size=1024, intermediate_size=64,
               num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=4)
    a = synthetic_checkpoint(tmp_path / "a", seed=1, **big)
    b = synthetic_checkpoint(tmp_path / "b", seed=2, **big)
    code = (
        "import resource, sys; from pathlib import Path\n"
        "from thaibench.candidates import CandidateSpec\n"
        "from thaibench.merge.spec import from_thaibench\n"
        "from thaibench.merge.build import merge_to_disk\n"
        f"s = CandidateSpec(*from_thaibench({{'method': 'linear', 'models': [{str(a)!r}, {str(b)!r}], 'ratio': 0.3}}))\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"merge_to_disk(s, Path({str(tmp_path / 'out')!r}))\n"
        "print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    before, peak = (int(x) * 1024 for x in res.stdout.split()[-2:])
    tensor_bytes = 46_875 * 1024 * 4
    assert peak - before < tensor_bytes * 0.5, (before, peak)


def test_remembered_parent_digests_are_used_and_new_ones_remembered(tmp_path, bf16_pair, monkeypatch):
    """With identity's cached_file_digest / remember_file_digest, a known shard is not hashed
    again and a shard hashed while streaming is handed back to identity."""
    from thaibench import identity
    from thaibench.merge.digest import FileHashers
    from thaibench.merge.sources import open_parent

    a, b = (Path(p) / "model.safetensors" for p in bf16_pair)
    known = {a: identity.file_digest(a)}
    remembered: dict = {}
    monkeypatch.setattr(identity, "cached_file_digest", lambda p: known.get(Path(p)), raising=False)
    monkeypatch.setattr(identity, "remember_file_digest", lambda p, d: remembered.update({Path(p): d}),
                        raising=False)
    parents = [open_parent(p) for p in bf16_pair]
    hashers = FileHashers(parents)
    assert a not in hashers.files and b in hashers.files
    cand = merge_to_disk(spec(method="linear", models=list(bf16_pair), ratio=0.5), tmp_path / "out")
    assert list(cand.spec.parents) == [identity.checkpoint_id(Path(p)) for p in bf16_pair]
    assert remembered == {b: identity.file_digest(b)}


def test_float16_overflow_is_refused_on_disk_and_in_memory(tmp_path, bf16_pair):
    """bfloat16 holds 1e5, float16 does not: a float16 candidate would be written as Inf."""
    import shutil

    from safetensors.torch import save_file

    from thaibench.errors import UserError

    name = "model.layers.0.mlp.up_proj.weight"
    big = []
    for k, p in enumerate(bf16_pair):
        d = shutil.copytree(p, tmp_path / f"p{k}")
        w = weights(d)
        w[name].view(-1)[3] = 1e5
        (d / "model.safetensors").unlink()
        save_file(w, str(d / "model.safetensors"), metadata={"format": "pt"})
        big.append(str(d))
    s = spec(method="linear", models=big, ratio=0.5, out_dtype="float16")
    with pytest.raises(UserError, match=f"the merge produced NaN or Inf in {name}"):
        merge_to_disk(s, tmp_path / "out")
    plan, parents = _plan_and_parents(s, big)
    target = {k: torch.zeros(v.shape, dtype=torch.float16) for k, v in parents[0].items()}
    with pytest.raises(UserError, match=f"the merge produced NaN or Inf in {name}"):
        plan.merge_into(target, parents)
