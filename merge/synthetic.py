"""Synthetic parents for merge tests and benchmarks: real architectures, random weights, any size.

Tensor names and shapes come from instantiating the transformers model on the meta device (no
memory), so a synthetic Qwen2-0.5B-shaped checkpoint has exactly the tensors a real one has; the
values are seeded Gaussians (norm weights around 1, every tensor random, so a merge that skipped
norms or biases would show), written chunk by chunk so a 2 GB tensor never sits in memory. A
`like=` checkpoint gives a "fine-tune" of it: like + noise, which is what task arithmetic, TIES
and DARE expect of their inputs. The pico tokenizer (`thaibench.mini.pico`) is saved alongside
so that the directory loads with AutoModelForCausalLM / AutoTokenizer.

Example:
    base = synthetic_checkpoint(tmp / "base", arch="qwen2", seed=0)
    tuned = synthetic_checkpoint(tmp / "tuned", arch="qwen2", seed=1, like=base, scale=0.002)
    qwen05 = synthetic_checkpoint(tmp / "q", dtype="bfloat16", **QWEN2_05B)     # ~1 GB

Shapes of `QWEN2_05B`: Qwen/Qwen2.5-0.5B's config.json (Apache-2.0), 494M parameters.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from thaibench.merge.method import CHUNK
from thaibench.merge.stio import Checkpoint, OutTensor, ShardedWriter, dtype_from_name

QWEN2_05B = dict(arch="qwen2", vocab_size=151936, hidden_size=896, intermediate_size=4864,
                 num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
                 tie_word_embeddings=True, max_position_embeddings=32768)


def _shapes(arch: str, vocab: int, overrides: dict[str, Any]) -> tuple[Any, list[tuple[str, tuple[int, ...]]]]:
    from transformers import AutoModelForCausalLM

    from thaibench.mini.pico import model_config

    cfg = model_config(arch, vocab, **overrides)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(cfg)
    cfg.architectures = [type(model).__name__]
    names = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    if cfg.tie_word_embeddings:
        names = [(k, s) for k, s in names if k != "lm_head.weight"]
    return cfg, names


def synthetic_checkpoint(out: Path, arch: str = "llama", seed: int = 0, dtype: str = "float32",
                         like: Path | None = None, scale: float = 0.02, shard_bytes: int = 5 * 10**9,
                         tokenizer: Any = None, **config: Any) -> Path:
    """Write a random checkpoint (see module docstring) to `out`; return `out`."""
    from thaibench.mini.pico import build_tokenizer

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer if tokenizer is not None else build_tokenizer()
    vocab = int(config.pop("vocab_size", len(tok)))
    cfg, names = _shapes(arch, vocab, config)
    tdtype = dtype_from_name(dtype)
    writer = ShardedWriter(out, [OutTensor(n, tdtype, s) for n, s in names], shard_bytes)
    src = Checkpoint.open(Path(like)) if like is not None else None
    for i, (name, shape) in enumerate(names):
        n = 1
        for s in shape:
            n *= s
        g = torch.Generator().manual_seed(seed * 100_003 + i)
        for a in range(0, n, CHUNK):
            b = min(a + CHUNK, n)
            x = torch.randn(b - a, generator=g) * scale
            if src is not None:
                x += src.read(name, a, b).float()
            elif "norm" in name:
                x += 1.0
            writer.write(name, a, x.to(tdtype))
    writer.finish()
    if src is not None:
        src.close()
    cfg.dtype = tdtype
    cfg.eos_token_id = tok.convert_tokens_to_ids("<|im_end|>")
    cfg.pad_token_id = tok.convert_tokens_to_ids("<|endoftext|>")
    cfg.save_pretrained(out)
    tok.save_pretrained(out)
    (out / "generation_config.json").write_text(json.dumps(
        {"eos_token_id": cfg.eos_token_id, "pad_token_id": cfg.pad_token_id, "do_sample": False}) + "\n")
    return out
