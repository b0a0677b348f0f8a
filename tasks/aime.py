"""AIME 2024 (EN + TH) and AIME 2025 (EN): 30 integer-answer problems each (0-999).

Sources: AIME 2024 English `HuggingFaceH4/aime_2024` (local mirror `aime2024/test.jsonl`, the
Qwen2.5-Math copy with ids 60-89), Thai `iapp/aime_2024-th` (`aime2024_th/aime2024_th.jsonl`,
`problem_id` 1-30 in the same order); AIME 2025 `math-ai/aime25` (`aime2025/aime2025.jsonl`,
MathArena's I+II). Problems (c) MAA. Answers are compared as integers, so `025` equals `25`.

Quirk: problem 2025-I-2 contains a TikZ figure, kept verbatim.
Example: {"id": "2025-I-1", "problem": "Find the sum of all integer bases $b>9$ ...", "answer": "70"}
"""

from __future__ import annotations

from typing import Any

from thaibench.data import DataSource
from thaibench.task import MalformedRow, Task, register_task
from thaibench.tasks._math_common import AIME_GENERATION, MATH_HEADLINE, MATH_SCORERS, math_prompt
from thaibench.types import Sample


def _answer(row: dict[str, Any]) -> str:
    ans = str(row.get("answer", "")).strip()
    if not ans.lstrip("-").isdigit():
        raise MalformedRow(f"AIME answer is not an integer: {ans!r}")
    return str(int(ans))


def _load_2024(lang: str, row: dict[str, Any], index: int) -> Sample:
    problem = row.get("problem")
    if not isinstance(problem, str) or not problem.strip():
        raise MalformedRow("missing problem")
    if lang == "th":
        number = int(row.get("problem_id") or index + 1)
    else:
        rid = row.get("id")
        number = int(rid) - 59 if str(rid).isdigit() and 60 <= int(rid) <= 89 else index + 1
    pair = f"aime2024-{number:02d}"
    return Sample(id=f"{lang}/{pair}", lang=lang, input=problem, target=_answer(row),
                  metadata={"pair_id": pair})


def _load_2025(lang: str, row: dict[str, Any], index: int) -> Sample:
    problem = row.get("problem")
    if not isinstance(problem, str) or not problem.strip():
        raise MalformedRow("missing problem")
    rid = str(row.get("id") or f"2025-{index + 1}")
    return Sample(id=f"{lang}/{rid}", lang=lang, input=problem, target=_answer(row),
                  metadata={"pair_id": rid})


AIME2024 = register_task(Task(
    name="aime2024",
    version="1",
    description="AIME 2024, integer answers (EN + TH)",
    sources={
        "th": DataSource(hub_id="iapp/aime_2024-th", local="aime2024_th/aime2024_th.jsonl"),
        "en": DataSource(hub_id="HuggingFaceH4/aime_2024", hub_split="train", local="aime2024/test.jsonl"),
    },
    load=_load_2024,
    prompt=math_prompt,
    scorers=MATH_SCORERS,
    generation=AIME_GENERATION,
    suites=("math", "typhoon_r1"),
    headline=MATH_HEADLINE,
))

AIME2025 = register_task(Task(
    name="aime2025",
    version="1",
    description="AIME 2025 I+II, integer answers (EN)",
    sources={"en": DataSource(hub_id="math-ai/aime25", local="aime2025/aime2025.jsonl")},
    load=_load_2025,
    prompt=math_prompt,
    scorers=MATH_SCORERS,
    generation=AIME_GENERATION,
    suites=("math",),
    headline=MATH_HEADLINE,
    quirks="Problem 2025-I-2 contains a TikZ figure, kept verbatim.",
))
