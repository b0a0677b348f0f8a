"""The miniature world's build recipe: model shape, data sizes and training settings, as data.

The recipe is hashed (with `MINI_VERSION`, bumped whenever generator or training code changes
what gets built) into the cache directory's name, so a changed recipe never reuses an old build.

Why these numbers (2 CPU cores, about 3-4 minutes for all three models):
- Qwen2 shape, hidden 128, 4 layers: about 1.3M parameters, roughly 17k training tokens/s.
- The base does most of the work (arithmetic facts, step-by-step solutions, both languages);
  each parent is a short fine-tune from it with a small learning rate, so both stay close to the
  base and a weight average of the two still works as a model (the condition for merging).
- `p_en` = 0.75: the reasoner answers Thai prompts in English three times in four during
  training, so under greedy decoding it mostly answers Thai prompts in English.
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

    def version(self) -> str:
        """Short hash naming the cache directory of this recipe's build."""
        return short_id({"mini_version": MINI_VERSION, "recipe": self.to_dict()}, 12)

    def scaled(self, factor: float) -> Recipe:
        """A smaller build with the same code path (for fast tests): fewer steps and documents."""

        def s(cfg: TrainConfig) -> TrainConfig:
            return replace(cfg, steps=max(2, int(cfg.steps * factor)), warmup=max(1, int(cfg.warmup * factor)))

        return replace(
            self, pretrain_docs=max(64, int(self.pretrain_docs * factor)),
            th_chats=max(64, int(self.th_chats * factor)), reasoner_chats=max(64, int(self.reasoner_chats * factor)),
            pretrain=s(self.pretrain), th=s(self.th), reasoner=s(self.reasoner),
        )


DEFAULT = Recipe()
