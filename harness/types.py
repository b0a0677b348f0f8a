"""The small nouns every stage shares: Sample, Request, Generation, Score, MetricValue.

They are plain data (frozen where identity matters) so that they serialise to the run
directory's JSON lines without custom code and can be rebuilt from them (re-scoring without
generating reads Generation objects back from generations.jsonl).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class Sample:
    """One benchmark item in one language.

    `metadata["pair_id"]` links the Thai and English versions of the same item; when the data
    has no pairing the sample id is its own pair id. `target` is whatever the task's scorers
    need (a gold answer string, a list of tests, IFEval kwargs, ...).
    """

    id: str
    lang: str
    input: str | Messages
    target: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def pair_id(self) -> str:
        return str(self.metadata.get("pair_id", self.id))


@dataclass(frozen=True)
class GenerationConfig:
    """Every setting that changes what a backend produces; part of the run id."""

    max_tokens: int = 1024
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int | None = None
    stop: tuple[str, ...] = ()
    seed: int = 1234
    system_prompt: str | None = None
    chat_template_kwargs: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["stop"] = list(self.stop)
        d["chat_template_kwargs"] = dict(self.chat_template_kwargs)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GenerationConfig:
        d = dict(d)
        d["stop"] = tuple(d.get("stop") or ())
        d["chat_template_kwargs"] = tuple(sorted((d.get("chat_template_kwargs") or {}).items()))
        return cls(**d)


@dataclass(frozen=True)
class Request:
    """What a backend is asked to complete: a chat (messages) plus settings and a seed."""

    messages: Messages
    config: GenerationConfig
    seed: int
    key: str = ""  # (sample id, epoch) or any caller key; backends echo it, never interpret it


@dataclass
class Generation:
    """A backend's answer, with the reasoning trace kept apart from the final answer.

    `text` is the raw completion; `reasoning` is what was inside <think>...</think> (or before
    the first </think> when the template opened the tag); `answer` is what follows the trace.
    `think_closed` is None when there was no trace at all, False when a trace never closed (then
    `answer` is empty: no answer is fished out of an unfinished trace). `error` is set when the
    backend failed; such a generation is never scored as a wrong answer.
    """

    text: str
    reasoning: str | None = None
    answer: str = ""
    finish_reason: str | None = None
    think_closed: bool | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Generation:
        keys = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in d.items() if k in keys})


@dataclass(frozen=True)
class Score:
    """One scorer's verdict on one generation. `value` NaN means unscorable (never a silent 0)."""

    value: float
    answer: str | None = None
    explanation: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def scorable(self) -> bool:
        return not math.isnan(self.value)


@dataclass(frozen=True)
class MetricValue:
    """An aggregate: `group` is the language (or "all", "th-en" for the gap)."""

    name: str
    group: str
    value: float
    stderr: float | None
    n: int
    # "fraction" (shown as %, gated in percentage points), "score" (e.g. MT-Bench 1-10) or "rate".
    unit: str = "fraction"
    # Samples whose score was NaN (unscorable); they are excluded from `n`, never counted as 0.
    n_nan: int = 0
    # A slice of the group, e.g. an MT-Bench category; None for the whole group.
    slice: str | None = None
