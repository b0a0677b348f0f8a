"""The registry of IFEval instruction ids, their argument checks and the checking context.

Each checker is a pure function `(response, args, ctx) -> bool` registered under its IFEval
instruction id with the keyword arguments it needs. `ctx` says which rules apply: the row's
language ("en" rules reproduce the reference; "th" rules count Thai words, sentences and
keywords) and the variant ("reference" by default; "corrected" fixes documented reference bugs).

Arguments are validated up front: the reference silently draws a random threshold when an
argument is missing, null, zero or out of range, which makes a verdict irreproducible; here such
a row raises `InstructionArgsError`, which the scorer reports as unscorable (NaN).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

RELATIONS = ("less than", "at least")
VARIANTS = ("reference", "corrected")
LANGS = ("en", "th")


class InstructionArgsError(ValueError):
    """A row's instruction id or keyword arguments cannot be checked (a data problem)."""


@dataclass(frozen=True)
class Context:
    """Which rules a check uses: the row's language and the rule variant."""

    lang: str = "en"
    variant: str = "reference"

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise InstructionArgsError(f"IFEval rules exist for {', '.join(LANGS)}, not {self.lang!r}")
        if self.variant not in VARIANTS:
            raise InstructionArgsError(f"unknown IFEval variant {self.variant!r}; use one of {', '.join(VARIANTS)}")

    @property
    def thai(self) -> bool:
        return self.lang == "th"

    @property
    def corrected(self) -> bool:
        return self.variant == "corrected"


Args = Mapping[str, Any]
CheckFn = Callable[[str, Args, Context], bool]


@dataclass(frozen=True)
class Instruction:
    id: str
    check: CheckFn
    required: tuple[str, ...]


INSTRUCTIONS: dict[str, Instruction] = {}


def instruction(iid: str, *required: str) -> Callable[[CheckFn], CheckFn]:
    """Register a checker for instruction id `iid` that needs keyword arguments `required`."""

    def wrap(fn: CheckFn) -> CheckFn:
        if iid in INSTRUCTIONS:
            raise ValueError(f"IFEval instruction {iid!r} is registered twice")
        INSTRUCTIONS[iid] = Instruction(iid, fn, required)
        return fn

    return wrap


def prepare_args(iid: str, kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Drop null kwargs (hub rows pad every dict with every key) and check what is left."""
    if iid not in INSTRUCTIONS:
        raise InstructionArgsError(f"unknown IFEval instruction id {iid!r}")
    spec = INSTRUCTIONS[iid]
    args = {k: v for k, v in (kwargs or {}).items() if v is not None}
    missing = [k for k in spec.required if k not in args]
    extra = [k for k in args if k not in spec.required]
    if missing or extra:
        raise InstructionArgsError(f"{iid}: missing kwargs {missing}, unexpected kwargs {extra}")
    return args


def integer(args: Args, key: str, minimum: int = 0) -> int:
    value = args[key]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InstructionArgsError(f"{key} must be an integer >= {minimum}, got {value!r}")
    return value


def text_arg(args: Args, key: str) -> str:
    value = args[key]
    if not isinstance(value, str) or not value.strip():
        raise InstructionArgsError(f"{key} must be a non-empty string, got {value!r}")
    return value


def words_arg(args: Args, key: str) -> list[str]:
    value = args[key]
    if isinstance(value, str) or not value or not all(isinstance(w, str) and w for w in value):
        raise InstructionArgsError(f"{key} must be a non-empty list of strings, got {value!r}")
    return list(value)


def relation(args: Args, key: str) -> str:
    value = args[key]
    if value not in RELATIONS:
        raise InstructionArgsError(f"{key} must be one of {RELATIONS}, got {value!r}")
    return value


def compare(count: int, threshold: int, rel: str) -> bool:
    """'less than': count < threshold; 'at least': count >= threshold (as in the paper)."""
    return count < threshold if rel == "less than" else count >= threshold
