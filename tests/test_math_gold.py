"""Every math task scores its own gold answer as correct on every row of the real data, in the
renderings a model would write, and near misses as wrong.

Samples come from the tasks users run (`get_task(name).samples(lang)`), and the row counts are
checked against the files in ../shared/data so that no row is silently dropped. Renderings that
make no sense for a gold (thousands separators on `\\text{(C)}`, a unit after an interval) are
skipped and listed by `test_renderings_cover_every_gold`.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from thaibench.scorers._math_equal import THAI_WORDS, check_equal, parse_number
from thaibench.scorers.math import extract_answer, math_equiv
from thaibench.task import get_task
from thaibench.text import THAI_DIGITS
from thaibench.types import Generation

TASKS = [("math500", "en", "math500/test.jsonl"), ("math500", "th", "math500_th/math500_th.jsonl"),
         ("aime2024", "en", "aime2024/test.jsonl"), ("aime2024", "th", "aime2024_th/aime2024_th.jsonl"),
         ("aime2025", "en", "aime2025/aime2025.jsonl"), ("mgsm", "en", "mgsm/mgsm_en.tsv"),
         ("mgsm", "th", "mgsm/mgsm_th.tsv")]
MIN_RENDERINGS = 5


def thai(s: str) -> str:
    return "".join(THAI_DIGITS[int(c)] if c.isdigit() else c for c in s)


def raw_rows(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def kind(gold: str) -> str:
    if parse_number(gold.replace("\\dfrac", "\\frac").replace("\\$", "").replace(",\\!", "").replace(",", "")):
        return "number"
    if gold.startswith("\\text"):
        return "text"
    if re.search(r"[\[\]()\\{},]|\\cup|\\in|=|begin", gold):
        return "structure"  # tuples, intervals, sets, equations, matrices
    return "expression"


def grouped(n: int) -> str:
    return f"{n:,}"


def renderings(gold: str) -> dict[str, str]:
    """name -> final answer text as a reasoning model would write it."""
    k = kind(gold)
    decoy = "0" if gold.strip() not in ("0", "0.0") else "1"
    r = {
        "boxed": f"We simplify step by step.\n\nTherefore, the answer is $\\boxed{{{gold}}}$.",
        "decoy then boxed": f"Intermediate value: $\\boxed{{{decoy}}}$ (not final).\n\n**Answer:** $\\boxed{{{gold}}}$",
        "r1 display": f"**Final Answer**\n\\[\n\\boxed{{{gold}}}\n\\]",
        "thai digits": f"ดังนั้น\n\n**คำตอบ:** ${thai(gold)}$",
        "thai boxed": f"ดังนั้น คำตอบคือ $\\boxed{{{thai(gold)}}}$",
    }
    if k in ("number", "expression"):
        r["unit text"] = f"The final answer is $\\boxed{{{gold}\\text{{ units}}}}$."
        r["thai unit"] = f"คำตอบสุดท้าย: \\boxed{{{gold} \\text{{ หน่วย}}}}"
    if k == "text":
        inner = gold[gold.index("{") + 1:-1]
        r["plain text"] = f"The answer is {inner}."
        thai_word = next((t for t, e in THAI_WORDS.items() if e == inner.lower()), None)
        if thai_word:
            r["thai word"] = f"ดังนั้น คำตอบคือ $\\boxed{{\\text{{{thai_word}}}}}$"
    num = parse_number(gold)
    if num is not None and num.value.denominator == 1 and not num.percent:
        n = int(num.value)
        if abs(n) >= 1000:
            r["comma groups"] = f"So the total is $\\boxed{{{grouped(n)}}}$."
            r["thin space groups"] = "\\boxed{" + grouped(n).replace(",", "\\,") + "}"
            r["thai commas"] = f"**คำตอบ:** {thai(grouped(n))} บาท"
        if 0 <= n < 100:
            r["aime zeros"] = f"\\boxed{{{n:03d}}}"
        r["plain last line"] = f"She ends up with {n} dollars."
    return r


def near_misses(gold: str) -> dict[str, str]:
    out: dict[str, str] = {}
    num = parse_number(gold)
    if num is not None:
        v = num.value
        out["plus one"] = _render(v + 1)
        if v != 0:
            out["sign flip"] = _render(-v)
        if v not in (0, 1, -1):
            out["reciprocal"] = _render(1 / v)
    digit = re.search(r"\d", gold)
    if digit:
        i = digit.start()
        out["one digit changed"] = gold[:i] + str((int(gold[i]) + 1) % 10) + gold[i + 1:]
    if kind(gold) == "text":
        out["other text"] = "\\text{zzz}"
    elif kind(gold) == "expression":
        out["negated"] = f"-({gold})"
    return out


def _render(v: Fraction) -> str:
    if v.denominator == 1:
        return str(v.numerator)
    sign = "-" if v < 0 else ""
    return f"{sign}\\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"


@pytest.fixture(scope="module")
def loaded(shared_data) -> dict[tuple[str, str], list]:
    return {(name, lang): get_task(name).samples(lang, data_dir=shared_data).samples for name, lang, _ in TASKS}


@pytest.mark.parametrize(("name", "lang", "path"), TASKS, ids=[f"{n}:{lang}" for n, lang, _ in TASKS])
def test_every_gold_scores_correct_and_near_misses_wrong(shared_data, loaded, name, lang, path) -> None:
    samples = loaded[(name, lang)]
    assert len(samples) == raw_rows(shared_data / path), "the task dropped rows of the real data"
    scorer = math_equiv()
    failures = []
    for sample in samples:
        gold = sample.target
        r = renderings(gold)
        assert len(r) >= MIN_RENDERINGS
        for how, text in r.items():
            score = scorer(sample, Generation(text=text, answer=text, think_closed=True))
            if score.value != 1.0:
                failures.append(f"{sample.id} gold {gold!r} [{how}] -> {score.answer!r}: {score.explanation}")
        for how, wrong in near_misses(gold).items():
            text = f"Final answer: $\\boxed{{{wrong}}}$"
            score = scorer(sample, Generation(text=text, answer=text, think_closed=True))
            if score.value != 0.0:
                failures.append(f"{sample.id} gold {gold!r} near miss [{how}] {wrong!r}: {score.explanation}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


def test_raw_golds_equal_task_targets(shared_data) -> None:
    """The tasks may normalise golds (AIME `025` -> `25`); the raw gold must still be equal."""
    raw = [json.loads(x)["answer"] for x in (shared_data / "aime2024/test.jsonl").read_text().splitlines()]
    targets = [s.target for s in get_task("aime2024").samples("en", data_dir=shared_data).samples]
    assert any(a.startswith("0") for a in raw)
    for a, t in zip(raw, targets, strict=True):
        assert check_equal(a, t).equal, (a, t)


def test_renderings_cover_every_gold(loaded) -> None:
    """Every gold is recognised from its own box; report which renderings a gold skips."""
    kinds: dict[str, int] = {}
    for samples in loaded.values():
        for s in samples:
            assert extract_answer(f"\\boxed{{{s.target}}}"), s.target
            kinds[kind(s.target)] = kinds.get(kind(s.target), 0) + 1
    assert kinds.get("number", 0) > 1000 and kinds.get("structure", 0) > 50
