"""Backends turn Requests into Generations. One file per backend, registered by name.

A backend is constructed cheaply (no model load) so that the run id and the cache can be
computed without touching the GPU: `identity()` says everything about the backend that changes
outputs, `candidate()` identifies the model it serves. The model is loaded on the first
`generate` call, so a fully cached run never loads it. Heavy imports live inside methods.

`loglikelihood` is part of the interface for multiple-choice tasks; backends that cannot
compute it raise NotImplementedError with a clear message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from thaibench.registry import Registry
from thaibench.types import Generation, Request


@dataclass(frozen=True)
class BackendOptions:
    """Settings shared by backends; backend-specific ones go in `extra`."""

    dtype: str = "auto"
    device: str | None = None
    device_map: str | None = None
    batch_size: int = 16
    model_args: dict[str, Any] = field(default_factory=dict)
    revision: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


ProgressFn = Callable[[int], None]


class Backend:
    """Base class: subclasses implement `identity`, `candidate`, `generate`."""

    name = "base"

    def __init__(self, model: str, options: BackendOptions) -> None:
        self.model = model
        self.options = options

    def identity(self) -> dict[str, Any]:
        """Backend settings that change outputs (part of the run id)."""
        raise NotImplementedError

    def candidate(self) -> dict[str, Any]:
        """{"id", "kind", "name", ...; "cacheable": bool}: who is being scored."""
        raise NotImplementedError

    def info(self) -> dict[str, Any]:
        """What the run record keeps about the backend (may include what a server reports)."""
        return self.identity()

    def opens_think_in_prompt(self, messages: Any, config: Any) -> bool:
        """True when the chat template itself opens `<think>` in the generation prompt."""
        return False

    def generate(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Generation]:
        raise NotImplementedError

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        raise NotImplementedError(f"backend {self.name!r} does not compute log-likelihoods")

    def close(self) -> None:
        pass


BACKENDS: Registry[type[Backend]] = Registry("backend", ("thaibench.backends",))


def backend(name: str) -> Callable[[type[Backend]], type[Backend]]:
    def wrap(cls: type[Backend]) -> type[Backend]:
        cls.name = name
        return BACKENDS.register(name, cls)

    return wrap


def make_backend(name: str, model: str, options: BackendOptions | None = None) -> Backend:
    return BACKENDS.get(name)(model, options or BackendOptions())
