"""MGSM: 250 grade-school math word problems (GSM8K translated), Thai and English.

Source: `juletxara/mgsm` (configs `th`, `en`; CC-BY-4.0, google-research/url-nlp). Local
mirrors `mgsm/mgsm_th.tsv`, `mgsm/mgsm_en.tsv`: tab-separated, no header, no quoting (questions
contain `"`), columns question and numeric answer. Rows are aligned across languages, so the
row index is the pair id.

Example row: "Janet's ducks lay 16 eggs per day. ...\t18"
"""

from __future__ import annotations

from typing import Any

from thaibench.data import DataSource
from thaibench.task import MalformedRow, Task, register_task
from thaibench.tasks._math_common import MATH_GENERATION, MATH_HEADLINE, MATH_SCORERS, math_prompt
from thaibench.types import Sample


def _load(lang: str, row: dict[str, Any], index: int) -> Sample:
    question = row.get("question")
    answer = row.get("answer_number", row.get("answer"))
    if not isinstance(question, str) or not question.strip() or answer in (None, ""):
        raise MalformedRow("missing question or answer")
    text = str(answer).strip()
    try:
        float(text.replace(",", ""))
    except ValueError:
        raise MalformedRow(f"answer is not a number: {text!r}") from None
    pair = f"mgsm-{index:03d}"
    return Sample(id=f"{lang}/{pair}", lang=lang, input=question.strip(), target=text,
                  metadata={"pair_id": pair})


MGSM = register_task(Task(
    name="mgsm",
    version="1",
    description="MGSM grade-school math word problems (EN + TH)",
    sources={
        "th": DataSource(hub_id="juletxara/mgsm", hub_config="th", local="mgsm/mgsm_th.tsv",
                         columns=("question", "answer")),
        "en": DataSource(hub_id="juletxara/mgsm", hub_config="en", local="mgsm/mgsm_en.tsv",
                         columns=("question", "answer")),
    },
    load=_load,
    prompt=math_prompt,
    scorers=MATH_SCORERS,
    generation=MATH_GENERATION,
    suites=("math",),
    headline=MATH_HEADLINE,
))
