"""Task: one benchmark with its language variants, and the registry of tasks and suites.

A task file in tasks/ builds a `Task` and registers it with `register_task`; `TASKS` imports the
modules of `thaibench.tasks` on first lookup (no central list). Building a Task is cheap: data
is read only when `samples()` is called, and scorers are named, not imported, so
`thaibench tasks` lists everything in well under a second.

Naming: `math500` runs every language it has; `math500:th` one language. A suite is a named
group of tasks (`--suite math`). Every task has a deterministic `select` / `report` split keyed
on `pair_id`: both languages of an item fall on the same side, so merge ratios are chosen on
`select` and reported on `report`.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thaibench.canonical import canonical_json, sha256_text
from thaibench.data import DataSource, load_rows
from thaibench.errors import UserError
from thaibench.registry import Registry
from thaibench.types import GenerationConfig, Messages, Sample

SPLITS = ("all", "select", "report")
SELECT_SHARE = 0.5


class MalformedRow(ValueError):
    """Raised by a task's row loader for a row it cannot use; the row is skipped and counted."""


def split_of(task_name: str, pair_id: str) -> str:
    """`select` or `report`, from a hash of (task, pair_id): stable across runs and machines."""
    h = int(hashlib.sha256(f"{task_name}\0{pair_id}".encode()).hexdigest()[:8], 16)
    return "select" if h / 0xFFFFFFFF < SELECT_SHARE else "report"


ScorerRef = tuple[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Task:
    """A benchmark. `load(lang, row, index)` turns one data row into a Sample (or raises
    MalformedRow); `prompt(sample)` gives the chat messages."""

    name: str
    version: str
    description: str
    sources: Mapping[str, DataSource]
    load: Callable[[str, dict[str, Any], int], Sample]
    prompt: Callable[[Sample], Messages]
    scorers: tuple[ScorerRef, ...]
    generation: GenerationConfig = GenerationConfig()
    suites: tuple[str, ...] = ()
    # Metric names per scorer (default "mean"); see thaibench.metrics.
    metrics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Expected language of the reasoning trace (the recipe wants English traces for Thai questions).
    reasoning_lang: str = "en"
    # Generative tasks get the language scorers added automatically.
    language_scorers: bool = True
    # What the leaderboard shows as this task's headline: (scorer, metric).
    headline: tuple[str, str] | None = None
    # Free-form notes on data quirks, shown by `thaibench tasks --verbose`.
    quirks: str = ""
    # Multi-turn tasks: prompt(sample) returns every user turn; answers are generated in turn.
    multi_turn: bool = False
    # Judged tasks: `judge_context(data_dir) -> (context, sha256)` loads judge prompts and
    # references; `judge_requests(sample, generation_line, context) -> [JudgeRequest]`.
    judge_context: Callable[[Any], tuple[Any, str]] | None = None
    judge_requests: Callable[[Sample, dict[str, Any], Any], list[Any]] | None = None
    # Pairwise mode: `pairwise_requests(sample, generation_line, baseline_line, context)`.
    pairwise_requests: Callable[[Sample, dict[str, Any], dict[str, Any], Any], list[Any]] | None = None
    # Extra run-record fields a task wants (e.g. the sandbox mechanism); called at run time.
    record_extras: Callable[[], dict[str, Any]] | None = None
    # "generate": the backend writes an answer. "multiple_choice": nothing is generated; the
    # backend scores each (context, continuation) pair of `continuations(sample)` by
    # log-likelihood, recorded in the generation line's `extra` (see thaibench.run).
    output_type: str = "generate"
    continuations: Callable[[Sample], list[tuple[str, str]]] | None = None
    # Files that nest items (a SQuAD file: articles > paragraphs > questions) are flattened to
    # one row per item before `load` sees them.
    flatten: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(self.sources)

    def samples(self, lang: str, data_dir: str | Path | None = None) -> LoadedSamples:
        """Load this language's samples; malformed rows are skipped and counted."""
        if lang not in self.sources:
            raise UserError(f"task {self.name!r} has no language {lang!r}; it has {', '.join(self.langs)}")
        key = (self.name, lang, str(data_dir or ""))
        cached = _SAMPLE_CACHE.get(key)
        if cached is not None:
            return cached
        rows, where = load_rows(self.sources[lang], data_dir)
        if self.flatten is not None:
            rows = self.flatten(rows)
        out, skipped = [], []
        for i, row in enumerate(rows):
            try:
                if "__malformed__" in row:
                    raise MalformedRow(row["__malformed__"])
                out.append(self.load(lang, row, i))
            except MalformedRow as exc:
                skipped.append(f"row {i}: {exc}")
        if not out:
            raise UserError(f"task {self.name}:{lang}: no usable rows in {where} ({len(skipped)} malformed)")
        ids = [s.id for s in out]
        if len(set(ids)) != len(ids):
            raise UserError(f"task {self.name}:{lang}: duplicate sample ids in {where}")
        if skipped:
            print(f"thaibench: {self.name}:{lang}: skipped {len(skipped)} malformed rows in {where} "
                  f"(first: {skipped[0]})", file=sys.stderr)
        loaded = LoadedSamples(out, where, skipped)
        _SAMPLE_CACHE[key] = loaded
        return loaded

    def scorer_objects(self, with_language: bool = True) -> list[Any]:
        from thaibench.scorers import get_scorer

        refs = list(self.scorers)
        if with_language and self.language_scorers:
            refs += default_language_scorers(self.reasoning_lang)
        return [get_scorer(name, **dict(kwargs)) for name, kwargs in refs]


@dataclass(frozen=True)
class LoadedSamples:
    samples: list[Sample]
    where: str
    skipped: list[str]

    def data_sha256(self) -> str:
        return sha256_text(canonical_json([[s.id, s.lang, s.input, s.target, s.metadata] for s in self.samples]))


_SAMPLE_CACHE: dict[tuple[str, str, str], LoadedSamples] = {}


def default_language_scorers(reasoning_lang: str) -> list[ScorerRef]:
    """The language-fidelity scorers every generative task gets (thaibench.scorers.lang)."""
    from thaibench.scorers import SCORERS

    names = [("answer_lang_ok", {}), ("reasoning_lang", {"expect": reasoning_lang}),
             ("code_switch_rate", {}), ("think_present", {}), ("think_closed", {}),
             ("lang_public_check", {})]
    return [(n, kw) for n, kw in names if n in SCORERS]


TASKS: Registry[Task] = Registry("task", ("thaibench.tasks",))

# Task providers build tasks that are not known at import time, named `prefix:rest`
# (`lm-eval:gsm8k`, `lm-eval:gsm8k:th`): `provider(rest) -> (task, langs)`. A provider module
# registers itself under its prefix and imports its heavy library only when called.
TaskProvider = Callable[[str], tuple[Task, tuple[str, ...]]]
TASK_PROVIDERS: Registry[TaskProvider] = Registry("task provider", ("thaibench.lmeval",))


def register_task(task: Task) -> Task:
    return TASKS.register(task.name, task)


def provided_task(spec: str) -> tuple[Task, tuple[str, ...]] | None:
    """(task, langs) for a `prefix:rest` name a provider knows, else None."""
    prefix, sep, rest = spec.partition(":")
    if not sep or prefix in TASKS or prefix not in TASK_PROVIDERS:
        return None
    return TASK_PROVIDERS.get(prefix)(rest)


def get_task(name: str) -> Task:
    if name not in TASKS and (found := provided_task(name)) is not None:
        return found[0]
    return TASKS.get(name)


def suites() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in TASKS.names():
        for s in TASKS.get(name).suites:
            out.setdefault(s, []).append(name)
    return out


@dataclass(frozen=True)
class TaskSelection:
    task: Task
    langs: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.task.name if self.langs == self.task.langs else f"{self.task.name}:{','.join(self.langs)}"


def resolve(tasks: Iterable[str] = (), suite: Iterable[str] = ()) -> list[TaskSelection]:
    """Parse `--tasks a,b:th` and `--suite s` into task selections, in the order given."""
    chosen: dict[str, list[str]] = {}
    known_suites = suites()
    for s in suite:
        if s not in known_suites:
            raise UserError(f"unknown suite {s!r}; known: {', '.join(sorted(known_suites)) or 'none'}")
        for name in known_suites[s]:
            chosen.setdefault(name, list(TASKS.get(name).langs))
    provided: dict[str, Task] = {}
    for spec in tasks:
        found = provided_task(spec)
        if found is not None:
            task, want_langs = found
            provided[task.name] = task
            have = chosen.setdefault(task.name, [])
            have.extend(lang for lang in want_langs if lang not in have)
            continue
        name, _, langs = spec.partition(":")
        if name not in TASKS and name in known_suites:
            for n in known_suites[name]:
                chosen.setdefault(n, list(TASKS.get(n).langs))
            continue
        if name not in TASKS:
            raise UserError(f"unknown task {name!r}; known tasks: {', '.join(TASKS.names())}; "
                            f"suites: {', '.join(sorted(known_suites))}")
        task = TASKS.get(name)
        want = [x for x in langs.split(",") if x] if langs else list(task.langs)
        for lang in want:
            if lang not in task.langs:
                raise UserError(f"task {name!r} has no language {lang!r}; it has {', '.join(task.langs)}")
        have = chosen.setdefault(name, [])
        have.extend(lang for lang in want if lang not in have)
    known = {n: provided.get(n) or TASKS.get(n) for n in chosen}
    return [TaskSelection(known[n], tuple(sorted(langs, key=known[n].langs.index)))
            for n, langs in chosen.items()]


def select_samples(task: Task, by_lang: Mapping[str, list[Sample]], split: str = "all",
                   limit: int | None = None) -> dict[str, list[Sample]]:
    """Apply the split and `--limit N`: the same first N pair_ids in every language."""
    if split not in SPLITS:
        raise UserError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    out = {}
    for lang, samples in by_lang.items():
        out[lang] = [s for s in samples if split == "all" or split_of(task.name, s.pair_id) == split]
    if limit is not None:
        order: list[str] = []
        seen: set[str] = set()
        for lang in task.langs:  # the task's first language fixes the pair order
            for s in out.get(lang, []):
                if s.pair_id not in seen:
                    seen.add(s.pair_id)
                    order.append(s.pair_id)
        keep = set(order[:limit])
        out = {lang: [s for s in samples if s.pair_id in keep] for lang, samples in out.items()}
    return out
