"""The public "is mainly Thai" check (thaibench.lang.public), quirks included.

The reproduction was compared with the original function (chinda-eval, commit 56dc804) on
6,182 texts (the labelled set, Wisesight, WangchanThaiInstruct rows and random strings drawn
from every rule's character ranges) with no disagreement; these rows pin the rule down.
"""

from __future__ import annotations

import pytest

from thaibench.lang.public import skythought_check, summarise

ROWS = [
    # (text, passed, thai, english, empty)
    ("คำตอบคือ 42", True, 8, 0, False),
    ("The answer is 42", False, 0, 11, False),
    ("ใช้ Python", False, 3, 6, False),  # English letters outnumber Thai ones
    ("ใช้ภาษา Python", True, 7, 6, False),
    ("abc กขค", True, 3, 3, False),  # a tie passes
    ("", True, 0, 0, True),  # quirk: an empty answer passes
    ("   \n ", True, 0, 0, True),
    (
        "<think>Long English reasoning here.</think>คำตอบคือ ๔๒",
        True,
        10,
        0,
        False,
    ),  # Thai digits count as Thai
    (
        "<think>ยังคิดไม่เสร็จ never closed",
        False,
        14,
        16,
        False,
    ),  # quirk: an unclosed trace is scored, tag letters too
    ("Reasoning</think>ตอบ", True, 3, 0, False),  # no opening tag: still cut at </think>
    ("ตอบ José Mbappé", False, 3, 8, False),  # é is neutral, the ASCII letters of the names are not
    ("ราคา ฿100 😀 → ✓ ∑ ½ ²", True, 5, 0, False),  # symbols, emoji, arrows, math neutral
]


@pytest.mark.parametrize(
    ("text", "passed", "thai", "english", "empty"), ROWS, ids=[r[0][:20] or "empty" for r in ROWS]
)
def test_rule(text, passed, thai, english, empty):
    c = skythought_check(text)
    assert (c.passed, c.thai, c.english, c.empty) == (passed, thai, english, empty)


@pytest.mark.parametrize("text", ["ไทย 这个", "ไทย か", "ไทย 한", "ไทย п", "ไทย α", "ไทย １２", "ไทย Ⅳ"])
def test_any_letter_or_number_of_another_script_fails(text):
    c = skythought_check(text)
    assert not c.passed and c.other


def test_quirk_characters_above_the_bmp_pass():
    # The original lets every character above U+10000 through, rare Han included.
    assert skythought_check("ภาษาไทย 𠀀").passed


def test_summary_reports_empty_answers_beside_the_pass_rate():
    checks = [skythought_check(t) for t in ["", "ไทย", "English"]]
    s = summarise(checks)
    assert s == {"n": 3, "pass_rate": pytest.approx(2 / 3), "empty": 1}
