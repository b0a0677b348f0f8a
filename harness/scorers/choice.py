"""Multiple-choice answers: the letter a response commits to, and accuracy by log-likelihood.

Used by the Thai knowledge tasks (ThaiExam, OpenThaiEval), in two forms:
- generated letters (`choice_letter`), for reasoning models: the letter is read from
  `Generation.answer` only (the text after the reasoning trace), so a letter the model tried
  and dropped while thinking never counts. A trace that never closed has no answer (0.0), a
  backend error is NaN.
- log-likelihood (`mc_acc`), for base models: the choice whose continuation (" A", " B", ...)
  is most likely after the question; read from the generation line's `extra["loglikelihoods"]`
  (see thaibench.run.choice_generations). Ties go to the first choice, as numpy's argmax does.

The sample's target is `{"choices": [text, ...], "gold": index}`; prompts label choices A-E.

Which letter counts (`extract_choice`), in order:
1. The last answer statement: "Answer: B", "The correct answer is (C)", "**คำตอบ:** ข",
   "คำตอบที่ถูกต้องคือ ข้อ ค", "ตอบ D". After "ข้อ" / "ตัวเลือก" / "option" / "choice" the
   option's number counts too ("ข้อ 2" -> B); after "คำตอบ:" a bare number does not (it may be
   a value). Thai letters ก ข ค ง จ stand for A-E (the Thai exam convention).
2. A response that is only a label: "B", "(B)", "**B.**", "\\boxed{B}", "ค".
3. A response that starts with a label and a separator: "B. 3 คำ", "(C) neutral".
4. A response that is exactly one choice's text (normalised): "entailment", "๓ คำ".
Nothing else: a letter standing alone in the middle of prose is not read ("A cat is..."), so a
response without a commitment scores 0 with the explanation "no choice found".

Example: extract_choice("<think>…</think> **คำตอบ: ค**", ["1", "2", "3"]) -> 2

Known quirks: a statement naming two letters ("B or C") counts its first; lowercase a-e count
only in a statement and before ")", "." or the end ("answer is a prime" is no letter).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from thaibench.metrics import clustered_mean, metric, per_sample
from thaibench.scorers import ScoreFn, scorer
from thaibench.text import normalize
from thaibench.types import Generation, MetricValue, Sample, Score

LABELS = "ABCDEFGHIJ"
THAI_LABELS = "กขคงจฉชซฌญ"
_THAI = "\u0e00-\u0e7f"

_STATEMENT_EN = (r"(?<![A-Za-z])(?:(?:the\s+)?(?:final\s+|correct\s+|best\s+)?answer(?:\s+is)?"
                 r"|(?:the\s+)?(?:correct\s+|best\s+)?(?:option|choice)(?:\s+is)?)")
_STATEMENT_TH = r"(?:คำตอบ(?:ที่ถูกต้อง(?:ที่สุด)?|สุดท้าย)?(?:\s*(?:คือ|ได้แก่))?|(?<!คำ)ตอบ|ข้อที่ถูก(?:ต้อง)?(?:\s*คือ)?)"
_OPTION_WORD = r"(?:ข้อ|ตัวเลือก(?:ที่)?|(?<![A-Za-z])(?:option|choice)(?:\s+number)?)"
_STATEMENT_RE = re.compile(
    rf"(?:{_STATEMENT_EN}|{_STATEMENT_TH})[ \t]*[:：]?[ \t]*(?:{_OPTION_WORD}[ \t]*)?(?=(?P<rest>[^\n]*))",
    re.IGNORECASE)
_OPTION_RE = re.compile(rf"{_OPTION_WORD}[ \t]*(?:ที่[ \t]*)?[:：]?[ \t]*(?=(?P<rest>[^\n]*))", re.IGNORECASE)
_MARKUP_RE = re.compile(r"\*\*|__|`|\\text\{([^{}]*)\}|\\(?:boxed|mathbf|textbf)\{([^{}]*)\}")


def _clean(text: str) -> str:
    text = normalize(text)
    for _ in range(3):  # nested markup: \boxed{\text{B}}
        text = _MARKUP_RE.sub(lambda m: m.group(1) or m.group(2) or "", text)
    return text.replace("$", "")


def _label_at(rest: str, n: int, numbers: bool) -> int | None:
    """The label that `rest` starts with (after an answer statement), as a choice index."""
    rest = rest.lstrip(" \t([{'\"")
    if not rest:
        return None
    c = rest[0]
    after = rest[1:2]
    upper = LABELS[:n]
    if c in upper and not re.match(r"[A-Za-z0-9]", after):
        return upper.index(c)
    if c in upper.lower() and (after in ("", ")", ".", "]", "}", ":") or after.isspace() and not rest[1:].strip()):
        return upper.lower().index(c)
    if c in THAI_LABELS[:n] and not re.match(f"[{_THAI}]", after):
        return THAI_LABELS.index(c)
    if numbers:
        m = re.match(r"(\d+)(?![\d.,])", rest)
        if m and 1 <= int(m.group(1)) <= n:
            return int(m.group(1)) - 1
    return None


def _norm_choice(text: str) -> str:
    return re.sub(r"[\s.。]+", " ", normalize(text)).strip().casefold()


def extract_choice(answer: str, choices: Sequence[str]) -> tuple[int | None, str]:
    """(choice index or None, which rule matched); see the module docstring for the rules."""
    n = len(choices)
    text = _clean(answer).strip()
    if not text:
        return None, "empty answer"
    found: list[tuple[int, int, str]] = []  # (position, index, rule)
    for m in _STATEMENT_RE.finditer(text):
        numbers = bool(re.search(_OPTION_WORD, m.group(0)[:m.start("rest") - m.start()], re.IGNORECASE))
        k = _label_at(m.group("rest"), n, numbers)
        if k is None:  # "คำตอบ: entailment": the statement names the choice by its text
            k = _choice_by_text(m.group("rest").strip(" \t*_.。"), choices)
        if k is not None:
            found.append((m.start(), k, "statement"))
    for m in _OPTION_RE.finditer(text):
        k = _label_at(m.group("rest"), n, True)
        if k is not None:
            found.append((m.start(), k, "statement"))
    if found:
        _, k, rule = max(found)
        return k, rule
    bare = text.strip(" \t\n*_#>.:;()[]{}'\"")
    if len(bare) == 1:
        k = _label_at(bare, n, False)
        if k is not None:
            return k, "label only"
    m = re.match(r"^[(\[]?\s*([A-Z]|[ก-ญ])\s*[).:\]]\s+\S", text)
    if m:
        k = _label_at(m.group(1), n, False)
        if k is not None:
            return k, "leading label"
    k = _choice_by_text(text, choices)
    if k is not None:
        return k, "choice text"
    return None, "no choice found"


def _choice_by_text(text: str, choices: Sequence[str]) -> int | None:
    target = _norm_choice(text)
    hits = [i for i, c in enumerate(choices) if c.strip() and _norm_choice(c) == target]
    return hits[0] if len(hits) == 1 else None


def _error(gen: Generation) -> Score | None:
    if gen.error:
        return Score(math.nan, explanation=f"backend error: {gen.error}")
    return None


@scorer("choice_letter", version="1")
def choice_letter() -> ScoreFn:
    """1.0 when the final answer names the gold choice; details carry the choice's slice."""

    def score(sample: Sample, gen: Generation) -> Score:
        if (err := _error(gen)) is not None:
            return err
        choices, gold = sample.target["choices"], sample.target["gold"]
        details: dict[str, Any] = {"gold": LABELS[gold], "slice": sample.metadata.get("slice")}
        if gen.think_closed is False:
            return Score(0.0, None, "unclosed reasoning trace, no answer", details)
        k, rule = extract_choice(gen.answer, choices)
        if k is None:
            return Score(0.0, None, rule, details)
        return Score(float(k == gold), LABELS[k], rule, details)

    return score


@scorer("mc_acc", version="1")
def mc_acc() -> ScoreFn:
    """1.0 when the gold continuation has the highest log-likelihood."""

    def score(sample: Sample, gen: Generation) -> Score:
        if (err := _error(gen)) is not None:
            return err
        lls = gen.extra.get("loglikelihoods")
        gold = sample.target["gold"]
        details: dict[str, Any] = {"gold": LABELS[gold], "slice": sample.metadata.get("slice")}
        if not lls:
            return Score(math.nan, None, "no log-likelihoods recorded (not a multiple-choice run)", details)
        best = max(range(len(lls)), key=lambda i: (lls[i], -i))
        details["loglikelihoods"] = lls
        return Score(float(best == gold), LABELS[best], None, details)

    return score


@metric("mean_by_slice")
def mean_by_slice(rows: Sequence[dict[str, Any]], scorer_name: str, group: str) -> list[MetricValue]:
    """The mean over all rows, then one mean per `details["slice"]` (e.g. an OpenThaiEval set)."""
    values, pairs, n_nan = per_sample(rows)
    m, se, n = clustered_mean(values, pairs)
    out = [MetricValue(scorer_name, group, m, se, n, "fraction", n_nan)]
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        s = (r.get("details") or {}).get("slice")
        if s:
            by[s].append(r)
    for s in sorted(by):
        v, p, nn = per_sample(by[s])
        sm, sse, sn = clustered_mean(v, p)
        out.append(MetricValue(scorer_name, group, sm, sse, sn, "fraction", nn, slice=s))
    return out
