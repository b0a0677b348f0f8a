"""MATH-500: 500 competition problems (Hendrycks et al. MATH; the PRM800K test split), EN + TH.

Sources: English `HuggingFaceH4/MATH-500` (MIT, openai/prm800k); Thai `iapp/math-500-th`
(translation; licence not stated upstream). Local mirrors: `math500/test.jsonl`,
`math500_th/math500_th.jsonl`. Items are paired by `unique_id` (e.g. `test/precalculus/807.json`).

Quirks: the Thai file escapes `<`, `>` and `&` as HTML entities (`&gt;` ...) in dozens of
problems; they are unescaped on load. Golds are LaTeX strings (`\\left( 3, \\frac{\\pi}{2} \\right)`),
compared by `math_equiv`.

Example: {"problem": "Convert the point $(0,3)$ ...", "answer": "\\left( 3, \\frac{\\pi}{2} \\right)"}
"""

from __future__ import annotations

import html
from typing import Any

from thaibench.data import DataSource
from thaibench.task import MalformedRow, Task, register_task
from thaibench.tasks._math_common import MATH_GENERATION, MATH_HEADLINE, MATH_SCORERS, math_prompt
from thaibench.types import Sample


def _load(lang: str, row: dict[str, Any], index: int) -> Sample:
    problem, answer, uid = row.get("problem"), row.get("answer"), row.get("unique_id")
    if not isinstance(problem, str) or not problem.strip() or answer in (None, "") or not uid:
        raise MalformedRow("missing problem, answer or unique_id")
    if lang == "th":
        problem = html.unescape(problem)
    return Sample(id=f"{lang}/{uid}", lang=lang, input=problem, target=str(answer),
                  metadata={"pair_id": uid, "subject": row.get("subject"), "level": row.get("level")})


MATH500 = register_task(Task(
    name="math500",
    version="1",
    description="MATH-500 competition math, final answer in \\boxed{} (EN + TH)",
    sources={
        "th": DataSource(hub_id="iapp/math-500-th", local="math500_th/math500_th.jsonl"),
        "en": DataSource(hub_id="HuggingFaceH4/MATH-500", local="math500/test.jsonl"),
    },
    load=_load,
    prompt=math_prompt,
    scorers=MATH_SCORERS,
    generation=MATH_GENERATION,
    suites=("math", "typhoon_r1"),
    headline=MATH_HEADLINE,
    quirks="Thai problems carry HTML entities (&gt; &lt; &amp;), unescaped on load.",
))
