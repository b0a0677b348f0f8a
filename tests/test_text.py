"""Thai/English text rules, one table per rule."""

from __future__ import annotations

import pytest

from thaibench.text import (
    ANSWER_HEADING_RE,
    has_thai,
    nfc,
    normalize,
    remove_thousands_separators,
    strip_answer_prefix,
    thai_digits_to_arabic,
    unescape_html,
)

DIGITS = [("๐๑๒๓๔๕๖๗๘๙", "0123456789"), ("ปี ๒๕๖๗", "ปี 2567"), ("๑,๒๐๐ บาท", "1,200 บาท"),
          ("x = ๓.๕", "x = 3.5"), ("no thai 42", "no thai 42"), ("คำตอบ：๗", "คำตอบ:7")]


@pytest.mark.parametrize(("text", "expected"), DIGITS)
def test_thai_digits(text: str, expected: str) -> None:
    assert thai_digits_to_arabic(text) == expected


def test_nfc_orders_thai_marks() -> None:
    # "ปู่" typed tone mark first (MAI EK, ccc 107) then SARA UU (ccc 103): NFC puts the vowel first.
    typed, canonical = "\u0e1b\u0e48\u0e39", "\u0e1b\u0e39\u0e48"
    assert typed != canonical
    assert nfc(typed) == canonical == normalize(typed)
    assert nfc("Cafe\u0301") == "Caf\u00e9"


THOUSANDS = [
    ("28,800", "28800"), ("28\\,800", "28800"), ("28{,}800", "28800"), ("11,\\! 111,\\! 111,\\! 100", "11111111100"),
    ("\\$32,\\!348", "\\$32348"), ("1\u2009000\u2009000", "1000000"), ("28 800", "28800"), ("-1,234.5", "-1234.5"),
    ("12,5%", "12,5%"), ("(1,234)", "(1,234)"), ("1,-2", "1,-2"), ("3, 5, 7", "3, 5, 7"), ("2\\,5", "2\\,5"),
    ("1,2345", "1,2345"), ("28\\,800 บาท", "28800 บาท"), ("x = 1{,}000{,}000", "x = 1000000"),
]


@pytest.mark.parametrize(("text", "expected"), THOUSANDS)
def test_thousands_separators(text: str, expected: str) -> None:
    assert remove_thousands_separators(text) == expected


PREFIXES = [
    ("Answer: 18", " 18"), ("**Answer:** 18", " 18"), ("**Final Answer:** $7$", " $7$"),
    ("The final answer is 42.", " 42."), ("final answer: x = 2", " x = 2"), ("So the answer is 5", " 5"),
    ("#### 72", " 72"), ("คำตอบ: ๑๘ บาท", " 18 บาท"), ("**คำตอบ:** ๒๕", " 25"), ("ตอบ: 7 คน", " 7 คน"),
    ("ตอบ ๑๒ บาท", "12 บาท"), ("คำตอบสุดท้าย: 9", " 9"), ("คำตอบสุดท้ายคือ 9", " 9"),
    ("ดังนั้น คำตอบคือ 42", " 42"), ("ดังนั้นคำตอบคือ 42", " 42"), ("คำตอบที่ถูกต้องคือ 15", " 15"),
    ("ผลลัพธ์สุดท้ายคือ ๙๖", " 96"), ("The correct answer is (C)", " (C)"),
    ("We answered the call.", None), ("ทุกคนตอบคำถาม", None), ("answers vary", None), ("no prefix 12", None),
]


@pytest.mark.parametrize(("line", "rest"), PREFIXES)
def test_answer_prefixes(line: str, rest: str | None) -> None:
    assert strip_answer_prefix(line) == rest


HEADINGS = [("**Final Answer**", True), ("### Final Answer", True), ("Final answer:", True), ("**คำตอบ**", True),
            ("## คำตอบสุดท้าย", True), ("Final answer: 12", False), ("The answer", False), ("คำตอบคือ 5", False)]


@pytest.mark.parametrize(("line", "is_heading"), HEADINGS)
def test_answer_headings(line: str, is_heading: bool) -> None:
    assert (ANSWER_HEADING_RE.search(line) is not None) is is_heading


def test_html_unescape_once() -> None:
    assert unescape_html("$r &gt; 0$ และ $0 \\le \\theta &lt; 2 \\pi$") == "$r > 0$ และ $0 \\le \\theta < 2 \\pi$"
    assert unescape_html("label(&quot;$A$&quot;)") == 'label("$A$")'
    assert unescape_html("&amp;gt;") == "&gt;"


def test_has_thai() -> None:
    assert has_thai("คำตอบ 5") and not has_thai("answer 5") and not has_thai("")
