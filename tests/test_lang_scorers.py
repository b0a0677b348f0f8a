"""Language scorers: registered as kind "lang", NaN (never 0) when unscorable, spans kept."""

from __future__ import annotations

import json
import math

import pytest

from thaibench.scorers import SCORERS, get_scorer
from thaibench.types import Generation, Sample

NAMES = [
    "answer_lang_ok",
    "code_switch_rate",
    "reasoning_lang",
    "think_present",
    "think_closed",
    "lang_public_check",
]


def gen(answer: str = "", reasoning: str | None = None, closed: bool | None = None, **kw) -> Generation:
    text = kw.pop("text", None)
    if text is None:
        text = (f"<think>{reasoning}</think>" if reasoning is not None and closed else "") + answer
    return Generation(text=text, reasoning=reasoning, answer=answer, think_closed=closed, **kw)


TH = Sample("s1", "th", "คำถาม", metadata={"pair_id": "p1"})
EN = Sample("s2", "en", "question")


@pytest.mark.parametrize("name", NAMES)
def test_registered_as_language_scorers(name):
    assert name in SCORERS
    assert get_scorer(name).kind == "lang"


@pytest.mark.parametrize("name", NAMES)
def test_backend_error_is_nan_not_zero(name):
    s = get_scorer(name)(TH, gen("", error="timeout"))
    assert math.isnan(s.value) and "timeout" in s.explanation


def test_answer_lang_ok_uses_the_sample_language_and_keeps_spans():
    ok = get_scorer("answer_lang_ok")
    assert ok(TH, gen("คำตอบคือ 42 ครับ")).value == 1.0
    s = ok(TH, gen("Let me check. คำตอบคือ 42"))
    assert s.value == 0.0 and s.answer == "switch"
    assert s.details["spans"][0]["text"] == "Let me check"
    json.dumps(s.details, ensure_ascii=False)  # records must serialise
    assert ok(EN, gen("The answer is 42.")).value == 1.0
    assert ok(EN, gen("คำตอบคือ 42")).value == 0.0


def test_answer_lang_ok_honours_expect_lang_metadata():
    asks_english = Sample("s3", "th", "ตอบเป็นภาษาอังกฤษ", metadata={"expect_lang": "en"})
    assert get_scorer("answer_lang_ok")(asks_english, gen("The capital is Bangkok.")).value == 1.0
    other = Sample("s4", "th", "q", metadata={"expect_lang": "fr"})
    assert math.isnan(get_scorer("answer_lang_ok")(other, gen("Bonjour")).value)


def test_empty_or_unfinished_answer_is_not_in_thai():
    ok = get_scorer("answer_lang_ok")
    s = ok(TH, gen("", reasoning="still thinking", closed=False))
    assert s.value == 0.0 and s.answer == "empty"


def test_code_switch_rate():
    rate = get_scorer("code_switch_rate")
    assert rate(TH, gen("ภาษาไทยล้วน")).value == 0.0
    assert rate(TH, gen("ตอบ Let me see")).value == pytest.approx(8 / 11)
    assert math.isnan(rate(TH, gen("")).value)  # no letters: unscorable, not 0


def test_reasoning_lang_detects_the_trace_language():
    en_trace = get_scorer("reasoning_lang")  # the recipe's default: English reasoning
    s = en_trace(TH, gen("คำตอบ 5", reasoning="Okay, the user asks in Thai. 2 + 3 = 5.", closed=True))
    assert (s.value, s.answer) == (1.0, "en")
    s = en_trace(TH, gen("คำตอบ 5", reasoning="โจทย์ถามผลบวก สองบวกสามได้ห้า", closed=True))
    assert (s.value, s.answer) == (0.0, "th")
    mixed = "First add the numbers. จากนั้นตรวจคำตอบอีกครั้งให้แน่ใจว่าถูก. Then answer."
    assert en_trace(TH, gen("5", reasoning=mixed, closed=True)).answer == "mixed"
    quoting = 'The user asks: "ร้านค้ามีแอปเปิ้ล 120 ผล ขายไป 45 ผล". So 120 - 45 = 75.'
    assert en_trace(TH, gen("75", reasoning=quoting, closed=True)).answer == "en"
    terms = "ผู้ใช้ถามเรื่อง binary search ต้องอธิบายว่า array ต้อง sorted ก่อน ความซับซ้อนคือ O(log n)"
    assert en_trace(TH, gen("ตอบ", reasoning=terms, closed=True)).answer == "th"
    th_trace = get_scorer("reasoning_lang", expect="th")
    assert th_trace(TH, gen("5", reasoning="คิดเป็นภาษาไทย", closed=True)).value == 1.0
    none = en_trace(TH, gen("คำตอบ 5"))
    assert math.isnan(none.value) and none.answer == "none"
    with pytest.raises(ValueError):
        get_scorer("reasoning_lang", expect="xx")


def test_think_present_and_closed():
    present, closed = get_scorer("think_present"), get_scorer("think_closed")
    assert present(TH, gen("ตอบ", reasoning="คิด", closed=True)).value == 1.0
    assert present(TH, gen("ตอบ")).value == 0.0
    assert present(TH, gen("ตอบ", reasoning="  ", closed=True)).value == 0.0
    assert closed(TH, gen("ตอบ", reasoning="คิด", closed=True)).value == 1.0
    assert closed(TH, gen("", reasoning="คิด", closed=False)).value == 0.0
    assert math.isnan(closed(TH, gen("ตอบ")).value)


def test_lang_public_check_reads_the_raw_completion_and_reports_empty():
    sky = get_scorer("lang_public_check")
    s = sky(TH, gen("คำตอบคือ 42", reasoning="Let me think in English at length.", closed=True))
    assert s.value == 1.0 and s.details["english"] == 0
    s = sky(TH, gen(""))
    assert s.value == 1.0 and s.answer == "empty" and s.details["empty"] is True
    assert sky(TH, gen("The answer is 42")).value == 0.0
