"""Clean an extracted math answer: drop the presentation, keep the value.

Models dress the same answer many ways: `\\boxed{\\dfrac{3}{4}}`, `$\\displaystyle \\frac34$`,
`28\\,800`, `12\\text{ บาท}`, `5 ซม.`, `30^\\circ`, `\\$18.90`, `**18** ดอลลาร์`, `๑๘`.
`clean_answer` maps all of them to one plain LaTeX string (`\\frac{3}{4}`, `28800`, `12`, `5`,
`30`, `18.90`, `18`). It is used on model answers and on gold answers alike, so every rule is
symmetric; it never decides equality (see `_math_equal`).

Rules that can change meaning, and why they are safe enough:
- units are dropped only when they trail a number (`5.4 \\text{ cents}`, `864 \\mbox{ inches}^2`),
  never in the middle of an expression;
- a Thai run is dropped only when something mathematical is left (`ไม่มีคำตอบ` stays);
- `a = b = c` keeps the last part; `2 \\times 9 = 18` keeps `18` (left side has no letters);
  `x = 5` and `5x - 7y + 4 = 0` are kept whole;
- percent is kept as `%` (the comparison decides whether 10% equals 10 or 0.1); degrees are
  dropped (`30^\\circ` -> `30`).

Example: clean_answer("$\\\\boxed{2,\\\\!500\\\\text{ บาท}}$.") -> "2500"
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from thaibench.text import THAI_CHAR, normalize, remove_thousands_separators

LINE_SPACING_RE = re.compile(r"\\\\\s*\[\s*-?[\d.]+\s*(?:pt|em|ex|mm|cm|in|mu|bp|sp)\s*\]")
_TEXT_CMDS = r"text|textbf|textit|textrm|textsf|texttt|textnormal|mbox|mathrm|mathbf|mathit|mathsf|hbox"
_TEXT_GROUP_RE = re.compile(rf"\\(?:{_TEXT_CMDS})\s*\{{")
_CONNECTORS = {"and", "or", "และ", "หรือ", ",", ";", "and/or"}
_UNIT_WORD_RE = re.compile(rf"^(?:[A-Za-z{THAI_CHAR}][A-Za-z{THAI_CHAR}.\s/^\d]*)$")
_SHORT_UNITS = "cm|mm|km|kg|mg|ml|m|g|s|h|ft|in|mi|lb|oz|sq|hr|min|yd|L"
_TRAILING_WORDS_RE = re.compile(  # \b on both sides: a word is never split (no backtracking blow-up)
    rf"(?<=[\d}})%])\s*(?:\b(?:[A-Za-z]{{3,}}|{_SHORT_UNITS})\b\.?(?:\^\{{?\d\}}?)?\s*)+$"
)
_THAI_RUN_DOT_RE = re.compile(f"[{THAI_CHAR}]+\\.?")
_NUM = r"\d+(?:\.\d+)?|\.\d+"
_MULTIPLIERS = {"ล้าน": 10**6, "million": 10**6, "billion": 10**9, "พันล้าน": 10**9}
_MULT_RE = re.compile(rf"(?<![\d.])({_NUM})\s*(พันล้าน|ล้าน|million|billion)(?![A-Za-z])")
_WRAPPERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"), ("`", "`"), ("*", "*"))
_BOX_PREFIX_RE = re.compile(r"^\\(?:boxed|fbox|framebox)\s*\{")


def matching_brace(text: str, i: int) -> int:
    """Index of the `}` closing the `{` at `text[i]`, skipping escaped braces; -1 if unclosed."""
    depth = 0
    j = i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def _strip_wrappers(s: str) -> str:
    prev = None
    for _ in range(8):  # "$$\boxed{...}$$." needs three rounds; a cap keeps "$$$$..." linear
        if s == prev:
            break
        prev = s
        s = s.strip().strip(" \t\n")
        s = re.sub(r"^[:：=]\s*", "", s)
        s = re.sub(r"(?<!\\)[.,;:!?。]+$", "", s).strip()
        for a, b in _WRAPPERS:
            if len(s) > len(a) + len(b) and s.startswith(a) and s.endswith(b):
                s = s[len(a):-len(b)].strip()
        m = _BOX_PREFIX_RE.match(s)
        if m and matching_brace(s, m.end() - 1) == len(s) - 1:
            s = s[m.end():-1]
    return s


def _text_groups(s: str) -> str:
    """Unwrap `\\text{...}`-like groups: connectors become commas, trailing units go."""
    out = ""
    pos = 0
    while True:
        m = _TEXT_GROUP_RE.search(s, pos)
        if not m:
            return out + s[pos:]
        close = matching_brace(s, m.end() - 1)
        if close < 0:
            return out + s[pos:]
        out += s[pos:m.start()]
        content = s[m.end():close]
        rest = s[close + 1:]
        word = content.strip()
        exp = re.match(r"\s*\^\s*(?:\{\s*\d\s*\}|\d)", rest)
        after = rest[exp.end():] if exp else rest
        before = out.rstrip()
        trailing = re.match(rf"^\s*(?:[.,;]\s*)?(?:$|\\(?:{_TEXT_CMDS})\s*\{{)", after) is not None
        unit_like = bool(word) and _UNIT_WORD_RE.match(word) is not None and (
            len(re.sub(r"[^A-Za-z]", "", word)) >= 2 or re.search(f"[{THAI_CHAR}]", word) is not None
            or content[:1].isspace())
        if word.lower() in _CONNECTORS and before and after.strip():
            out = before + ", "
        elif unit_like and trailing and before and (re.search(r"[\d}\)%]$", before) or content[:1].isspace()):
            out = before
            rest = after
        else:
            out += content
        s, pos = rest, 0


def _equation_part(s: str) -> str:
    """Keep the value of an equation chain: `a = b = 5` -> `5`, `2 \\times 9 = 18` -> `18`."""
    if "=" not in s or "," in s or ";" in s or "\\begin" in s:
        return s
    depth, parts, start = 0, [], 0
    for i, c in enumerate(s):
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c == "=" and depth == 0 and s[i - 1:i] not in ("<", ">", "!", "\\"):
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    parts = [p.strip() for p in parts]
    if len(parts) < 2 or not all(parts):
        return s
    if len(parts) >= 3:
        return parts[-1]
    lhs = re.sub(r"\\[A-Za-z]+", "", parts[0])
    return parts[1] if not re.search(r"[A-Za-z]", lhs) else s


def _approx_part(s: str) -> str:
    if "\\approx" not in s:
        return s
    head, _, tail = s.partition("\\approx")
    head = head.strip()
    return head if head and not re.fullmatch(r"[A-Za-z](?:_\w)?", head) else tail.strip()


def _multiply(m: re.Match[str]) -> str:
    try:
        value = Decimal(m.group(1)) * _MULTIPLIERS[m.group(2).lower()]
    except (InvalidOperation, KeyError):
        return m.group(0)
    return format(value.normalize(), "f")


_UNICODE_MATH = {"π": "\\pi ", "∞": "\\infty ", "×": "\\times ", "÷": "\\div ", "·": "\\cdot ",
                 "≤": "\\le ", "≥": "\\ge ", "≠": "\\ne ", "±": "\\pm ", "½": "\\frac{1}{2}",
                 "¼": "\\frac{1}{4}", "¾": "\\frac{3}{4}", "⅓": "\\frac{1}{3}", "⅔": "\\frac{2}{3}"}
_UNICODE_MATH_RE = re.compile("|".join(map(re.escape, _UNICODE_MATH)))
# What leads to a conclusion: the answer is what follows the last one ("x^2 = 25 \implies x = 5").
_THEREFORE_RE = re.compile(r"\\(?:implies|Rightarrow|Longrightarrow|therefore)(?![A-Za-z])|∴|⇒|⟹")


def _unicode_math(s: str) -> str:
    """Plain-text math to LaTeX: 2√3 -> 2\\sqrt{3}, π -> \\pi, ½ -> \\frac{1}{2}."""
    s = re.sub(r"√\s*(\d+(?:\.\d+)?|[A-Za-z])", r"\\sqrt{\1}", s).replace("√", "\\sqrt")
    return _UNICODE_MATH_RE.sub(lambda m: _UNICODE_MATH[m.group(0)], s)


def number_words(s: str) -> str:
    """Number words to symbols: ร้อยละ 20 / 20 เปอร์เซ็นต์ / 20 percent -> 20%, เศษ 3 ส่วน 4 ->
    \\frac{3}{4}, 1.5 ล้าน / 1.5 million -> 1500000."""
    s = re.sub(rf"ร้อยละ\s*({_NUM})", r"\1%", s)
    s = re.sub(rf"({_NUM})\s*(?:เปอร์เซ็นต์|เปอร์เซนต์|percent\b)", r"\1%", s)
    s = re.sub(r"เศษ\s*(\d+)\s*ส่วน\s*(\d+)", r"\\frac{\1}{\2}", s)
    return _MULT_RE.sub(_multiply, remove_thousands_separators(s))


def clean_answer(answer: str) -> str:
    """Presentation-free form of one answer (see the module docstring)."""
    s = normalize(answer).replace("\u2212", "-")  # U+2212 MINUS SIGN
    s = LINE_SPACING_RE.sub(r"\\\\ ", s)
    s = re.sub(r"\*\*|__", " ", s)  # markdown bold, never math
    s = _unicode_math(s)
    s = _strip_wrappers(s)
    s = re.sub(r"(?<!\\)\$", " ", s).replace("\\$", " ")
    s = re.sub(r"\\(?:displaystyle|textstyle|scriptstyle|limits)\b", "", s)
    s = re.sub(r"\\left\s*\.|\\right\s*\.", "", s)
    s = re.sub(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big|biggl|biggr)(?![A-Za-z])\s*", "", s)
    s = re.sub(r"\\[dtc]frac(?![A-Za-z])", r"\\frac", s)
    s = re.sub(r"\\[dt]binom(?![A-Za-z])", r"\\binom", s)
    # \frac34, \frac{270}7, \frac 3{4} -> \frac{3}{4}: one spelling for the number parser.
    s = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\frac\s*\{([^{}]*)\}\s*([0-9A-Za-z])", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\frac\s*([0-9A-Za-z])\s*\{", r"\\frac{\1}{", s)
    s = re.sub(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree\b|\\circ(?![A-Za-z])", "", s)
    s = remove_thousands_separators(number_words(s.replace("\\%", "%")))
    s = s.replace("\\!", "")
    s = re.sub(r"(?<!\\)\\[,;: ]|~|\\q?quad\b", " ", s)
    s = _text_groups(s)
    s = re.sub(r"\\(?:textdollar|euro|pounds|yen)\b|[฿€£¥]|\bUS\$?|\bUSD\b", " ", s)
    s = re.sub(r"(?<=\S)\s+(?:and|or|และ|หรือ)\s+(?=\S)", ", ", s)
    without_thai = _THAI_RUN_DOT_RE.sub(" ", s)
    if without_thai != s and re.search(r"[\d\\A-Za-z]", without_thai):
        s = without_thai
    s = re.sub(r"\s+", " ", s).strip()
    s = _TRAILING_WORDS_RE.sub("", s).strip()
    s = _strip_wrappers(s)
    s = remove_thousands_separators(s)
    s = _THEREFORE_RE.split(s)[-1].strip() or s
    s = _approx_part(_equation_part(s))
    return re.sub(r"\s+", " ", s).strip()
