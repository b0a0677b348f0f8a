"""ThaiExam: Thai national and professional exams, multiple choice (SCB 10X, used by HELM).

Source: `scb10x/thai_exam` (configs onet, ic, tgat, tpat1, a_level; split test), the set
Stanford HELM's `thai_exam` scenario downloads; local mirror `thai_exam/<exam>/<exam>_test.jsonl`
(from dtinth/thaiexamjs). Licence not stated; the questions belong to the exam bodies
(evaluation use only). 565 test questions: O-NET 162 (grade 12 national test: Thai, English,
maths, science, social studies), IC 95 (investment consultant licence), TGAT 65 (general
aptitude, part English), TPAT-1 116 (medical-school aptitude), A-Level 127.

Two tasks per exam, as HELM and the ThaiExam leaderboard report them per exam:
- `thai_exam_<exam>`: the model writes its reasoning and a letter ("คำตอบ: C"); the letter is
  read from the final answer only (scorer `choice_letter`), for reasoning models.
- `thai_exam_<exam>_mc`: no generation; the letters " A" ... " E" are scored by log-likelihood
  after the question (scorer `mc_acc`), for base models, like lm-eval's multiple-choice tasks.
Suites `thai_exam` and `thai_exam_mc` run all five (also in `thai_knowledge[_mc]`).

Fields: `question`, `a`...`e` (IC has `a`-`d`), `answer` (a letter), `subject`; O-NET adds
`year`, `no`. Example: {"question": "...ข้อความข้างต้นมีคำสันธานกี่คำ", "a": "๑ คํา", "b": "๓ คำ",
..., "answer": "b", "subject": "thai"}

Quirks: TGAT rows 22-64 and A-Level rows 120-123 have four choices and an empty `e` (trailing
empty choices are dropped); IC row 7 has empty `b` and `c` in the middle (kept, shown empty,
so the letters still match the gold). Questions citing a figure come without it.
"""

from __future__ import annotations

from typing import Any

from thaibench.data import DataSource
from thaibench.scorers.choice import LABELS
from thaibench.task import MalformedRow, Task, register_task
from thaibench.types import GenerationConfig, Messages, Sample

EXAMS = {
    "onet": "O-NET grade-12 national test",
    "ic": "investment consultant licence exam",
    "tgat": "TGAT general aptitude test",
    "tpat1": "TPAT-1 medical-school aptitude test",
    "a_level": "A-Level university entrance exam",
}

# The instruction for generated answers: reason freely, then commit to one letter on the last
# line, in the form the `choice_letter` scorer reads first.
LETTER_PROMPT_TH = (
    "ตอบคำถามปรนัยต่อไปนี้ โดยเลือกตัวเลือกที่ถูกต้องที่สุดเพียงข้อเดียว "
    "แล้วเขียนบรรทัดสุดท้ายในรูปแบบ \"คำตอบ: X\" โดย X คือตัวอักษรของตัวเลือก ({letters})\n\n"
    "{question}\n\n{choices}"
)
# The log-likelihood context: the question, the labelled choices, then the answer cue; each
# continuation is " A", " B", ... (the MMLU layout, with the Thai cue).
MC_CONTEXT_TH = "{question}\n{choices}\nคำตอบ:"
LETTER_GENERATION = GenerationConfig(max_tokens=4096, temperature=0.0)


def labelled(choices: list[str]) -> str:
    return "\n".join(f"{LABELS[i]}. {c}".rstrip() for i, c in enumerate(choices))


def letter_prompt(sample: Sample) -> Messages:
    choices = sample.target["choices"]
    letters = ", ".join(LABELS[:len(choices)])
    return [{"role": "user", "content": LETTER_PROMPT_TH.format(
        letters=letters, question=sample.input, choices=labelled(choices))}]


def mc_context(sample: Sample) -> str:
    return MC_CONTEXT_TH.format(question=sample.input, choices=labelled(sample.target["choices"]))


def mc_prompt(sample: Sample) -> Messages:
    """What run records show as the prompt of a log-likelihood item (no chat template is used)."""
    return [{"role": "user", "content": mc_context(sample)}]


def mc_continuations(sample: Sample) -> list[tuple[str, str]]:
    ctx = mc_context(sample)
    return [(ctx, f" {LABELS[i]}") for i in range(len(sample.target["choices"]))]


def choice_tasks(name: str, version: str, description: str, sources: dict[str, DataSource], load: Any,
                 suites: tuple[tuple[str, ...], tuple[str, ...]], quirks: str, letter_metric: str = "mean") -> tuple[Task, Task]:
    """The two forms of one multiple-choice benchmark: generated letter and log-likelihood."""
    letter = Task(
        name=name, version=version, description=f"{description} (answer letter, generated)",
        sources=sources, load=load, prompt=letter_prompt, scorers=(("choice_letter", {}),),
        generation=LETTER_GENERATION, suites=suites[0],
        metrics={"choice_letter": (letter_metric,)}, headline=("choice_letter", letter_metric),
        quirks=quirks)
    mc = Task(
        name=f"{name}_mc", version=version, description=f"{description} (log-likelihood of A-E)",
        sources=sources, load=load, prompt=mc_prompt, scorers=(("mc_acc", {}),),
        suites=suites[1], metrics={"mc_acc": (letter_metric,)}, headline=("mc_acc", letter_metric),
        language_scorers=False, quirks=quirks, output_type="multiple_choice",
        continuations=mc_continuations)
    return register_task(letter), register_task(mc)


def _loader(exam: str) -> Any:
    def load(lang: str, row: dict[str, Any], index: int) -> Sample:
        question, answer = row.get("question"), str(row.get("answer") or "").strip().lower()
        if not isinstance(question, str) or not question.strip():
            raise MalformedRow("missing question")
        keys = [k for k in "abcdefghij" if k in row]
        choices = ["" if row[k] is None else str(row[k]).strip() for k in keys]
        while choices and not choices[-1]:
            choices.pop()  # a four-choice item in a five-column file
        if len(choices) < 2:
            raise MalformedRow("fewer than two choices")
        if len(answer) != 1 or answer not in "abcdefghij"[:len(choices)]:
            raise MalformedRow(f"answer {row.get('answer')!r} is not one of the choices")
        sid = f"{lang}/{exam}-{index:03d}"
        meta: dict[str, Any] = {"pair_id": sid, "exam": exam, "subject": row.get("subject")}
        if row.get("year") is not None:
            meta["year"] = row["year"]
        return Sample(id=sid, lang=lang, input=question.strip(),
                      target={"choices": choices, "gold": "abcdefghij".index(answer)}, metadata=meta)

    return load


QUIRKS = ("TGAT 22-64 and A-Level 120-123 have four choices (empty e dropped); IC row 7 has empty "
          "choices b and c, kept so letters match the gold; figures cited by questions are missing.")

for _exam, _what in EXAMS.items():
    choice_tasks(
        name=f"thai_exam_{_exam}", version="1", description=f"ThaiExam {_what} (TH)",
        sources={"th": DataSource(hub_id="scb10x/thai_exam", hub_config=_exam,
                                  local=f"thai_exam/{_exam}/{_exam}_test.jsonl")},
        load=_loader(_exam), suites=(("thai_exam", "thai_knowledge"), ("thai_exam_mc", "thai_knowledge_mc")),
        quirks=QUIRKS)
