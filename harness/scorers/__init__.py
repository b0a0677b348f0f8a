"""Scorers: pure `(Sample, Generation) -> Score` callables, registered by name and version.

A scorer is built by a decorated factory; the factory's keyword arguments configure it (e.g.
the expected language). Scorers never raise on model output: an answer that cannot be judged
is NaN with an explanation. The same callable can serve as an SFT or RL reward.

    @scorer("exact_match", version="1")
    def exact_match():
        def score(sample, gen):
            return Score(float(gen.answer.strip() == sample.target))
        return score
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from thaibench.registry import Registry
from thaibench.types import Generation, Sample, Score

ScoreFn = Callable[[Sample, Generation], Score]


@dataclass(frozen=True)
class Scorer:
    """A named, versioned scoring function. The version is recorded in scores.jsonl so that a
    changed scorer re-scores old generations instead of mixing verdicts."""

    name: str
    version: str
    fn: ScoreFn
    # "lang" scorers describe language fidelity; tables group them apart from accuracy.
    kind: str = "accuracy"

    def __call__(self, sample: Sample, generation: Generation) -> Score:
        return self.fn(sample, generation)


@dataclass(frozen=True)
class _Factory:
    name: str
    version: str
    kind: str
    build: Callable[..., ScoreFn]

    def __call__(self, **kwargs: Any) -> Scorer:
        return Scorer(self.name, self.version, self.build(**kwargs), self.kind)


SCORERS: Registry[_Factory] = Registry("scorer", ("thaibench.scorers",))


def scorer(name: str, version: str = "1", kind: str = "accuracy") -> Callable[[Callable[..., ScoreFn]], _Factory]:
    """Register a scorer factory under `name`; calling the result builds a Scorer."""

    def wrap(build: Callable[..., ScoreFn]) -> _Factory:
        return SCORERS.register(name, _Factory(name, version, kind, build))

    return wrap


def get_scorer(name: str, **kwargs: Any) -> Scorer:
    return SCORERS.get(name)(**kwargs)
