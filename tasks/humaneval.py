"""HumanEval: 164 hand-written Python functions with unit tests (Chen et al. 2021,
arXiv:2107.03374), English.

Source: `openai/openai_humaneval` (MIT; openai/human-eval `data/HumanEval.jsonl.gz`), local mirror
`humaneval/HumanEval.jsonl`. Fields: `task_id` (HumanEval/0-163), `prompt` (signature and
docstring), `canonical_solution`, `test` (a `check(candidate)` function), `entry_point`.

Scoring (`humaneval_pass`): the program is taken from the answer's last complete ```python block;
an answer with only the body, or without the signature, is completed from the prompt (the
prompt's imports and helper functions always come first). The dataset's `check` runs unchanged
in a judge sandbox; each call of `candidate` crosses to the sandbox running the model's code as
plain data, so the program can neither see the expected values nor touch the assertions.

Quirks: some checks call helpers the prompt defines (`poly` in HumanEval/32, `encode_cyclic` in
/38, `encode_shift` in /50); the judge takes them from the prompt. HumanEval/33 calls the
function by its own name inside `check`; that name is the candidate too. HumanEval/38's test
draws unseeded random strings: it runs in the judge only, so the candidate cannot shift them.

Example: {"task_id": "HumanEval/2", "entry_point": "truncate_number", "prompt": "\\n\\ndef
truncate_number(number: float) -> float:\\n    \\"\\"\\" Given a positive floating point number ...",
"test": "...def check(candidate):\\n    assert candidate(3.5) == 0.5 ..."}
"""

from __future__ import annotations

from typing import Any

from thaibench.data import DataSource
from thaibench.scorers.code import sandbox_record
from thaibench.task import MalformedRow, Task, register_task
from thaibench.types import GenerationConfig, Messages, Sample

PROMPT_EN = ("Complete the following Python function. Reply with the complete function, including its "
             "signature and the imports it needs, in a single ```python code block.\n\n```python\n{prompt}```")


def _load(lang: str, row: dict[str, Any], index: int) -> Sample:
    tid, prompt, test, entry = (row.get(k) for k in ("task_id", "prompt", "test", "entry_point"))
    if not all(isinstance(x, str) and x.strip() for x in (tid, prompt, test, entry)):
        raise MalformedRow("missing task_id, prompt, test or entry_point")
    return Sample(id=f"{lang}/{tid}", lang=lang, input=prompt,
                  target={"prompt": prompt, "test": test, "entry_point": entry},
                  metadata={"pair_id": tid, "entry_point": entry})


def humaneval_prompt(sample: Sample) -> Messages:
    return [{"role": "user", "content": PROMPT_EN.format(prompt=sample.input)}]


HUMANEVAL = register_task(Task(
    name="humaneval",
    version="1",
    description="HumanEval Python functions, pass@1 with the dataset's own check (EN)",
    sources={"en": DataSource(hub_id="openai/openai_humaneval", local="humaneval/HumanEval.jsonl")},
    load=_load,
    prompt=humaneval_prompt,
    scorers=(("humaneval_pass", {}),),
    generation=GenerationConfig(max_tokens=4096, temperature=0.0),
    suites=("code",),
    metrics={"humaneval_pass": ("pass_at_k",)},
    headline=("humaneval_pass", "pass_at_k"),
    quirks="Checks use helpers from the prompt (HumanEval/32, /38, /50) and call the function by name (/33).",
    record_extras=sandbox_record,
))
