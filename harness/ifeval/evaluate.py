"""Strict and loose verdicts for one (prompt, response) pair, as the IFEval paper defines them.

Strict: each instruction's checker on the response as written (an empty or blank response
follows nothing). Loose: an instruction counts as followed if any of eight variants passes,
namely the response, with its first line removed, its last line removed, or both, each also with
every `*` removed; this forgives a lead-in like "Sure, here it is:" and markdown emphasis.
Prompt-level = all instructions followed; instruction-level = each one counted alone.

Example:
    evaluate(["punctuation:no_comma"], [{}], "Sure,\\nno commas here")
    -> Evaluation(strict=(False,), loose=(True,))  # dropping the first line removes the comma
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from thaibench.ifeval import checks_format, checks_text  # noqa: F401  (registers the checkers)
from thaibench.ifeval.registry import INSTRUCTIONS, Context, InstructionArgsError, prepare_args


def loose_variants(response: str) -> list[str]:
    """The eight responses loose scoring tries, in the reference's order."""
    lines = response.split("\n")
    first = "\n".join(lines[1:]).strip()
    last = "\n".join(lines[:-1]).strip()
    both = "\n".join(lines[1:-1]).strip()
    bare = [r.replace("*", "") for r in (response, first, last, both)]
    return [response, bare[0], first, last, both, bare[1], bare[2], bare[3]]


def check(instruction_id: str, response: str, kwargs: Mapping[str, Any] | None = None,
          lang: str = "en", variant: str = "reference") -> bool:
    """Strict verdict of one instruction on one response."""
    args = prepare_args(instruction_id, kwargs)
    ctx = Context(lang, variant)
    return bool(response.strip()) and INSTRUCTIONS[instruction_id].check(response, args, ctx)


@dataclass(frozen=True)
class Evaluation:
    instruction_ids: tuple[str, ...]
    strict: tuple[bool, ...]
    loose: tuple[bool, ...]

    @property
    def prompt_strict(self) -> bool:
        return all(self.strict)

    @property
    def prompt_loose(self) -> bool:
        return all(self.loose)

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt_strict": self.prompt_strict,
            "prompt_loose": self.prompt_loose,
            "instructions": [
                {"id": i, "strict": s, "loose": lo}
                for i, s, lo in zip(self.instruction_ids, self.strict, self.loose, strict=True)
            ],
        }


def evaluate(instruction_ids: Sequence[str], kwargs_list: Sequence[Mapping[str, Any] | None],
             response: str, lang: str = "en", variant: str = "reference") -> Evaluation:
    """Strict and loose verdicts of every instruction of a prompt on one response.

    Raises InstructionArgsError for an unknown id or unusable kwargs (a data problem)."""
    if len(instruction_ids) != len(kwargs_list):
        raise InstructionArgsError(
            f"{len(instruction_ids)} instruction ids but {len(kwargs_list)} kwargs dicts")
    ctx = Context(lang, variant)
    args_list = [prepare_args(i, kw) for i, kw in zip(instruction_ids, kwargs_list, strict=True)]
    prepared = [(INSTRUCTIONS[i].check, args) for i, args in zip(instruction_ids, args_list, strict=True)]
    others = [r for r in loose_variants(response)[1:] if r.strip()]
    strict, loose = [], []
    for fn, args in prepared:
        s = bool(response.strip()) and fn(response, args, ctx)
        strict.append(s)
        loose.append(s or any(fn(r, args, ctx) for r in others))
    return Evaluation(tuple(instruction_ids), tuple(strict), tuple(loose))
