"""Plain torch training loops for the miniature world: packed pretraining and chat SFT.

Why not TRL: on a 1M-parameter model the per-step overhead of a trainer costs more than the
maths, and a plain loop with fixed threads, `torch.use_deterministic_algorithms(True)` and a
seeded data order is bit-for-bit reproducible on one machine (the build-determinism test
relies on that). AdamW with linear warm-up and cosine decay, gradient clipping at 1.0.

SFT loss is on the assistant reply only (prompt tokens are masked with -100), and the prompt is
tokenised exactly as the chat template renders it for generation, so what is trained is what a
backend later continues from.

Example:
    model = train_sft(model, tok, chats, TrainConfig(steps=200, lr=1e-3), progress=None)

Quirks: results match across runs only with the same torch build and thread count; nothing
assumes they match across machines.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from thaibench.mini.corpus import Chat

IGNORE = -100
Progress = Callable[[int, int, float], None]  # (step, total, loss)


@dataclass(frozen=True)
class TrainConfig:
    steps: int
    lr: float
    batch_size: int = 32
    seq_len: int = 128
    warmup: int = 20
    weight_decay: float = 0.0
    min_lr_ratio: float = 0.1
    seed: int = 0


def set_determinism(seed: int, threads: int, device: str = "cpu") -> None:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    # CUDA would need CUBLAS_WORKSPACE_CONFIG for this; GPU builds are for fast exploration only.
    torch.use_deterministic_algorithms(device == "cpu")


def lr_at(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * t)))


def pack_docs(tok: Any, docs: Sequence[str], seq_len: int) -> Any:
    """Concatenate documents (each ended by the pad/eos `<|endoftext|>`) into [N, seq_len] blocks."""
    import torch

    sep = tok.convert_tokens_to_ids("<|endoftext|>")
    flat: list[int] = []
    for ids in tok(list(docs), add_special_tokens=False)["input_ids"]:
        flat.extend(ids)
        flat.append(sep)
    n = len(flat) // seq_len
    return torch.tensor(flat[: n * seq_len], dtype=torch.long).view(n, seq_len)


def encode_chat(tok: Any, chat: Chat, max_len: int) -> tuple[list[int], list[int]]:
    """(input_ids, labels): prompt as the template renders it for generation, reply + <|im_end|>."""
    prompt = tok.apply_chat_template([{"role": "user", "content": chat.user}], tokenize=False,
                                     add_generation_prompt=True)
    p = tok(prompt, add_special_tokens=False)["input_ids"]
    r = tok(chat.assistant + "<|im_end|>", add_special_tokens=False)["input_ids"]
    ids = (p + r)[:max_len]
    labels = ([IGNORE] * len(p) + r)[:max_len]
    return ids, labels


def _chat_batches(encoded: list[tuple[list[int], list[int]]], cfg: TrainConfig, pad: int) -> list[Any]:
    """Length-bucketed, right-padded batches in a seeded order (little padding, same every run)."""
    import torch

    rng = random.Random(cfg.seed)
    order = list(range(len(encoded)))
    rng.shuffle(order)
    chunk = cfg.batch_size * 16
    batches = []
    for c in range(0, len(order), chunk):
        part = sorted(order[c:c + chunk], key=lambda i: len(encoded[i][0]))
        for b in range(0, len(part) - cfg.batch_size + 1, cfg.batch_size):
            rows = [encoded[i] for i in part[b:b + cfg.batch_size]]
            width = max(len(ids) for ids, _ in rows)
            ids = torch.full((len(rows), width), pad, dtype=torch.long)
            labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for j, (x, y) in enumerate(rows):
                ids[j, : len(x)] = torch.tensor(x)
                labels[j, : len(y)] = torch.tensor(y)
                mask[j, : len(x)] = 1
            batches.append((ids, labels, mask))
    rng.shuffle(batches)
    return batches


def _optimise(model: Any, next_batch: Callable[[int], tuple[Any, Any, Any]], cfg: TrainConfig,
              progress: Progress | None) -> list[float]:
    import torch

    model.train()
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "embed" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "embed" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": rest, "weight_decay": 0.0}], lr=cfg.lr, betas=(0.9, 0.98))
    losses = []
    for step in range(cfg.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, cfg)
        ids, labels, mask = (t.to(model.device) for t in next_batch(step))
        out = model(input_ids=ids, attention_mask=mask, labels=labels)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(out.loss.detach()))
        if progress is not None:
            progress(step + 1, cfg.steps, losses[-1])
    model.eval()
    return losses


def train_pretrain(model: Any, blocks: Any, cfg: TrainConfig, progress: Progress | None = None) -> list[float]:
    """Next-token training on packed blocks, in a seeded order (cycled if steps need more)."""
    import torch

    gen = torch.Generator().manual_seed(cfg.seed)
    n = blocks.shape[0]
    perm: list[int] = []

    def next_batch(step: int) -> tuple[Any, Any, Any]:
        nonlocal perm
        while len(perm) < cfg.batch_size:
            perm += torch.randperm(n, generator=gen).tolist()
        take, perm = perm[: cfg.batch_size], perm[cfg.batch_size:]
        x = blocks[take]
        return x, x, torch.ones_like(x)

    return _optimise(model, next_batch, cfg, progress)


def train_sft(model: Any, tok: Any, chats: Sequence[Chat], cfg: TrainConfig,
              progress: Progress | None = None) -> list[float]:
    """Assistant-only loss on chats; batches cycle if `steps` asks for more than one epoch."""
    pad = tok.convert_tokens_to_ids("<|endoftext|>")
    encoded = [encode_chat(tok, c, cfg.seq_len) for c in chats]
    batches = _chat_batches(encoded, cfg, pad)
    if not batches:
        raise ValueError(f"SFT needs at least {cfg.batch_size} chats, got {len(chats)}")
    return _optimise(model, lambda step: batches[step % len(batches)], cfg, progress)
