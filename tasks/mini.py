"""The `mini` suite: held-out items of the miniature world, in Thai and English.

Source: written by this project's generator (`thaibench.mini.generator`, Apache-2.0), from its
`eval` bucket, which no miniature model is trained on; the files are
`tasks/data/mini_{multi,single,chat}.jsonl`, one row per pair with both languages
(regenerate with `python -m thaibench.mini.heldout tasks/data`).

- `mini_multi`: arithmetic and word problems with 2-3 operations. A tiny model gets them right
  only by writing the intermediate results (the reasoning parent's English <think> trace).
- `mini_single`: one operation; a direct answer can be right (the Thai parent is not at zero).
- `mini_chat`: short general instructions; scored for the answer's language only.
The math tasks use the real suites' `math_equiv`; every task gets the language scorers
(`answer_lang_ok`, `think_present`, ...). The miniature's headline trade-off is `mini_multi`'s
accuracy on Thai items against Thai answer-language accuracy over the whole suite.

Example: {"prompt_th": "จงคำนวณ 7 + 5 - 3", "prompt_en": "Calculate 7 + 5 - 3.", "target": "9",
          "steps": 2, "family": "arith", ...}

Quirks: prompts are the bare question with no instruction about the answer format; the
miniature models were trained that way (answers end in "Answer: N" / "คำตอบ: N").
"""

from __future__ import annotations

from typing import Any

from thaibench.data import DataSource
from thaibench.task import MalformedRow, Task, register_task
from thaibench.types import GenerationConfig, Messages, Sample

GENERATION = GenerationConfig(max_tokens=160, temperature=0.0)


def _prompt(sample: Sample) -> Messages:
    return [{"role": "user", "content": sample.input}]


def _load(lang: str, row: dict[str, Any], index: int) -> Sample:
    prompt, pair_id = row.get(f"prompt_{lang}"), row.get("pair_id")
    if not isinstance(prompt, str) or not prompt or not pair_id:
        raise MalformedRow(f"missing pair_id or prompt_{lang}")
    target = row.get("target") if row.get("kind") == "math" else None
    meta = {"pair_id": pair_id, "kind": row.get("kind"), "family": row.get("family"), "steps": row.get("steps"),
            "multi_step": (row.get("steps") or 0) >= 2, "reference": row.get(f"answer_{lang}")}
    return Sample(id=f"{lang}/{pair_id}", lang=lang, input=prompt, target=target, metadata=meta)


def _sources(name: str) -> dict[str, DataSource]:
    return {lang: DataSource(bundled=f"data/{name}.jsonl") for lang in ("th", "en")}


def _mini_task(name: str, description: str, scorers: tuple, headline: tuple[str, str], quirks: str) -> Task:
    return register_task(Task(name=name, version="1", description=f"miniature world: {description}",
                              sources=_sources(name), load=_load, prompt=_prompt, scorers=scorers,
                              generation=GENERATION, suites=("mini",), headline=headline, quirks=quirks))


MINI_MULTI = _mini_task(
    "mini_multi", "multi-step arithmetic and word problems (EN + TH, held out)", (("math_equiv", {}),),
    ("math_equiv", "mean"), "Synthetic; answers are integers 0-20 on a final 'Answer: N' / 'คำตอบ: N' line.")
MINI_SINGLE = _mini_task(
    "mini_single", "single-step arithmetic and word problems (EN + TH, held out)", (("math_equiv", {}),),
    ("math_equiv", "mean"), "Synthetic; answers are integers 0-20.")
MINI_CHAT = _mini_task(
    "mini_chat", "short general instructions, scored for answer language (EN + TH)", (),
    ("answer_lang_ok", "mean"), "All general items of the held-out bucket (the pool of general items is finite).")
