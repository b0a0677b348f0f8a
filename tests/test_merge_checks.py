"""Pre-merge checks and config errors: each refusal is one line that names what is wrong."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from thaibench.candidates import CandidateSpec
from thaibench.errors import UserError
from thaibench.merge.build import merge_to_disk
from thaibench.merge.spec import from_mergekit, from_thaibench


@pytest.fixture(scope="module")
def tok():
    from thaibench.mini.pico import build_tokenizer

    return build_tokenizer()


@pytest.fixture(scope="module")
def pair(tmp_path_factory, tok):
    from thaibench.merge.synthetic import synthetic_checkpoint

    root = tmp_path_factory.mktemp("pair")
    return [str(synthetic_checkpoint(root / n, arch="llama", seed=i, tokenizer=tok)) for i, n in enumerate("ab")]


def merge(tmp_path: Path, out_name: str = "out", **cfg) -> Path:
    out = tmp_path / out_name
    merge_to_disk(CandidateSpec(*from_thaibench(cfg)), out, warn=lambda m: None)
    return out


def copy(src: str, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("cfg,msg", [
    ({"method": "lerp"}, "unknown merge method 'lerp'"),
    ({"method": "linear", "models": ["A", "B"], "ratios": 0.5}, "unknown key 'ratios'"),
    ({"method": "linear", "models": ["A", "B"], "parameters": {"t": 0.5}}, "unknown parameter 't' for linear"),
    ({"method": "linear", "models": [{"model": "A", "parameters": {"normalize": False}}, "B"]},
     "'normalize' is shared by all models"),
    ({"method": "ties", "models": ["A", "B"], "ratio": 0.5}, "ties needs a base model"),
    ({"method": "dare_linear", "models": ["A", "B"], "ratio": "m3"}, "dare_linear needs a base model"),
    ({"method": "linear", "models": ["A", "B", "C"], "ratio": 0.5}, "ratio needs exactly two models"),
    ({"method": "linear", "models": ["A", "B"], "ratio": 0.5, "parameters": {"weight": 1}}, "either ratio or weight"),
    ({"method": "slerp", "models": ["A", "B", "C"], "parameters": {"t": 0.5}}, "slerp merges 2 models"),
    ({"method": "linear", "models": ["A", "B"], "ratio": 0.5, "dtype": "bfloat16"}, "mergekit_compat"),
    ({"method": "linear", "models": ["A", "B"], "ratio": 0.5, "out_dtype": "int4"}, "unknown dtype 'int4'"),
    ({"method": "linear", "models": ["A", "A"], "ratio": 0.5}, "listed twice"),
    ({"method": "linear", "models": ["A", "B"], "ratio": 0.5, "tokenizer_source": "C"}, "tokenizer_source 'C'"),
])
def test_config_errors_name_the_key(cfg, msg):
    with pytest.raises(UserError, match=msg):
        from_thaibench(cfg)


@pytest.mark.parametrize("cfg,msg", [
    ({"merge_method": "linear", "models": [{"model": "A"}], "chat_template": "chatml"}, "'chat_template' is not supported"),
    ({"merge_method": "linear", "models": [{"model": "A"}], "tokenizer": {"source": "union"}}, "'tokenizer' is not supported"),
    ({"merge_method": "linear", "models": [{"model": "A"}], "frobnicate": 1}, "unknown mergekit key 'frobnicate'"),
    ({"merge_method": "linear", "models": [{"model": "A"}], "tokenizer_source": "union"}, "union is not supported"),
    ({"merge_method": "della", "models": [{"model": "A"}]}, "unknown merge method 'della'"),
    ({"merge_method": "linear", "slices": [{"sources": [{"model": "A", "layer_range": [0, 4]},
                                                          {"model": "B", "layer_range": [4, 8]}]}]},
     "layer_range must be the same"),
    ({"merge_method": "linear", "slices": [{"sources": [{"model": "A", "layer_range": [0, 4]}],
                                            "residual_weight": 0.1}]}, "'residual_weight' is not supported"),
    ({"merge_method": "slerp", "models": [{"model": "A"}, {"model": "B"}], "parameters": {"t": 0.5}},
     "slerp needs a base model: mergekit requires `base_model`"),
])
def test_mergekit_keys_are_never_ignored(cfg, msg):
    with pytest.raises(UserError, match=msg):
        from_mergekit(cfg)


def test_mergekit_config_reads_in_compat_mode_with_its_base():
    _, parents, params = from_mergekit({"merge_method": "slerp", "base_model": "B",
                                        "models": [{"model": "A"}, {"model": "B"}], "parameters": {"t": 0.5}})
    assert parents == ("A", "B") and params["base"] == 1 and params["mergekit_compat"] is True
    assert params["tokenizer_source"] == 1          # mergekit's donor: the base model


def test_output_directory_must_be_empty(tmp_path, pair):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty"):
        merge(tmp_path, method="linear", models=pair, ratio=0.5)
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


def test_missing_and_truncated_shards(tmp_path, pair, tok):
    from thaibench.merge.synthetic import synthetic_checkpoint

    sharded = synthetic_checkpoint(tmp_path / "s", arch="llama", seed=0, tokenizer=tok, shard_bytes=100_000)
    shards = sorted(sharded.glob("model-*.safetensors"))
    missing = copy(str(sharded), tmp_path / "missing")
    (missing / shards[1].name).unlink()
    with pytest.raises(UserError, match=f"shard missing: .*{shards[1].name}"):
        merge(tmp_path, method="linear", models=[str(missing), pair[1]], ratio=0.5)
    trunc = copy(str(sharded), tmp_path / "trunc")
    with open(trunc / shards[0].name, "r+b") as f:
        f.truncate(f.seek(0, 2) - 10)
    with pytest.raises(UserError, match=f"shard truncated: .*{shards[0].name}"):
        merge(tmp_path, method="linear", models=[str(trunc), pair[1]], ratio=0.5)
    bad = copy(pair[0], tmp_path / "bad")
    (bad / "model.safetensors").write_bytes(struct.pack("<Q", 10**6) + b"{}")
    with pytest.raises(UserError, match="truncated or corrupt"):
        merge(tmp_path, method="linear", models=[str(bad), pair[1]], ratio=0.5)


def test_architectures_and_shapes_differ(tmp_path, pair, tok):
    from thaibench.merge.synthetic import synthetic_checkpoint

    qwen = synthetic_checkpoint(tmp_path / "q", arch="qwen2", seed=0, tokenizer=tok)
    with pytest.raises(UserError, match="architectures differ: .* is LlamaForCausalLM, .* is Qwen2ForCausalLM"):
        merge(tmp_path, method="linear", models=[pair[0], str(qwen)], ratio=0.5)
    wide = synthetic_checkpoint(tmp_path / "w", arch="llama", seed=0, tokenizer=tok, intermediate_size=96)
    with pytest.raises(UserError, match=r"shapes differ for model.layers.0.mlp.\w+_proj.weight: \[128, 64\], \[96, 64\]"):
        merge(tmp_path, method="linear", models=[pair[0], str(wide)], ratio=0.5)


def test_vocabularies_differ_refuse_or_resize(tmp_path, pair, tok):
    from thaibench.merge.synthetic import synthetic_checkpoint
    from thaibench.mini.pico import build_tokenizer

    bigger_tok = build_tokenizer()
    bigger_tok.add_tokens(["<tool>", "</tool>"])
    big = synthetic_checkpoint(tmp_path / "big", arch="llama", seed=3, tokenizer=bigger_tok)
    with pytest.raises(UserError, match="vocabularies differ: .* has 463 tokens, .* has 465"):
        merge(tmp_path, method="linear", models=[pair[0], str(big)], ratio=0.5)
    out = merge(tmp_path, method="linear", models=[pair[0], str(big)], ratio=0.5, resize_vocab=True,
                tokenizer_source=str(big))
    got = load_file(str(out / "model.safetensors"))
    a, b = load_file(pair[0] + "/model.safetensors"), load_file(str(big / "model.safetensors"))
    emb = "model.embed_tokens.weight"
    assert got[emb].shape[0] == 465
    assert torch.allclose(got[emb][:463], 0.5 * a[emb] + 0.5 * b[emb][:463], atol=1e-6)
    assert torch.equal(got[emb][463:], b[emb][463:])
    assert json.loads((out / "config.json").read_text())["vocab_size"] == 465
    swapped = copy(pair[1], tmp_path / "swapped")       # same size, two ids exchanged
    tj = json.loads((swapped / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = tj["model"]["vocab"]
    x, y = sorted(vocab, key=vocab.get)[300:302]
    vocab[x], vocab[y] = vocab[y], vocab[x]
    (swapped / "tokenizer.json").write_text(json.dumps(tj, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(UserError, match=r"token id 300 is .* cannot be merged row by row"):
        merge(tmp_path, "out2", method="linear", models=[pair[0], str(swapped)], ratio=0.5, resize_vocab=True)


def test_chat_template_difference_warns_and_names_the_one_used(tmp_path, pair):
    other = copy(pair[1], tmp_path / "other")
    (other / "chat_template.jinja").write_text("{{ messages[0]['content'] }}")
    warnings: list[str] = []
    spec = CandidateSpec(*from_thaibench({"method": "linear", "models": [pair[0], str(other)], "ratio": 0.5,
                                          "tokenizer_source": str(other)}))
    merge_to_disk(spec, tmp_path / "out", warn=warnings.append)
    assert len(warnings) == 1 and f"uses {other}'s" in warnings[0]
    assert (tmp_path / "out" / "chat_template.jinja").read_text() == "{{ messages[0]['content'] }}"


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nan_or_inf_in_a_parent_stops_the_merge_and_leaves_nothing(tmp_path, pair, bad):
    poisoned = copy(pair[1], tmp_path / "poisoned")
    w = load_file(str(poisoned / "model.safetensors"))
    w["model.layers.2.mlp.up_proj.weight"][3, 5] = bad
    save_file(w, str(poisoned / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(UserError, match=f"parent {poisoned} has NaN or Inf in model.layers.2.mlp.up_proj.weight"):
        merge(tmp_path, method="linear", models=[pair[0], str(poisoned)], ratio=0.0)
    assert not (tmp_path / "out").exists()
