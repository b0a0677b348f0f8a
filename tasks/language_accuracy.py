"""Language accuracy: do answers to Thai prompts come back in Thai? (the recipe's "Lang" column)

Two prompt sets, each scored only by the language scorers that every generative task gets
(`answer_lang_ok`: the project's analyser; `lang_public_check`: the public rule behind the paper's
column, which passes empty answers, so the empty count is reported beside it):

- `language_accuracy`: Thai general instructions from WangchanThaiInstruct
  (`airesearch/WangchanThaiInstruct`; local mirror `code_switching_th_partial/code_switching_th_partial.jsonl`,
  a 168-row slice of the rows public Thai language-accuracy checks use). Licence: see its card.
- `thai_prompts`: 110 Thai prompts written for this project and shipped with it (everyday
  questions, knowledge, math, coding questions whose answers need code, requests naming English
  people, products and titles, reasoning puzzles), in `tasks/data/thai_prompts.jsonl`. The coding
  and English-name prompts are the hard cases: a good answer keeps code and names in Latin
  letters and still answers in Thai.

Example: {"id": "coding-01", "category": "coding", "prompt": "เขียนฟังก์ชัน Python ที่ตรวจสอบว่าสตริงเป็นพาลินโดรม..."}
"""

from __future__ import annotations

from typing import Any

from thaibench.data import DataSource
from thaibench.task import MalformedRow, Task, register_task
from thaibench.types import GenerationConfig, Messages, Sample

GENERATION = GenerationConfig(max_tokens=2048, temperature=0.0)
HEADLINE = ("answer_lang_ok", "mean")


def _prompt(sample: Sample) -> Messages:
    return [{"role": "user", "content": sample.input}]


def _load_wangchan(lang: str, row: dict[str, Any], index: int) -> Sample:
    instruction = row.get("instruction") or row.get("Instruction")
    context = row.get("input") or row.get("Input")
    if not isinstance(instruction, str) or not instruction.strip():
        raise MalformedRow("missing instruction")
    text = instruction.strip() + (f"\n\n{context.strip()}" if isinstance(context, str) and context.strip() else "")
    rid = row.get("index", index)
    return Sample(id=f"th/wangchan-{rid}", lang="th", input=text, target=None,
                  metadata={"pair_id": f"wangchan-{rid}", "domain": row.get("domain") or row.get("Domain")})


def _load_bundled(lang: str, row: dict[str, Any], index: int) -> Sample:
    if not row.get("prompt") or not row.get("id"):
        raise MalformedRow("missing id or prompt")
    return Sample(id=f"th/{row['id']}", lang="th", input=row["prompt"], target=None,
                  metadata={"pair_id": row["id"], "category": row.get("category")})


LANGUAGE_ACCURACY = register_task(Task(
    name="language_accuracy",
    version="1",
    description="answers to Thai instructions in Thai (WangchanThaiInstruct prompts)",
    sources={"th": DataSource(hub_id="airesearch/WangchanThaiInstruct", hub_split="train",
                              local="code_switching_th_partial/code_switching_th_partial.jsonl")},
    load=_load_wangchan,
    prompt=_prompt,
    scorers=(),
    generation=GENERATION,
    suites=("lang", "typhoon_r1"),
    headline=HEADLINE,
    quirks="The local mirror is a 168-row slice; the hub split is the full training set.",
))

THAI_PROMPTS = register_task(Task(
    name="thai_prompts",
    version="1",
    description="answers to 110 bundled Thai prompts (incl. code and English names) in Thai",
    sources={"th": DataSource(bundled="data/thai_prompts.jsonl")},
    load=_load_bundled,
    prompt=_prompt,
    scorers=(),
    generation=GENERATION,
    suites=("lang",),
    headline=HEADLINE,
))
