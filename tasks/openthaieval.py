"""OpenThaiEval: Thai exam questions plus Thai XNLI, XCOPA and Belebele, multiple choice.

Source: `iapp/openthaieval` (test split; built from the OpenThaiGPT exam set; licence not stated,
component licences apply: national exams (c) NIETS and others, XNLI CC BY-NC 4.0, XCOPA CC BY
4.0, Belebele CC BY-SA 4.0). Local mirror `openthaieval/openthaieval.jsonl`: 1232 rows
extracted from an EvalScope review log (iapp-technology/chinda-eval), fields `index`,
`question_id`, `exam_type` (17 kinds), `year`, `instruction`, `choices` ("(1) ... (2) ..."),
`answer` ("(2)"), `explanation`, `isAnswerable`, `isMultipleChoice`.

Two tasks, as for ThaiExam (see tasks/thai_exam.py): `openthaieval` (generated letter, scorer
`choice_letter`) and `openthaieval_mc` (log-likelihood of " A" ... " E", scorer `mc_acc`). Both
report the whole set and one slice per part: `exam` (O-NET M3/M6, A-Level, TGAT, TPAT-1,
investment consultant: 618 usable rows), `xnli` (200), `xcopa` (200), `belebele` (200); the
`exam_type` is kept in metadata. Choices are relabelled A-E in prompts, the usual layout.

Example row: {"index": 1, "exam_type": "a_level", "instruction": "กำหนดให้ $A$ และ $B$ เป็นเซต
...", "choices": "(1)  $80$ ตัว\\n(2)  $92$ ตัว\\n...", "answer": "(2)"}

Quirks of the extracted file, handled here:
- XNLI/XCOPA/Belebele and some O-NET rows carry literal "\\n" (backslash, n) instead of line
  breaks; in a field with no real line break these become line breaks.
- choice markers: a list may start with a broken marker ("\\1) 3.05 ...", "1 helpless\\n(2)
  ..."), carry "2." or "2 ." for "(2)" at a line start, be preceded by the end of the question
  ("ข้อใดถูกต้อง\\n(1) ...", which moves back to the question) or sit on one line ("(1) 2.94%
  (2) 5.71%"). Markers count only in order and after a space or line start, so "lying to m(5)"
  (an upstream "e." turned into "(5)") stays text.
- skipped (14, counted by the loader): 9 open-answer maths rows (`isMultipleChoice` false,
  numeric answers: 900-903, 1062-1066), rows 913, 954 and 955 with no choices (913 and 955 also
  answer "nan"), and A-Level rows 28 and 38 whose tables were flattened into a repeating list.
- 42 of the kept rows are marked `isAnswerable: false` (a figure is missing); they are kept,
  as upstream scores them, and flagged in metadata (`answerable`).
"""

from __future__ import annotations

import re
from typing import Any

from thaibench.data import DataSource
from thaibench.task import MalformedRow
from thaibench.tasks.thai_exam import choice_tasks
from thaibench.types import Sample

PARTS = {"xnli_th": "xnli", "xcopa_th": "xcopa", "facebook_belebele_th": "belebele"}
_MARKER_RE = re.compile(r"(?:^|(?<=\s))\((\d)\)")
_LOOSE_MARKER_RE = re.compile(r"^[ \t]*\\?\(?(\d)[ \t]*(?:[.)]|[ \t])", re.MULTILINE)


def unescape_newlines(text: str) -> str:
    """Literal backslash-n to a line break, only in text that has no real line break (the
    extraction escaped those rows whole; LaTeX such as \\neq lives in rows with real breaks)."""
    return text.replace("\\n", "\n") if "\n" not in text and "\\n" in text else text


def split_choices(text: str) -> tuple[str, list[str]]:
    """(text before the first marker, [choice texts]) from "(1) a\\n(2) b ...".

    Markers are "(k)" after a space or line start, taken in order 1, 2, 3 ...; a "(k)" inside a
    line gives way to one that starts a later line; a mangled marker at a line start ("2.",
    "2 .", "\\1)", "1 ") stands in for "(k)" only when no proper "(k)" follows."""
    strict = [(m.start(), m.end(), int(m.group(1))) for m in _MARKER_RE.finditer(text)]
    loose = [(m.start(), m.end(), int(m.group(1))) for m in _LOOSE_MARKER_RE.finditer(text)]
    marks: list[tuple[int, int, int]] = []
    for start, end, k in sorted(set(strict) | set(loose)):
        if marks and start < marks[-1][1]:
            continue
        if k == len(marks) + 1:
            later = [st for st, _, ks in strict if ks == k and st > start]
            if (start, end, k) in strict:
                # "(2)" inside a choice's text gives way to a "(2)" that starts a later line
                if _line_start(text, start) or not any(_line_start(text, st) for st in later):
                    marks.append((start, end, k))
            elif not later:
                marks.append((start, end, k))
        elif k == 1 and marks and (start, end, k) in strict and _line_start(text, start):
            raise MalformedRow("the choice list repeats (a flattened table)")
    if not marks:
        raise MalformedRow("no (1), (2) ... choice markers")
    choices = [text[end:(marks[i + 1][0] if i + 1 < len(marks) else len(text))].strip()
               for i, (_, end, _) in enumerate(marks)]
    return text[:marks[0][0]].strip(), choices


def _line_start(text: str, pos: int) -> bool:
    return pos == 0 or text[pos - 1] == "\n"


def _load(lang: str, row: dict[str, Any], index: int) -> Sample:
    if row.get("isMultipleChoice") is False:
        raise MalformedRow("open-answer question (not multiple choice)")
    question, raw, answer = row.get("instruction"), row.get("choices"), str(row.get("answer") or "")
    if not isinstance(question, str) or not question.strip():
        raise MalformedRow("missing instruction")
    if not isinstance(raw, str) or not raw.strip():
        raise MalformedRow("no choices")
    m = re.fullmatch(r"\s*\((\d)\)\s*", answer)
    if not m:
        raise MalformedRow(f"answer {answer!r} is not a choice marker")
    head, choices = split_choices(unescape_newlines(raw))
    gold = int(m.group(1)) - 1
    if len(choices) < 2 or gold >= len(choices):
        raise MalformedRow(f"answer {answer} but {len(choices)} choices")
    question = unescape_newlines(question).strip()
    if head:
        question = f"{question}\n{head}"
    i = row.get("index", index)
    exam_type = str(row.get("exam_type") or "")
    sid = f"{lang}/{int(i):04d}"
    meta = {"pair_id": sid, "exam_type": exam_type, "slice": PARTS.get(exam_type, "exam"),
            "question_id": row.get("question_id"), "year": row.get("year"),
            "answerable": row.get("isAnswerable", True) is not False}
    return Sample(id=sid, lang=lang, input=question, target={"choices": choices, "gold": gold}, metadata=meta)


QUIRKS = ("Rows with literal \\n are unescaped; broken first markers repaired; open-answer rows, "
          "'nan' answers and two flattened A-Level tables skipped; 42 rows need a missing figure.")

OPENTHAIEVAL, OPENTHAIEVAL_MC = choice_tasks(
    name="openthaieval", version="1",
    description="OpenThaiEval Thai exams + Thai XNLI, XCOPA, Belebele (TH)",
    sources={"th": DataSource(hub_id="iapp/openthaieval", local="openthaieval/openthaieval.jsonl")},
    load=_load, suites=(("thai_knowledge",), ("thai_knowledge_mc",)), quirks=QUIRKS, letter_metric="mean_by_slice")
