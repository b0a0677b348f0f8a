"""Thai and English text normalisation, in one place, for every scorer that reads model text.

Why one module: Thai model output mixes scripts, digit systems and answer phrasings, and every
scorer (math, IFEval-TH, language checks) must read them the same way. The rules here:

- NFC normalisation: Thai vowels and tone marks may arrive decomposed or in a different order;
  NFC makes equal text compare equal.
- Thai digits ๐-๙ become 0-9 (`thai_digits_to_arabic("๒๕๖๗")` -> "2567").
- Answer prefixes per language (`ANSWER_PREFIXES`): "Answer:", "**Final Answer:**",
  "The final answer is", "####" in English; "คำตอบ:", "ตอบ:", "คำตอบสุดท้าย", "คำตอบคือ",
  "ดังนั้น คำตอบคือ", "ผลลัพธ์สุดท้ายคือ" in Thai; plus heading forms ("**Final Answer**" or
  "### คำตอบ" alone on a line, the answer on the next lines).
- Thousands separators: `28,800`, `28\\,800`, `28{,}800`, `11,\\! 111,\\! 100`, thin spaces.
  A plain comma merges only when the whole string is one grouped number, because `1,234` may
  be a list elsewhere (`(1,234)` stays a pair).
- HTML entities: the Thai MATH-500 translation (iapp/math-500-th, licence not stated) escapes
  `<`, `>` and `&` (`$r &gt; 0$`); `unescape_html` undoes it.

Known quirks: `\\,` between digits is read as a thousands separator only before exactly three
digits (`28\\,800`), never in `2\\,5`; Thai number words (ล้าน, พัน) are handled by the math
scorer, not here.
"""

from __future__ import annotations

import html
import re
import unicodedata

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_DIGIT_TABLE = str.maketrans({d: str(i) for i, d in enumerate(THAI_DIGITS)} | {"：": ":"})

THAI_CHAR = "\u0e00-\u0e7f"
THAI_RUN_RE = re.compile(f"[{THAI_CHAR}]+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def thai_digits_to_arabic(text: str) -> str:
    """๐-๙ -> 0-9 (and the full-width colon to ':', which Thai keyboards produce)."""
    return text.translate(_DIGIT_TABLE)


def normalize(text: str) -> str:
    """NFC plus Arabic digits: the form every rule below expects."""
    return thai_digits_to_arabic(nfc(text))


def has_thai(text: str) -> bool:
    return THAI_RUN_RE.search(text) is not None


def unescape_html(text: str) -> str:
    """`&gt;` -> `>` etc. Applied once: a literal `&amp;gt;` in the source stays `&gt;`."""
    return html.unescape(text)


# --- thousands separators ---------------------------------------------------------------
# LaTeX spellings of a thin space between digit groups, and Unicode thin/no-break spaces.
_SEP = r"(?:\\,|\\;|\\:|\\ |\{,\}|,\s*\\!\s*|\\!\s*,\s*|~|\u2009|\u202f|\u00a0)"
_EXPLICIT_GROUPS_RE = re.compile(rf"(?<![\d.])\d{{1,3}}(?:{_SEP}\d{{3}})+(?![\d])")
_SEP_RE = re.compile(_SEP)
_WHOLE_COMMA_RE = re.compile(r"^([-+]?)(\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+)(\.\d+)?(%?)$")


def remove_thousands_separators(text: str) -> str:
    """Join digit groups written with LaTeX or Unicode thin spaces anywhere in `text`, and
    with plain commas (or spaces) only when the whole string is a single grouped number.

    >>> remove_thousands_separators("28\\\\,800 บาท")
    '28800 บาท'
    >>> remove_thousands_separators("1,234")
    '1234'
    >>> remove_thousands_separators("(1,234)")
    '(1,234)'
    """
    text = _EXPLICIT_GROUPS_RE.sub(lambda m: _SEP_RE.sub("", m.group(0)), text)
    m = _WHOLE_COMMA_RE.match(text.strip())
    if m:
        return m.group(1) + m.group(2).replace(",", "").replace(" ", "") + (m.group(3) or "") + m.group(4)
    return text


# --- answer prefixes --------------------------------------------------------------------
# Inline prefixes: the answer follows on the same line. Regex fragments, tried in order at each
# position (Python takes the first alternative that matches, so the forms with a colon come first).
ANSWER_PREFIXES: dict[str, tuple[str, ...]] = {
    "en": (
        r"(?:the\s+)?final\s+(?:answer|result)\s*(?:is|would\s+be|will\s+be)?\s*(?:\*\*)?\s*:",
        r"(?:the\s+)?(?:final\s+|correct\s+)?answer\s+(?:is|would\s+be|should\s+be|will\s+be)(?:\s*:)?",
        r"(?:the\s+)?final\s+(?:answer|result)\s+(?:is|would\s+be|will\s+be)(?:\s*:)?",
        r"answer\s*(?:\*\*)?\s*[:=]",
        r"####",
    ),
    "th": (
        # คำตอบ, คำตอบสุดท้าย, คำตอบที่ถูกต้อง, คำตอบของโจทย์นี้ ... followed by คือ / เท่ากับ / ':'
        rf"คำตอบ[{THAI_CHAR}]{{0,20}}?\s*(?:\*\*)?\s*(?:คือ|เท่ากับ|ได้แก่|[:=])",
        r"(?<!คำ)ตอบ\s*(?:\*\*)?\s*:",
        rf"ผลลัพธ์สุดท้าย[{THAI_CHAR}]{{0,6}}?\s*(?:\*\*)?\s*(?:คือ|เท่ากับ|:)",
    ),
}
# Heading prefixes: the line holds only the heading; the answer is on the following lines.
ANSWER_HEADINGS: dict[str, tuple[str, ...]] = {
    "en": (r"(?:final\s+)?answer", r"final\s+result"),
    "th": (r"คำตอบ(?:สุดท้าย|ที่ถูกต้อง)?", r"ผลลัพธ์สุดท้าย"),
}


def _alternation(table: dict[str, tuple[str, ...]]) -> str:
    return "|".join(p for lang in table for p in table[lang])


# English prefixes need a word boundary ("answered" is no prefix); Thai is written without
# spaces between words ("ดังนั้นคำตอบคือ"), so Thai prefixes match anywhere.
ANSWER_PREFIX_RE = re.compile(
    rf"(?:(?<![A-Za-z0-9_])(?:{'|'.join(ANSWER_PREFIXES['en'])})|(?:{'|'.join(ANSWER_PREFIXES['th'])}))"
    r"(?:[ \t]*\*\*)?",
    re.IGNORECASE,
)
ANSWER_HEADING_RE = re.compile(
    rf"^[ \t>#*_]*(?:{_alternation(ANSWER_HEADINGS)})[ \t*_:]*$", re.IGNORECASE | re.MULTILINE
)
# A bare "ตอบ 18" (Thai school style, often after "∴"): the answer must start with a digit or math.
THAI_BARE_ANSWER_RE = re.compile(r"(?:^|(?<=[\s*∴:]))ตอบ[ \t]+(?=[-\d$\\])", re.MULTILINE)


def strip_answer_prefix(line: str) -> str | None:
    """The text after the first answer prefix of `line`, or None when it has none.

    >>> strip_answer_prefix("**คำตอบ:** ๑๘ บาท")
    ' 18 บาท'
    """
    line = normalize(line)
    m = ANSWER_PREFIX_RE.search(line) or THAI_BARE_ANSWER_RE.search(line)
    return line[m.end():] if m else None
