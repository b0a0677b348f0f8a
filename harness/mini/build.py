"""Build the miniature world: tokenizer, shared base, `mini-th` and `mini-reasoner`.

`build_world(recipe, out)` trains all three in one process and writes them as ordinary
checkpoints (`save_pretrained` weights in safetensors, tokenizer with the `<think>` chat
template, generation_config.json), so every backend and the merge code load them like any model:

    out/base/           pretrained on bilingual documents (no chat format)
    out/mini-th/        base + SFT on direct answers, mostly Thai
    out/mini-reasoner/  base + SFT on English <think> traces; Thai prompts often answered in English
    out/mini.json       recipe, version, timings, losses and each model's weight digest

Everything is seeded and runs with a fixed thread count and deterministic torch algorithms, so
two builds of one recipe on one machine give identical weight files. `thaibench.mini.cache`
decides where builds live and makes them atomic.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from thaibench.mini import corpus
from thaibench.mini.pico import build_tokenizer, model_config
from thaibench.mini.recipe import Recipe
from thaibench.mini.train import set_determinism, train_pretrain, train_sft

MODELS = ("base", "mini-th", "mini-reasoner")
DEFAULT_SUITE = "mini"  # the suite `thaibench score` runs on the embedded default
# stage name, step, total, loss (loss NaN for stages that are not training steps)
StageProgress = Callable[[str, int, int, float], None]


def weights_digest(model_dir: Path) -> str:
    """sha256 over the model's safetensors files (names and bytes), in name order."""
    h = hashlib.sha256()
    for f in sorted(Path(model_dir).glob("*.safetensors")):
        h.update(f.name.encode() + b"\0")
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def new_model(recipe: Recipe, tok: Any) -> Any:
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    s = recipe.shape
    cfg = model_config(s.arch, len(tok), hidden_size=s.hidden, intermediate_size=s.intermediate,
                       num_hidden_layers=s.layers, num_attention_heads=s.heads, num_key_value_heads=s.kv_heads,
                       max_position_embeddings=512)
    cfg.eos_token_id = tok.convert_tokens_to_ids("<|im_end|>")
    cfg.pad_token_id = tok.convert_tokens_to_ids("<|endoftext|>")
    cfg.bos_token_id = None
    torch.manual_seed(recipe.seed)
    model = AutoModelForCausalLM.from_config(cfg, attn_implementation="sdpa")
    model.generation_config = GenerationConfig(eos_token_id=cfg.eos_token_id, pad_token_id=cfg.pad_token_id,
                                               do_sample=False, max_new_tokens=128)
    return model


def save(model: Any, tok: Any, out: Path, role: str, recipe: Recipe) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    (out / "thaibench_mini.json").write_text(
        json.dumps({"role": role, "version": recipe.version()}, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def _stage(progress: StageProgress | None, name: str) -> Callable[[int, int, float], None] | None:
    if progress is None:
        return None
    return lambda step, total, loss: progress(name, step, total, loss)


def _env(recipe: Recipe) -> dict[str, Any]:
    """What the weights depend on beyond the recipe: determinism holds only within one of these."""
    import platform

    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__, "threads": recipe.threads,
            "machine": platform.machine()}


def build_tok(recipe: Recipe) -> Any:
    return build_tokenizer(corpus.tokenizer_corpus(recipe.seed, recipe.tokenizer_docs), vocab_size=recipe.vocab_size)


def build_world(recipe: Recipe, out: Path, progress: StageProgress | None = None,
                device: str = "cpu") -> dict[str, Any]:
    """Train and save base, mini-th and mini-reasoner under `out`; return the manifest.

    `device="cuda"` is for exploring recipes quickly; cached builds are always CPU builds. The
    process's torch thread count and determinism flag are restored afterwards."""
    import torch

    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    try:
        return _build(recipe, Path(out), progress, device)
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)


def _build(recipe: Recipe, out: Path, progress: StageProgress | None, device: str) -> dict[str, Any]:
    import copy

    from thaibench.mini.train import pack_docs

    set_determinism(recipe.seed, recipe.threads, device)
    timings: dict[str, float] = {}
    losses: dict[str, list[float]] = {}
    t0 = time.perf_counter()
    if progress is not None:
        progress("data", 0, 1, math.nan)
    tok = build_tok(recipe)
    docs = corpus.pretrain_docs(recipe.seed + 100, recipe.pretrain_docs, recipe.drill_share,
                                recipe.xling_share)
    blocks = pack_docs(tok, docs, recipe.pretrain.seq_len)
    timings["data"] = time.perf_counter() - t0
    if progress is not None:
        progress("data", 1, 1, math.nan)

    t = time.perf_counter()
    base = new_model(recipe, tok).to(device)
    losses["base"] = train_pretrain(base, blocks, recipe.pretrain, _stage(progress, "base"))
    save(base, tok, out / "base", "base", recipe)
    timings["base"] = time.perf_counter() - t

    parents = (
        ("mini-th", corpus.th_chats(recipe.seed + 200, recipe.th_chats, recipe.th_share), recipe.th),
        ("mini-reasoner", corpus.reasoner_chats(recipe.seed + 300, recipe.reasoner_chats, recipe.p_en),
         recipe.reasoner),
    )
    for name, chats, cfg in parents:
        t = time.perf_counter()
        set_determinism(cfg.seed, recipe.threads, device)
        model = copy.deepcopy(base)
        losses[name] = train_sft(model, tok, chats, cfg, _stage(progress, name))
        save(model, tok, out / name, name, recipe)
        timings[name] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0

    manifest = {
        "version": recipe.version(),
        "recipe": recipe.to_dict(),
        "paths": {m: m for m in MODELS},  # relative to the world directory
        "env": _env(recipe),
        "digests": {m: weights_digest(out / m) for m in MODELS},
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "final_loss": {k: round(sum(v[-10:]) / len(v[-10:]), 4) for k, v in losses.items()},
        "vocab_size": len(tok),
        "pretrain_tokens": int(blocks.numel()),
    }
    (out / "mini.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def ensure_mini(*args: Any, **kwargs: Any) -> Any:
    """See `thaibench.mini.cache.ensure_mini` (re-exported here, where callers look for it)."""
    from thaibench.mini.cache import ensure_mini as _ensure

    return _ensure(*args, **kwargs)
