"""Reading a judge's verdict: `[[N]]` ratings and `[[A]]`/`[[B]]`/`[[C]]` pairwise choices.

FastChat's rule is kept: the rating comes from `[[N]]`, with `[N]` as the fallback when no
double-bracket rating exists. Two deliberate refinements, both documented in the README:
- a reasoning judge's `<think>` trace is removed first, so a rating it considered and dropped
  while thinking is never read;
- when the final answer holds several ratings, the LAST one is the verdict (judges write "I first
  thought [[6]] ... final rating: [[7]]"); FastChat took the first.
Thai digits are read as digits; a rating outside 1-10 is no rating. No rating -> None (the caller
retries, then records NaN: never 0).

Example: parse_rating("คำอธิบาย ... คะแนน: [[๘]]") -> 8.0
"""

from __future__ import annotations

import re

from thaibench.reasoning import split_reasoning

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_NUM = r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*10\s*)?"
DOUBLE = re.compile(r"\[\[" + _NUM + r"\]\]")
SINGLE = re.compile(r"(?<!\[)\[" + _NUM + r"\](?!\])")
CHOICE = re.compile(r"\[\[\s*([ABC])\s*\]\]")


def final_text(reply: str) -> str:
    """The judge's reply without its reasoning trace (an unclosed trace leaves nothing)."""
    split = split_reasoning(reply or "")
    return split.answer if split.think_closed is not None else (reply or "")


def parse_rating(reply: str, low: float = 1.0, high: float = 10.0) -> float | None:
    text = final_text(reply).translate(THAI_DIGITS)
    for pattern in (DOUBLE, SINGLE):
        found = pattern.findall(text)
        if found:
            value = float(found[-1])
            return value if low <= value <= high else None
    return None


def parse_choice(reply: str) -> str | None:
    """`A`, `B` or `C` (tie) from a pairwise verdict; the last one written wins."""
    found = CHOICE.findall(final_text(reply))
    return found[-1] if found else None
