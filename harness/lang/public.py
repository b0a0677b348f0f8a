"""The public Thai code-switching check ("is mainly Thai"), reproduced for comparability.

Origin: `is_mainly_thai` in iapp-technology/chinda-eval,
evalscope/benchmarks/code_switching/code_switching_adapter.py at commit 56dc804 (2025-09-19,
Apache-2.0), whose docstring says it follows SkyThought's code_switching_handler.py, the
code-switching task of the SkyThought evaluation suite that Thai reasoning-model recipes
report as their "Lang" column. The SkyThought file itself was not found in public code
indexes, so this module reproduces the chinda-eval copy, rule for rule. It is called
`skythought` after the rule's stated origin.

The rule, on the raw completion:
  1. delete everything up to and including the first "</think>" (non-greedy, across lines);
     with no "</think>" nothing is deleted, so an unclosed trace is scored as if it were the
     answer (quirk reproduced);
  2. count Thai characters (U+0E00-U+0E7F: letters, vowel and tone marks, Thai digits and
     the baht sign all count as Thai) and ASCII letters A-Z a-z ("English");
  3. neutral: digits 0-9, ASCII punctuation, whitespace, accented Latin letters
     (U+00C0-U+024F), General Punctuation, math operators and arrows, emoji blocks, currency
     signs, super/subscripts, and any character whose Unicode category is punctuation,
     symbol, mark, separator or control, and any character above U+10000 (so rare Han
     characters of CJK Extension B pass: quirk reproduced);
  4. FAIL if any other character occurs (a letter or number of another script: Han, kana,
     Hangul, Cyrillic, Greek, full-width digits); FAIL if English > Thai; otherwise PASS.
An empty answer has 0 Thai and 0 English and PASSES (quirk reproduced); `empty` is reported
beside the verdict so that reports can count such answers.

Example: skythought_check("<think>reasoning in English</think>คำตอบคือ 42").passed -> True;
skythought_check("The answer is 42").passed -> False; skythought_check("").passed -> True.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_THINK = re.compile(r"^.*?</think>", flags=re.DOTALL)


def _allowed_symbols() -> frozenset[str]:
    chars: set[str] = set(",.;:!?()[]{}'\"-_+=*/\\<>@#$%^&|~`®")
    chars.update(" \t\n\r\f\v")
    ranges = [
        (0x2200, 0x22FF),
        (0x27C0, 0x27EF),
        (0x2980, 0x29FF),  # math operators and symbols
        (0x00C0, 0x00FF),
        (0x0100, 0x017F),
        (0x0180, 0x024F),  # accented Latin
        (0x2000, 0x206F),  # General Punctuation
        (0x1F300, 0x1F5FF),
        (0x1F600, 0x1F64F),
        (0x1F680, 0x1F6FF),
        (0x1F700, 0x1F77F),
        (0x1F780, 0x1F7FF),
        (0x1F800, 0x1F8FF),
        (0x1F900, 0x1F9FF),
        (0x1FA00, 0x1FA6F),
        (0x1FA70, 0x1FAFF),
        (0x2600, 0x26FF),
        (0x2700, 0x27BF),
        (0x1F1E6, 0x1F1FF),
        (0x2300, 0x23FF),
        (0x2460, 0x24FF),
        (0x25A0, 0x25FF),
        (0x2B00, 0x2BFF),
        (0xFE00, 0xFE0F),
        (0xE0100, 0xE01EF),  # emoji, technical, shapes, variation selectors
        (0x2190, 0x21FF),
        (0x2900, 0x297F),
        (0x2B00, 0x2B7F),  # arrows
    ]
    for lo, hi in ranges:
        chars.update(chr(i) for i in range(lo, hi + 1))
    chars.update("\u2010\u2011\u2012\u2013\u2014\u2015\u200b\u200c\u200d\ufeff")
    chars.update("©™®℗℠€£¥₹₩₺₴₦₱₲₵₸¢₽₨₪₫₮₯₰₳₼₾₿")
    chars.update("²³⁴⁵⁶⁷⁸⁹⁰⁻⁺⁼⁽⁾ⁿⁱ₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
    chars.update("∈∉∊∋∌∀∁∂∃∄∅∆∇½⅓⅔¼¾⅛⅜⅝⅞⅑⅒⅕≈≠≤≥±×÷∞√∑∏∫≡")
    return frozenset(chars)


_ALLOWED = _allowed_symbols()


def _kind(ch: str) -> str:
    """'thai', 'english', 'neutral' or 'other', in the order the original checks them."""
    o = ord(ch)
    if 0x0E00 <= o <= 0x0E7F:
        return "thai"
    if 0x30 <= o <= 0x39 or ch in _ALLOWED:
        return "neutral"
    if 0x41 <= o <= 0x5A or 0x61 <= o <= 0x7A:
        return "english"
    if unicodedata.category(ch)[0] in "PSMZC" or o > 0x10000:
        return "neutral"
    return "other"


@dataclass(frozen=True)
class PublicCheck:
    passed: bool
    thai: int
    english: int
    other: str  # the distinct characters of other scripts, sorted
    empty: bool  # nothing but whitespace after the trace was removed (passes: quirk)


def skythought_check(text: str) -> PublicCheck:
    """Apply the public "is mainly Thai" rule to a raw completion (see the module docstring)."""
    response = _THINK.sub("", text.strip())
    counts = Counter(response)  # classify each distinct character once: same verdict, faster
    thai = english = 0
    other = []
    for ch, n in counts.items():
        kind = _kind(ch)
        if kind == "thai":
            thai += n
        elif kind == "english":
            english += n
        elif kind == "other":
            other.append(ch)
    passed = not other and english <= thai
    return PublicCheck(passed, thai, english, "".join(sorted(other)), not response.strip())


def summarise(checks: Iterable[PublicCheck]) -> dict[str, float | int]:
    """Pass rate with the count of empty answers beside it (they pass, as in the original)."""
    checks = list(checks)
    n = len(checks)
    return {
        "n": n,
        "pass_rate": sum(c.passed for c in checks) / n if n else float("nan"),
        "empty": sum(c.empty for c in checks),
    }
