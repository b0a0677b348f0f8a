"""A self-contained task for pipeline tests: exact-match arithmetic in Thai and English.

It does not depend on the math scorer, so the pipeline's guarantees (resume, cache, identity)
are tested on their own. Imported by tests and by the subprocess the SIGKILL test starts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from thaibench.data import DataSource
from thaibench.scorers import SCORERS, scorer
from thaibench.task import TASKS, MalformedRow, Task, register_task
from thaibench.types import GenerationConfig, Sample, Score

N_PAIRS = 24


def write_data(root: Path, n: int = N_PAIRS, bad_rows: int = 0) -> Path:
    d = root / "pipe"
    d.mkdir(parents=True, exist_ok=True)
    for lang, word in (("th", "เท่ากับเท่าไร"), ("en", "equals what")):
        with (d / f"{lang}.jsonl").open("w", encoding="utf-8") as f:
            for i in range(n):
                f.write(json.dumps({"id": i, "q": f"{i} + {i + 1} {word}?", "a": str(2 * i + 1)},
                                   ensure_ascii=False) + "\n")
            for j in range(bad_rows):
                f.write(json.dumps({"id": n + j}) + "\n")
            if bad_rows:
                f.write("{not json\n")
    return root


def _load(lang: str, row: dict, index: int) -> Sample:
    if "q" not in row or "a" not in row:
        raise MalformedRow("missing q or a")
    return Sample(id=f"{lang}-{row['id']}", lang=lang, input=row["q"], target=row["a"],
                  metadata={"pair_id": f"p{row['id']}"})


if "test_exact" not in SCORERS:
    @scorer("test_exact")
    def test_exact():
        def score(sample, gen):
            if gen.error:
                return Score(float("nan"), explanation=gen.error)
            return Score(float(gen.answer.strip() == sample.target), gen.answer)
        return score

if "pipe_test" not in TASKS:
    register_task(Task(
        name="pipe_test", version="1", description="pipeline test task",
        sources={"th": DataSource(local="pipe/th.jsonl"), "en": DataSource(local="pipe/en.jsonl")},
        load=_load, prompt=lambda s: [{"role": "user", "content": s.input}],
        scorers=(("test_exact", {}),), generation=GenerationConfig(max_tokens=12),
        language_scorers=False,
    ))

if __name__ == "__main__":
    from thaibench.cli import main

    sys.exit(main(sys.argv[1:]))


# A scripted backend: answers "<think>TRACE-n</think>ANSWER-n" and remembers every prompt it saw.
from thaibench.backends import BACKENDS, Backend, backend  # noqa: E402
from thaibench.types import Generation  # noqa: E402

SEEN_PROMPTS: list = []

if "scripted" not in BACKENDS:
    @backend("scripted")
    class ScriptedBackend(Backend):
        batch_size = 3

        def identity(self):
            return {"name": "scripted"}

        def candidate(self):
            return {"id": "scripted-" + self.model, "kind": "test", "name": self.model, "cacheable": True}

        def generate(self, requests, progress=None):
            out = []
            for r in requests:
                SEEN_PROMPTS.append(r.messages)
                n = sum(m["role"] == "user" for m in r.messages)
                first = next(m["content"] for m in r.messages if m["role"] == "user")
                out.append(Generation(text=f"<think>TRACE-{n}</think>ANSWER-{n} L={len(first)}",
                                      finish_reason="stop"))
            return out

if "pipe_multi" not in TASKS:
    register_task(Task(
        name="pipe_multi", version="1", description="two-turn pipeline test task",
        sources={"th": DataSource(local="pipe/th.jsonl"), "en": DataSource(local="pipe/en.jsonl")},
        load=_load,
        prompt=lambda s: [{"role": "user", "content": s.input}, {"role": "user", "content": "และต่อไป?"}],
        scorers=(("test_exact", {}),), generation=GenerationConfig(max_tokens=12),
        language_scorers=False, multi_turn=True,
    ))


JUDGE_CALLS: list = []


def expected_rating(question_1: str, turn: int) -> float | None:
    """The scripted judge's rule, for tests that compute aggregates by hand."""
    if len(question_1) % 9 == 0:
        return None
    return float((len(question_1) + turn) % 10 + 1)


if "scripted_judge" not in BACKENDS:
    import re as _re

    @backend("scripted_judge")
    class ScriptedJudge(Backend):
        """Rates from the L=<len> marker the scripted model writes; model "down" always fails."""

        batch_size = 5

        def identity(self):
            return {"name": "scripted_judge"}

        def candidate(self):
            return {"id": "judge-" + self.model, "kind": "test", "name": self.model, "cacheable": True}

        def generate(self, requests, progress=None):
            out = []
            for r in requests:
                JUDGE_CALLS.append(r.messages)
                if self.model == "down":
                    out.append(Generation(text="", error="connection refused"))
                    continue
                system, user = r.messages[0]["content"], r.messages[1]["content"]
                length = int(_re.search(r"L=(\d+)", user).group(1))
                turn = 2 if "second" in system else 1
                rating = None if length % 9 == 0 else (length + turn) % 10 + 1
                text = "I cannot decide." if rating is None else f"<think>maybe [[10]]</think>Rating: [[{rating}]]"
                out.append(Generation(text=text, finish_reason="stop"))
            return out
