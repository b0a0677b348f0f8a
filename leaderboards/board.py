"""Boards: which numbers a leaderboard shows and how it ranks them. Plain data, one file each.

A `Board` names its columns (task, languages, scorer, how epochs reduce), their weights, the
aggregates (the paper's average: the mean of the columns in points, fractions as percentages
and 1-10 ratings such as MT-Bench x10; and a chance-centred mean, each column rescaled so that
chance is 0 and a perfect score 100), the aggregate it ranks by, and the split it ranks on
(`report` by default; `select` when choosing a merge ratio, so the reported numbers stay honest).
A board never imports a model; `rank.py` turns run directories into a leaderboard.

Adding a board is one file in leaderboards/ that calls `register_board(Board(...))`, or
registers a function `(tasks_seen) -> Board` for boards whose columns follow the tasks that
exist (th_en_reasoning).

Example:
    Column("mgsm_th", "MGSM TH", tasks=("mgsm",), langs=("th",))   # the task's headline scorer
    Column("lang", "Lang", tasks=("language_accuracy",), langs=("th",), scorer="answer_lang_ok",
           group="language")

Quirks: a column with `tasks=("*",)` pools every task of the runs (e.g. the Thai-answer rate
over all Thai samples); its samples are still paired per task and item. A column whose headline
metric cannot be recomputed per sample (anything but a mean or pass@k) uses the results.json
value and its standard error (normal interval), and says so in `ci_method`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from thaibench.registry import Registry

ANY_TASK = "*"


@dataclass(frozen=True)
class Column:
    """One number per candidate. `scorer=None` is the task's headline scorer (results.json); a
    tuple names alternatives, the first one a run has is used (a rule known by two names)."""

    key: str
    label: str
    tasks: tuple[str, ...]
    langs: tuple[str, ...] | None = None
    scorer: str | tuple[str, ...] | None = None
    # How a sample's epochs reduce: "mean" or "pass@k"; None follows the headline metric.
    reducer: str | None = None
    # "reasoning", "language" or "chat": aggregates and plots pick columns by group.
    group: str = "reasoning"
    weight: float = 1.0
    in_average: bool = True
    # Points in the average per unit of the metric: None = 100 for fractions, 10 for 1-10 ratings.
    average_scale: float | None = None
    # Chance level and best value in the metric's own units (chance-centred mean).
    chance: float | None = None
    top: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "tasks": list(self.tasks),
                "langs": list(self.langs) if self.langs else None,
                "scorer": list(self.scorer) if isinstance(self.scorer, tuple) else self.scorer,
                "reducer": self.reducer, "group": self.group, "weight": self.weight,
                "in_average": self.in_average, "average_scale": self.average_scale,
                "chance": self.chance, "top": self.top, "note": self.note}


@dataclass(frozen=True)
class Aggregate:
    """A combination of columns. rule: "mean" (the paper's average, in points),
    "chance_centred" (each column (v - chance) / (top - chance) x 100, then the weighted mean),
    or "difference" (operands[0] - operands[1], two other aggregates)."""

    name: str
    label: str
    rule: str = "mean"
    # Columns by group (None = every column with in_average) or explicit keys.
    groups: tuple[str, ...] | None = None
    keys: tuple[str, ...] | None = None
    operands: tuple[str, str] | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "rule": self.rule,
                "groups": list(self.groups) if self.groups else None,
                "keys": list(self.keys) if self.keys else None,
                "operands": list(self.operands) if self.operands else None, "note": self.note}

    def picks(self, col: Column) -> bool:
        if self.keys is not None:
            return col.key in self.keys
        if not col.in_average:
            return False
        return self.groups is None or col.group in self.groups


@dataclass(frozen=True)
class Board:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    aggregates: tuple[Aggregate, ...]
    rank_by: str = "average"
    split: str = "report"
    # The site's trade-off plot: y = this aggregate, x = this column (Thai language accuracy).
    score_axis: str = "average"
    lang_axis: str | None = None
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def aggregate(self, name: str) -> Aggregate:
        for a in self.aggregates:
            if a.name == name:
                return a
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "description": self.description,
                "split": self.split, "rank_by": self.rank_by, "score_axis": self.score_axis,
                "lang_axis": self.lang_axis, "notes": list(self.notes),
                "columns": [c.to_dict() for c in self.columns],
                "aggregates": [a.to_dict() for a in self.aggregates]}


# factory(tasks_seen) -> Board, where tasks_seen maps each task in the runs to its languages.
BoardFactory = Callable[[Mapping[str, Sequence[str]]], Board]
BOARDS: Registry[BoardFactory] = Registry("board", ("thaibench.leaderboards",))
DEFAULT_BOARD = "th_en_reasoning"


def register_board(name: str) -> Callable[[BoardFactory], BoardFactory]:
    """Register `factory(tasks_seen) -> Board` under `name`."""

    def wrap(factory: BoardFactory) -> BoardFactory:
        return BOARDS.register(name, factory)

    return wrap


def get_board(name: str, tasks_seen: Mapping[str, Sequence[str]] | None = None) -> Board:
    return BOARDS.get(name)(dict(tasks_seen or {}))


STANDARD_AGGREGATES = (
    Aggregate("average", "Average", "mean",
              note="mean of the columns in points (fractions as %, 1-10 ratings x10), over the "
                   "columns every ranked candidate has"),
    Aggregate("chance_centred", "Chance-centred", "chance_centred",
              note="each column rescaled so chance = 0 and a perfect score = 100, then averaged"),
)
