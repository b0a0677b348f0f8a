"""Math answers: find the answer a response commits to, and the `math_equiv` scorer.

Used by MATH-500 (EN/TH), AIME 2024/2025 and MGSM (EN/TH). The scorer reads only
`Generation.answer` (the text after the reasoning trace): a trace that never closed has no
answer (0.0, "unclosed reasoning trace, no answer": the model failed), a backend error is NaN.

Which answer counts (`extract_answer`), in order:
1. `\\boxed{...}` / `\\fbox{...}` (nested braces, `\\boxed 5`): the LAST box wins, because a
   response commits at its end ("\\boxed{3} is wrong ... the answer is \\boxed{5}" -> 5). Boxes
   written as one list ("x = \\boxed{2} or x = \\boxed{-3}") are joined: "2, -3". A response
   that ends in an unclosed box ("\\boxed{12", cut off at the token limit) has no answer.
2. An answer statement AFTER the last box overrides it when it holds a value ("\\boxed{6} per
   batch ... **Answer:** 18" -> 18): "Answer:", "The final answer is", "**Final Answer**" on its
   own line with the value below, "####", "คำตอบ:", "ตอบ:", "คำตอบสุดท้ายคือ", "ดังนั้น คำตอบคือ"
   (see `thaibench.text`). Statements after "check"/"verify"/"ตรวจสอบ" are not commitments.
3. Without a box: the last answer statement with a value.
4. Fallback, deliberately narrow: the last non-empty line (passing over at most two short
   closing lines with no digit, such as "Hope this helps!"); its last `$...$` / `\\(...\\)`
   math, else its last number ("So she makes 9 x 2 = 18 dollars." -> 18). A response whose
   last lines hold no number gives no answer, and the scorer skips this rule for a response
   cut off at the token limit: a wrong answer must not become right by luck.

Example: extract_answer("**คำตอบ:** ๒,๕๐๐ บาท") -> "2500"

Known quirks: in an answer statement without a box the FIRST number counts ("Answer: 18
dollars (9 eggs x $2)" -> 18), so "Answer: in 3 days she has 45" gives 3; Thai transliterated
names (`\\text{Navin}` answered "นาวิน") are not matched; a box group joins with ", ", so
"\\boxed{(1,2)}" and "\\boxed{1}, \\boxed{2}" differ.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from thaibench.scorers import ScoreFn, scorer
from thaibench.scorers._math_clean import LINE_SPACING_RE, clean_answer, matching_brace, number_words
from thaibench.scorers._math_equal import check_equal
from thaibench.text import ANSWER_HEADING_RE, ANSWER_PREFIX_RE, THAI_BARE_ANSWER_RE, THAI_RUN_RE, normalize
from thaibench.types import Generation, Sample, Score

_BOX_RE = re.compile(r"\\(?:boxed|fbox|framebox)(?![A-Za-z])")
_MATH_SEG_RE = re.compile(
    r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|(?<![\\$\d])\$(?![\s$])(.+?)(?<![\\\s])\$|\\\((.+?)\\\)", re.DOTALL)
# What may stand between two boxes of one list: space, math delimiters, commas, and/or, labels.
_BETWEEN_RE = re.compile(
    r"^(?:\s|\$|\\[()\[\]]|[,;&]|\\q?quad|\\text\s*\{\s*(?:and|or|และ|หรือ)\s*\}|\b(?:and|or)\b|และ|หรือ"
    r"|\\(?:text|mathrm)\s*\{\s*[A-Za-z]\s*\}\s*=|[A-Za-z](?:_\{?\w+\}?)?\s*=|\\\\)*$")
_NOT_COMMITMENT_RE = re.compile(r"(?:check|verif|confirm|ตรวจ|ทวน)\w*[\s\w]{0,12}$", re.IGNORECASE)
# Thai letters count as \w, and Thai writes "ได้18บาท": only Latin letters and digits block a match.
_NUMBER_RE = re.compile(
    r"(?<![A-Za-z0-9_.])(?:(?<![A-Za-z0-9_)])-)?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?%?"
    r"|(?<![A-Za-z0-9_.])\.\d+")
_STOP_WORDS = {"correct", "incorrect", "wrong", "right", "below", "above", "follows", "clear", "clearly",
               "verified", "confirmed", "consistent", "valid", "same", "unchanged", "as", "that", "this"}
_MAX_BLOCK_LINES = 40


@dataclass(frozen=True)
class Box:
    start: int
    end: int
    content: str


@dataclass(frozen=True)
class Extraction:
    """The answer and where it came from: "boxed", "statement" or "last line"."""

    answer: str
    source: str


def find_boxes(text: str) -> list[Box]:
    """Outermost closed boxes in order; a box inside a box is part of its content. Scanning
    stops at an unclosed box (see `_cut_off`)."""
    out: list[Box] = []
    pos = 0
    while (m := _BOX_RE.search(text, pos)) is not None:
        j = m.end()
        while j < len(text) and text[j] in " \t":
            j += 1
        if j < len(text) and text[j] == "{":
            close = matching_brace(text, j)
            if close < 0:
                break
            content, end = text[j + 1:close], close + 1
        else:
            bare = re.match(r"[^\s$]+", text[j:])
            if not bare or j == m.end():
                pos = m.end()
                continue
            content, end = bare.group(0), j + bare.end()
        if content.strip():
            out.append(Box(m.start(), end, content))
        pos = end
    return out


def _cut_off(text: str, boxes: list[Box]) -> bool:
    """True when a box opens after the last closed one and never closes (the text was cut)."""
    after = boxes[-1].end if boxes else 0
    m = re.search(r"\\(?:boxed|fbox|framebox)\s*\{", text[after:])
    return m is not None and matching_brace(text, after + m.end() - 1) < 0


def _box_group(text: str, boxes: list[Box]) -> str:
    """The last box plus the boxes written with it as one list, joined with ", "."""
    group = [boxes[-1]]
    for b in reversed(boxes[:-1]):
        between = text[b.end:group[0].start]
        if len(between) > 200 or "\n\n" in between or not _BETWEEN_RE.match(between):
            break
        group.insert(0, b)
    return ", ".join(a for a in (clean_answer(b.content) for b in group) if a)


def _block_end(text: str, pos: int) -> int:
    """End of the line at `pos`, extended while a display/`\\begin` environment or a brace is open."""
    end = pos
    for _ in range(_MAX_BLOCK_LINES):
        nl = text.find("\n", end)
        end = len(text) if nl < 0 else nl
        seg = text[pos:end]
        balanced = (seg.count("$$") % 2 == 0 and seg.count("\\[") <= seg.count("\\]")
                    and seg.count("\\begin") <= seg.count("\\end") and seg.count("{") <= seg.count("}"))
        if balanced or end >= len(text):
            return end
        end += 1
    return end


def _statement_content(text: str, start: int) -> str:
    """The rest of the prefix's line; if that is empty (a heading), the next non-empty block."""
    end = _block_end(text, start)
    if text[start:end].strip(" \t*_:#>$") and text[start:end].strip() not in ("\\[", "$$"):
        return text[start:end]
    nxt = start if text[start:end].strip() in ("\\[", "$$") else end
    while nxt < len(text) and text[nxt] in " \t\n":
        nxt += 1
    return text[start:_block_end(text, nxt)] if nxt < len(text) else ""


def _statements(text: str) -> list[tuple[int, str]]:
    found = []
    for rx in (ANSWER_PREFIX_RE, THAI_BARE_ANSWER_RE, ANSWER_HEADING_RE):
        for m in rx.finditer(text):
            if _NOT_COMMITMENT_RE.search(text[max(0, m.start() - 30):m.start()]):
                continue
            found.append((m.start(), _statement_content(text, m.end())))
    return sorted(found, key=lambda t: t[0])


def _from_number(c: str) -> str:
    """The value in a sentence: after the last "=" when the sentence computes ("9 eggs, 9 x 2 =
    $18" -> 18), else from the first number; cut before the words that follow (units, reasons)."""
    eq = [m.end() for m in re.finditer(r"(?<![<>!\\])=", c)]
    if eq and _NUMBER_RE.search(c, eq[-1]):
        c = c[eq[-1]:]
    m = _NUMBER_RE.search(c)
    if m is None:
        return ""
    c = c[m.start():]
    thai = THAI_RUN_RE.search(c)
    if thai:
        c = c[:thai.end()]
    word = re.search(r"(?<![\\A-Za-z])[A-Za-z]{2,}|\s(?:a|I)\s", c)  # "18 a day", "18 dollars"
    return c[:word.start()] if word else c


def _answer_from_content(content: str) -> str | None:
    boxes = find_boxes(content)
    if boxes:
        return _box_group(content, boxes) or None
    c = number_words(re.sub(r"\*\*|__", " ", content))
    c = re.sub(r"^(?:[\s*_:>#]|-\s)+", "", c).strip()  # quotes, headings, bullets; not a minus
    seg = _MATH_SEG_RE.match(c)
    if seg:
        return clean_answer(next(g for g in seg.groups() if g is not None)) or None
    c = re.split(r"(?<!\\)[!?。]|\.(?=\s|$)|\n", c, maxsplit=1)[0].strip()
    plain_words = re.findall(r"(?<![\\A-Za-z])[A-Za-z]{3,}", c)
    if not THAI_RUN_RE.search(c) and not plain_words and c:
        return clean_answer(c) or None  # mathy: "x = 5", "p - q", "(1, 2)", "1/2"
    seg = _MATH_SEG_RE.search(c)
    if seg:
        return clean_answer(next(g for g in seg.groups() if g is not None)) or None
    if _NUMBER_RE.search(c):
        return clean_answer(_from_number(c)) or None
    words = c.split()
    if 0 < len(words) <= 4 and not THAI_RUN_RE.search(c) and not ({w.lower() for w in words} & _STOP_WORDS):
        return clean_answer(c) or None  # a text answer: "east", "Navin", "(C)"
    return None


def _last_line_answer(text: str) -> str | None:
    pos, blocks = 0, []
    while pos < len(text):
        end = _block_end(text, pos)
        blocks.append(text[pos:end])
        pos = end + 1
    blocks = [b for b in blocks if b.strip() and not re.fullmatch(r"[\s\-*_=#>|]+", b)]
    # A closing pleasantry ("Hope this helps!", "หวังว่าจะช่วยได้นะครับ") may follow the last
    # line that says the result; skip at most two short lines with no digit at all.
    for _ in range(2):
        if len(blocks) > 1 and not re.search(r"\d", blocks[-1]) and len(blocks[-1]) < 100:
            blocks.pop()
    if not blocks:
        return None
    last = blocks[-1]
    segs = [next(g for g in s.groups() if g is not None) for s in _MATH_SEG_RE.finditer(last)]
    for seg in reversed(segs):
        ans = clean_answer(seg)
        if re.search(r"\d", ans):
            return ans
    nums = _NUMBER_RE.findall(last)
    return clean_answer(nums[-1]) if nums else None


def extract(answer_text: str, fallback: bool = True) -> Extraction | None:
    """`extract_answer` with the source of the answer (for score details). `fallback=False`
    turns off the last-line rule (the scorer does so for text cut off at the token limit)."""
    text = normalize(answer_text or "").replace("\u2212", "-")  # U+2212 MINUS SIGN
    if "</think>" in text:  # a caller passed the raw text: only what follows the trace counts
        text = text.rsplit("</think>", 1)[1]
    text = LINE_SPACING_RE.sub(r"\\\\ ", text)
    if not text.strip():
        return None
    boxes = find_boxes(text)
    if _cut_off(text, boxes):
        return None  # "\boxed{12" may have been "\boxed{125}": a cut-off commitment is no answer
    last_box_end = boxes[-1].end if boxes else -1
    for start, content in reversed(_statements(text)):
        if start < last_box_end:
            break
        ans = _answer_from_content(content)
        if ans:
            return Extraction(ans, "statement")
    if boxes:
        ans = _box_group(text, boxes)
        return Extraction(ans, "boxed") if ans else None
    ans = _last_line_answer(text) if fallback else None
    return Extraction(ans, "last line") if ans else None


def extract_answer(answer_text: str) -> str | None:
    """The answer a final answer text commits to, cleaned (see the module docstring); None if none."""
    found = extract(answer_text)
    return found.answer if found else None


@scorer("math_equiv", version="1")
def math_equiv(timeout: float = 10.0) -> ScoreFn:
    """1.0 when the extracted answer equals `sample.target` (a string, or a list of accepted
    strings), else 0.0; NaN for a backend error or an equivalence check that timed out."""

    def score(sample: Sample, gen: Generation) -> Score:
        golds = sample.target if isinstance(sample.target, (list, tuple)) else [sample.target]
        golds = [str(g) for g in golds if g is not None and str(g).strip()]
        if gen.error:
            return Score(math.nan, None, f"backend error: {gen.error}")
        if not golds:
            return Score(math.nan, None, "sample has no gold answer")
        if gen.think_closed is False:
            return Score(0.0, None, "unclosed reasoning trace, no answer")
        # With no trace at all the whole text is the answer (Generation.answer should say so too).
        text = gen.answer if gen.answer or gen.think_closed is not None else gen.text
        # Text cut off at the token limit stopped mid-thought: its last number is no commitment.
        found = extract(text, fallback=gen.finish_reason != "length")
        if found is None:
            why = " (cut off at the token limit)" if gen.finish_reason == "length" else ""
            return Score(0.0, None, f"no answer found{why}", {"gold": golds[0]})
        timed_out = None
        for gold in golds:
            verdict = check_equal(found.answer, gold, timeout=timeout)
            details = {"gold": gold, "source": found.source, "method": verdict.method}
            if verdict.equal:
                return Score(1.0, found.answer, f"{found.answer!r} equals gold {gold!r} ({verdict.method})", details)
            if verdict.equal is None:
                timed_out = (gold, details, verdict.method)
        if timed_out:
            gold, details, method = timed_out
            return Score(math.nan, found.answer, f"equivalence with gold {gold!r} undecided: {method}", details)
        return Score(0.0, found.answer, f"{found.answer!r} differs from gold {golds[0]!r}",
                     {"gold": golds[0], "source": found.source})

    return score
