"""XQuAD: every question loads and pairs across languages; EM/F1 on Thai-segmented words give
1.0 for the gold answers and drop on partial answers as a Thai reader expects."""

from __future__ import annotations

import math

import pytest

from thaibench.scorers import get_scorer
from thaibench.scorers.qa import exact_match, extract_span, f1, qa_tokens
from thaibench.task import get_task
from thaibench.types import Generation, Sample


def test_every_question_loads_and_pairs() -> None:
    task = get_task("xquad")
    th, en = (task.samples(lang) for lang in ("th", "en"))
    assert len(th.samples) == len(en.samples) == 1190 and not th.skipped and not en.skipped
    assert [s.pair_id for s in th.samples] == [s.pair_id for s in en.samples]
    assert not any(s.metadata["context"].startswith("\ufeff") for s in th.samples)
    sample = th.samples[0]
    assert sample.metadata["context"] in task.prompt(sample)[0]["content"]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_gold_answers_score_one(lang: str) -> None:
    em, f = get_scorer("qa_exact_match"), get_scorer("qa_f1")
    for s in get_task("xquad").samples(lang).samples:
        gen = Generation(text=s.target["answers"][0], answer=s.target["answers"][0])
        assert em(s, gen).value == 1.0 and f(s, gen).value == 1.0, s.id


GOLD = "สถานีรถไฟกลางกรุงเทพ"  # สถานีรถไฟ | กลาง | กรุงเทพ


@pytest.mark.parametrize("answer,em,f", [
    (GOLD, 1.0, 1.0),
    ("สถานีรถไฟ กลาง กรุงเทพ", 1.0, 1.0),       # spaces between Thai words do not matter
    ("“สถานีรถไฟกลางกรุงเทพ”", 1.0, 1.0),       # nor quotes
    ("สถานีรถไฟ", 0.0, 0.5),                    # 1 of 3 words: precision 1, recall 1/3
    ("กรุงเทพ", 0.0, 0.5),
    ("สถานีรถไฟกลาง", 0.0, 0.8),                 # 2 of 3 words
    ("สถานีรถไฟกลางกรุงเทพ ครับ", 0.0, 6 / 7),   # a polite particle costs a little precision
    ("เชียงใหม่", 0.0, 0.0),
    ("", 0.0, 0.0),
])
def test_thai_partial_answers(answer: str, em: float, f: float) -> None:
    assert exact_match(answer, [GOLD], "th") == em
    assert math.isclose(f1(answer, [GOLD], "th"), f)


@pytest.mark.parametrize("answer,gold,em,f", [
    ("พ.ศ. ๒๔๙๐", "พ.ศ. 2490", 1.0, 1.0),        # Thai digits, punctuation inside a word
    ("กรุงเทพฯ", "กรุงเทพ", 1.0, 1.0),            # the abbreviation mark
    ("ปี 2490", "ในปี พ.ศ. 2490", 0.0, 2 * (2 / 2) * (2 / 4) / (2 / 2 + 2 / 4)),
    ("308", "308", 1.0, 1.0),
])
def test_thai_normalisation(answer: str, gold: str, em: float, f: float) -> None:
    assert exact_match(answer, [gold], "th") == em
    assert math.isclose(f1(answer, [gold], "th"), f)


def test_whitespace_tokens_would_give_no_partial_credit() -> None:
    # The official SQuAD rule sees one token per unspaced Thai phrase; newmm sees words.
    assert f1("สถานีรถไฟ", [GOLD], "en") == 0.0
    assert qa_tokens(GOLD, "th") == ["สถานีรถไฟ", "กลาง", "กรุงเทพ"]


@pytest.mark.parametrize("answer,gold,em,f", [
    ("the Denver Broncos", "Denver Broncos", 1.0, 1.0),   # articles and case (official rule)
    ("Broncos", "Denver Broncos", 0.0, 2 / 3),
    ("Denver Broncos.", "Denver Broncos", 1.0, 1.0),
])
def test_english_official_rules(answer: str, gold: str, em: float, f: float) -> None:
    assert exact_match(answer, [gold], "en") == em
    assert math.isclose(f1(answer, [gold], "en"), f)


@pytest.mark.parametrize("answer,span", [
    ("คำตอบ: **สถานีรถไฟ**.", "สถานีรถไฟ"),
    ('Answer: "Denver Broncos".', "Denver Broncos"),
    ("308", "308"),
    ("The passage says so.\n\nคำตอบคือ 308 คะแนน", "308 คะแนน"),
    ("Let me look.\n\nDenver Broncos", "Denver Broncos"),
])
def test_extract_span(answer: str, span: str) -> None:
    assert extract_span(answer) == span


def test_scorer_reads_the_answer_not_the_trace() -> None:
    s = Sample("th/q", "th", "?", {"answers": [GOLD]})
    f = get_scorer("qa_f1")
    assert f(s, Generation("", reasoning="คำตอบ: เชียงใหม่", answer=f"คำตอบ: {GOLD}", think_closed=True)).value == 1.0
    assert f(s, Generation("", reasoning=f"คำตอบ: {GOLD}", answer="", think_closed=False)).value == 0.0
    assert math.isnan(f(s, Generation("", error="boom")).value)
