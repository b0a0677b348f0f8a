"""`analyse(text, expect)`: verdict, code-switch spans, rate and script runs of one response.

Why: reasoning models answer Thai questions in English or Chinese and switch language
mid-answer; whole-response language ID misses a one-sentence switch and punishes an English
term. This analyser reads the text once (regexes in C, Python work per run of letters only),
so a 30k-token trace costs milliseconds. Rules and examples: docs/language.md.

    >>> a = analyse("Let me analyze this.\\n\\nคำตอบคือ 75 ผล", expect="th")
    >>> a.verdict, a.reason, [(s.lang, s.text) for s in a.spans]
    (False, 'switch', [('en', 'Let me analyze this')])

Steps: (1) blank neutral material (neutral.py); (2) find letter runs per script
(scripts.py); (3) group Latin words into phrases and classify each as prose, term, quoted,
gloss or variable (accept.py); (4) collect switch units: for expect="th", English prose and
every Han, kana, Hangul, Cyrillic or other-script run; for expect="en", every Thai run not
quoted and not a short parenthesised gloss, and every other-script run; (5) if accepted
foreign letters exceed ACCEPT_THRESHOLD of the letters, the accepted material is switched
too; (6) merge neighbouring units of one language when nothing of the expected language and
no code block lies between them; English spans also take in neighbouring terms of the same
sentence and trailing numbers.

Defined verdicts for degenerate input (`reason`): "empty" and "whitespace_only" -> False (an
empty answer is not in any language); "code_only", "math_only", "neutral_only" (no letters
outside code, math, digits, punctuation or emoji) -> True (nothing left the expected
language); "ok" -> True; "switch" and "accepted_over_threshold" -> False. `rate` is NaN when
there are no letters. Bytes are decoded as UTF-8 with replacement, lone surrogates become
U+FFFD (same length, offsets hold), so invalid backend output never raises.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

from thaibench.lang.accept import NEUTRAL, PROSE, classify, is_variables
from thaibench.lang.neutral import CODE_KINDS, MATH_KINDS, mask_neutral
from thaibench.lang.scripts import LETTER_RUN, MAX_GREEK_SYMBOL, THAI, WORD
from thaibench.lang.spans import Run, Span, Unit, is_cited, merge_units, script_runs

EXPECTED = ("th", "en")
# Accepted foreign letters (English terms in Thai, quoted Thai in English) may make up at
# most this share of all letters; above it the response is mostly not in the expected
# language and the accepted material is reported as switched.
ACCEPT_THRESHOLD = 0.8
# Parenthesised Thai in an English answer is a gloss ("Songkran (สงกรานต์)") when it is one
# unbroken Thai word group of at most MAX_THAI_GLOSS characters ("(การสังเคราะห์ด้วยแสง)"), or
# several of at most MAX_THAI_GLOSS_SHORT in all; Thai separates clauses with spaces, so a
# spaced, longer stretch is a translated sentence and a switch.
MAX_THAI_GLOSS = 30
MAX_THAI_GLOSS_SHORT = 15

VERDICT_BY_REASON = {
    "ok": True,
    "code_only": True,
    "math_only": True,
    "neutral_only": True,
    "switch": False,
    "accepted_over_threshold": False,
    "empty": False,
    "whitespace_only": False,
}

_SURROGATE = re.compile("[\ud800-\udfff]")
_QUOTED = re.compile(
    r'"[^"\n]{1,400}"|“[^”\n]{1,400}”|‘[^’\n]{1,400}’|«[^»\n]{1,400}»|「[^」\n]{1,400}」'
    # The single-quote branch checks the character before the quote after consuming it, so
    # that every branch starts with a literal and the engine can skip ahead (5x faster).
    rf"|『[^』\n]{{1,400}}』|'(?<![A-Za-z{THAI}]')[^'\n]{{1,200}}'(?![A-Za-z])"
)
_PARENS = re.compile(r"\([^()\n]{1,300}\)|（[^（）\n]{1,300}）")
_MATH_SIGN = re.compile(r"[=+×÷^<>≤≥≈√∑∫]")
_HANGUL_SYLLABLE = re.compile("[\uac00-\ud7af]")


@dataclass(frozen=True)
class LangAnalysis:
    """The analyser's result; `to_dict()` is what records and `thaibench lang` print."""

    expect: str
    verdict: bool
    reason: str
    spans: tuple[Span, ...]
    rate: float  # switched letters / all counted letters; NaN when there are none
    letters: int
    switched_letters: int
    accepted_letters: int  # tolerated foreign letters (terms, quotes, glosses)
    runs: tuple[Run, ...]
    text: str
    script_letters: dict[str, int] = field(default_factory=dict)  # letters counted per script

    def to_dict(self) -> dict[str, Any]:
        return {
            "expect": self.expect,
            "verdict": self.verdict,
            "reason": self.reason,
            "rate": None if math.isnan(self.rate) else round(self.rate, 6),
            "letters": self.letters,
            "switched_letters": self.switched_letters,
            "accepted_letters": self.accepted_letters,
            "spans": [s.to_dict() for s in self.spans],
        }


def clean_text(text: str | bytes | bytearray | None) -> str:
    """Decode bytes (invalid UTF-8 replaced) and replace lone surrogates, keeping offsets."""
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", errors="replace")
    if _SURROGATE.search(text):
        return _SURROGATE.sub("\ufffd", text)
    return text


def _result(text: str, expect: str, reason: str, **kw: Any) -> LangAnalysis:
    fields: dict[str, Any] = dict(
        spans=(), rate=math.nan, letters=0, switched_letters=0, accepted_letters=0, runs=()
    )
    fields.update(kw)
    return LangAnalysis(expect=expect, verdict=VERDICT_BY_REASON[reason], reason=reason, text=text, **fields)


def _regions(pattern: re.Pattern[str], masked: str) -> tuple[list[int], list[int]]:
    starts, ends = [], []
    for m in pattern.finditer(masked):
        s, e = m.span()
        starts.append(s)
        ends.append(e)
    return starts, ends


def _inside(regions: tuple[list[int], list[int]], s: int, e: int) -> int:
    """Index of the region holding [s, e), or -1."""
    i = bisect_right(regions[0], s) - 1
    return i if i >= 0 and regions[1][i] >= e else -1


class _Scan:
    """Letter material of one masked text: Thai runs, Latin phrases, other-script runs."""

    def __init__(self, masked: str, expect: str) -> None:
        self.masked = masked
        self.thai_s: list[int] = []
        self.thai_e: list[int] = []
        self.phrases: list[list[Any]] = []  # [start, end, words, kind]
        self.foreign: list[Unit] = []
        for m in LETTER_RUN.finditer(masked):
            g = m.lastgroup
            s, e = m.span()
            if g == "thai":
                self.thai_s.append(s)
                self.thai_e.append(e)
            elif g == "latin":
                self.phrases.append([s, e, WORD.findall(m.group()), None])
            elif g == "greek" and e - s <= MAX_GREEK_SYMBOL:
                continue  # θ, αβ: math symbols
            elif g == "other" and not m.group().isalpha():
                continue  # ², ₂, ½ and other numeric signs that \w also matches
            elif g == "hangul" and not _HANGUL_SYLLABLE.search(masked, s, e):
                continue  # bare jamo (ㅠㅠ, ㅋㅋ) are emoticons, not Korean words
            else:
                self.foreign.append((s, e, str(g), -1))
        needs_regions = bool(self.phrases) or (expect == "en" and bool(self.thai_s))
        self.quotes = _regions(_QUOTED, masked) if needs_regions else ([], [])
        self.parens = _regions(_PARENS, masked) if needs_regions else ([], [])
        if expect == "th":
            self.classify()
        else:  # English is expected: only variables are set apart until Thai spans need merging
            for ph in self.phrases:
                if is_variables(ph[2]):
                    ph[3] = NEUTRAL

    def classify(self) -> None:
        for ph in self.phrases:
            if ph[3] is None:
                s, e = ph[0], ph[1]
                ph[3] = classify(ph[2], _inside(self.quotes, s, e) >= 0, _inside(self.parens, s, e) >= 0)

    def items(self) -> list[tuple[int, int, str, int]]:
        """Every counted stretch of letters, sorted: (start, end, script, letters)."""
        items = [(s, e, "thai", e - s) for s, e in zip(self.thai_s, self.thai_e, strict=True)]
        items += [(p[0], p[1], "latin", sum(map(len, p[2]))) for p in self.phrases if p[3] != NEUTRAL]
        items += [(s, e, g, e - s) for s, e, g, _ in self.foreign]
        items.sort()
        return items

    def phrase_letters(self, u: Unit) -> int:
        return sum(map(len, self.phrases[u[3]][2])) if u[3] >= 0 else u[1] - u[0]


def _split_th(scan: _Scan) -> tuple[list[Unit], list[Unit], int, list[int], list[int]]:
    """Expect Thai: English prose and other scripts switch; terms, quotes, glosses are accepted."""
    units, accepted = list(scan.foreign), []
    for i, ph in enumerate(scan.phrases):
        if ph[3] == PROSE:
            units.append((ph[0], ph[1], "latin", i))
        elif ph[3] != NEUTRAL:
            accepted.append((ph[0], ph[1], "latin", i))
    expected = sum(e - s for s, e in zip(scan.thai_s, scan.thai_e, strict=True))
    return units, accepted, expected, scan.thai_s, scan.thai_e


def _split_en(scan: _Scan) -> tuple[list[Unit], list[Unit], int, list[int], list[int]]:
    """Expect English: Thai switches unless quoted or a short parenthesised gloss."""
    units, accepted = list(scan.foreign), []
    in_parens: dict[int, list[int]] = {}  # [Thai letters, Thai runs] per parenthesised region
    for s, e in zip(scan.thai_s, scan.thai_e, strict=True):
        r = _inside(scan.parens, s, e)
        if r >= 0:
            acc = in_parens.setdefault(r, [0, 0])
            acc[0] += e - s
            acc[1] += 1
    gloss = {
        r: n <= MAX_THAI_GLOSS_SHORT or (runs == 1 and n <= MAX_THAI_GLOSS)
        for r, (n, runs) in in_parens.items()
    }
    for s, e in zip(scan.thai_s, scan.thai_e, strict=True):
        r = _inside(scan.parens, s, e)
        if _inside(scan.quotes, s, e) >= 0 or (r >= 0 and gloss[r]):
            accepted.append((s, e, "thai", -1))
        else:
            units.append((s, e, "thai", -1))
    if len(units) > 1:  # English prose between two Thai stretches keeps them apart
        scan.classify()
    prose = [ph for ph in scan.phrases if ph[3] == PROSE]
    expected = sum(sum(map(len, ph[2])) for ph in scan.phrases if ph[3] != NEUTRAL)
    return units, accepted, expected, [ph[0] for ph in prose], [ph[1] for ph in prose]


def analyse(
    text: str | bytes | None, expect: str = "th", *, threshold: float = ACCEPT_THRESHOLD
) -> LangAnalysis:
    """Analyse one response for the expected language ("th" or "en")."""
    if expect not in EXPECTED:
        raise ValueError(f"expected language must be one of {EXPECTED}, not {expect!r}")
    text = clean_text(text)
    if not text:
        return _result(text, expect, "empty")
    if text.isspace():
        return _result(text, expect, "whitespace_only")
    masked, kinds = mask_neutral(text)
    scan = _Scan(masked, expect)
    items = scan.items()
    total = sum(it[3] for it in items)
    if total == 0:
        if kinds & CODE_KINDS:
            return _result(text, expect, "code_only")
        if kinds & MATH_KINDS or scan.phrases or _MATH_SIGN.search(text):
            return _result(text, expect, "math_only")
        return _result(text, expect, "neutral_only")

    units, accepted, expected, content_s, content_e = (_split_th if expect == "th" else _split_en)(scan)

    def merge(us: list[Unit]) -> list[Span]:
        return merge_units(sorted(us), masked, text, scan.phrases, expect, content_s, content_e)

    spans = merge(units)
    cited = [sp for sp in spans if expect == "th" and sp.lang == "en" and is_cited(text, sp)]
    if cited:
        spans = [sp for sp in spans if sp not in cited]
        moved = {u for u in units if any(sp.start <= u[0] < sp.end for sp in cited)}
        units = [u for u in units if u not in moved]
        accepted += moved
    real_switch = bool(units)
    accepted_letters = sum(map(scan.phrase_letters, accepted))
    if accepted and accepted_letters / (expected + accepted_letters) > threshold:
        spans = merge(units + accepted)
        accepted_letters = 0

    starts = [it[0] for it in items]
    switched = sum(
        it[3] for sp in spans for it in items[bisect_left(starts, sp.start) : bisect_left(starts, sp.end)]
    )
    by_script: dict[str, int] = {}
    for it in items:
        by_script[it[2]] = by_script.get(it[2], 0) + it[3]
    return _result(
        text,
        expect,
        ("switch" if real_switch else "accepted_over_threshold") if spans else "ok",
        spans=tuple(spans),
        rate=switched / total,
        letters=total,
        switched_letters=switched,
        accepted_letters=accepted_letters,
        runs=script_runs(items, masked),
        script_letters=by_script,
    )


__all__ = ["ACCEPT_THRESHOLD", "EXPECTED", "LangAnalysis", "Run", "Span", "analyse", "clean_text"]
