"""Pico random models and a real byte-level BPE tokenizer with a `<think>` chat template.

Used by tests (merge equivalence, backends, the score pipeline) and as the starting point of
the miniature world. The tokenizer is trained with Qwen2's pre-tokenizer regex so that a
`qwen2` model directory loaded through AutoTokenizer (which builds Qwen2Tokenizer with its own
pre-tokenizer) gives the same ids. `<think>`/`</think>` are ordinary added tokens, NOT special:
special tokens are deleted on decode, and the trace must survive decoding.

Example:
    build_pico(Path("/tmp/pico"), arch="qwen2", seed=0)  # a loadable checkpoint in ~1 s
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

QWEN2_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"""
    r"""\s*[\r\n]+|\s+(?!\S)|\s+"""
)

# ChatML with a thinking switch: `enable_thinking=False` closes an empty trace in the prompt
# (as Qwen3 does); history assistant turns are rendered as given.
CHAT_TEMPLATE = (
    "{%- if messages and messages[0]['role'] != 'system' and default_system is defined -%}"
    "{{ '<|im_start|>system\\n' + default_system + '<|im_end|>\\n' }}"
    "{%- endif -%}"
    "{%- for m in messages -%}"
    "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{ '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and not enable_thinking -%}{{ '<think>\\n\\n</think>\\n\\n' }}{%- endif -%}"
    "{%- endif -%}"
)

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
THINK_TOKENS = ["<think>", "</think>"]

DEFAULT_CORPUS = (
    "What is 12 plus 7? The answer is 19. Answer: 19\n"
    "คำถาม: 12 บวก 7 เท่ากับเท่าไร คำตอบ: 19\n"
    "Let me think step by step. First add the numbers, then multiply.\n"
    "ร้านค้ามีแอปเปิล 5 ผล ขายไป 2 ผล เหลือกี่ผล ตอบ 3 ผล\n"
    "The quick brown fox jumps over the lazy dog. 0123456789 + - * / = \\boxed{42}\n"
    "สวัสดีครับ วันนี้อากาศดีมาก ภาษาไทยเป็นภาษาที่สวยงาม\n"
)


def build_tokenizer(corpus: str | list[str] = DEFAULT_CORPUS, vocab_size: int = 512) -> Any:
    """Train a byte-level BPE on `corpus` and wrap it as a PreTrainedTokenizerFast."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    texts = [corpus] if isinstance(corpus, str) else corpus
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
        unk_token=None,
    )
    fast.add_tokens(THINK_TOKENS, special_tokens=False)
    fast.chat_template = CHAT_TEMPLATE
    fast.padding_side = "left"
    return fast


def model_config(arch: str, vocab_size: int, **overrides: Any) -> Any:
    """A tiny Llama or Qwen2 config (4 layers, hidden 64 by default)."""
    from transformers import LlamaConfig, Qwen2Config

    common: dict[str, Any] = dict(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=False,
    )
    common.update(overrides)
    if arch == "llama":
        return LlamaConfig(**common)
    if arch == "qwen2":
        return Qwen2Config(**common)
    raise ValueError(f"unknown pico architecture {arch!r}; use 'llama' or 'qwen2'")


def build_pico(
    out: Path,
    arch: str = "llama",
    seed: int = 0,
    tokenizer: Any = None,
    dtype: str = "float32",
    **config_overrides: Any,
) -> Path:
    """Write a random-init causal LM with a real tokenizer to `out`; return `out`."""
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer if tokenizer is not None else build_tokenizer()
    cfg = model_config(arch, len(tok), **config_overrides)
    cfg.eos_token_id = tok.convert_tokens_to_ids("<|im_end|>")
    cfg.pad_token_id = tok.convert_tokens_to_ids("<|endoftext|>")
    cfg.bos_token_id = None
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg)
    model.to(getattr(torch, dtype))
    model.generation_config = GenerationConfig(
        eos_token_id=cfg.eos_token_id, pad_token_id=cfg.pad_token_id, do_sample=False
    )
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    (out / "thaibench_pico.json").write_text(json.dumps({"arch": arch, "seed": seed}) + "\n")
    return out
