"""The miniature world's build recipe: model shape, data sizes and training settings, as data.

The recipe is hashed (with `MINI_VERSION`, bumped whenever generator or training code changes
what gets built) into the cache directory's name, so a changed recipe never reuses an old build.

Why these numbers (found by sweeping recipes; see docs/mini.md for what was tried):
- Qwen2 shape, hidden 128, 4 layers: about 1.3M parameters, roughly 15k training tokens/s on 2
  cores. 1200 pretraining steps of 32 x 128 tokens at lr 3e-3: the arithmetic facts are learned
  only past about 1000 steps (600 steps left single-step accuracy near 35%, 1200 near 100%).
- `xling_share` = 0.2: a fifth of the base's math pages are Thai questions worked in English with
  a Thai answer line. Without them no merge answered Thai after an English trace; with them the
  habit sits in the shared base, the reasoner's fine-tune covers it, and mini-th's weights bring
  it back in a merge.
- `p_en` = 0.55: the reasoner answers Thai prompts in English a little more often than in Thai
  during training, so under greedy decoding it answers them in English (a weak preference that
  mini-th's share of a merge can tip); at 0.75 merges followed the reasoner into English.
- mini-th is fine-tuned on Thai prompts only (`th_share` = 1.0) for 150 steps; the reasoner for
  300 steps (150 left its Thai-prompt multi-step accuracy near 45%).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from thaibench.canonical import short_id
from thaibench.mini.train import TrainConfig

MINI_VERSION = "2"


@dataclass(frozen=True)
class Shape:
    arch: str = "qwen2"
    hidden: int = 128
    layers: int = 4
    intermediate: int = 512
    heads: int = 4
    kv_heads: int = 2


@dataclass(frozen=True)
class Recipe:
    seed: int = 0
    threads: int = 2
    vocab_size: int = 1024
    tokenizer_docs: int = 3000
    shape: Shape = field(default_factory=Shape)
    pretrain_docs: int = 48000
    drill_share: float = 0.15
    xling_share: float = 0.2
    pretrain: TrainConfig = field(default_factory=lambda: TrainConfig(steps=1200, lr=3e-3, warmup=30))
    th_chats: int = 6000
    th_share: float = 1.0
    th: TrainConfig = field(default_factory=lambda: TrainConfig(steps=150, lr=1e-3, seed=1))
    reasoner_chats: int = 6000
    reasoner: TrainConfig = field(default_factory=lambda: TrainConfig(steps=300, lr=1e-3, seed=2))
    p_en: float = 0.55

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Recipe:
        nested = {"shape": Shape, "pretrain": TrainConfig, "th": TrainConfig, "reasoner": TrainConfig}
        return cls(**{k: nested[k](**v) if k in nested else v for k, v in d.items()})

    def version(self) -> str:
        """Short hash naming the cache directory of this recipe's build."""
        return short_id({"mini_version": MINI_VERSION, "recipe": self.to_dict()}, 12)

    def scaled(self, factor: float) -> Recipe:
        """A smaller build with the same code path (for fast tests): fewer steps and documents."""

        def s(cfg: TrainConfig) -> TrainConfig:
            return replace(cfg, steps=max(2, int(cfg.steps * factor)), warmup=max(1, int(cfg.warmup * factor)),
                           batch_size=min(cfg.batch_size, max(4, int(cfg.batch_size * factor * 10))))

        return replace(
            self, pretrain_docs=max(64, int(self.pretrain_docs * factor)),
            tokenizer_docs=max(200, int(self.tokenizer_docs * factor)),
            th_chats=max(64, int(self.th_chats * factor)), reasoner_chats=max(64, int(self.reasoner_chats * factor)),
            pretrain=s(self.pretrain), th=s(self.th), reasoner=s(self.reasoner),
        )


DEFAULT = Recipe()
