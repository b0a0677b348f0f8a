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
from typing import Any, NamedTuple

from thaibench.lang.accept import NEUTRAL, PROSE, classify, is_variables
from thaibench.lang.neutral import CODE_KINDS, FENCE, MATH_KINDS, NUMERIC, mask_neutral
from thaibench.lang.scripts import LETTER_RUN, MAX_GREEK_SYMBOL, SCRIPT_LANG, THAI, WORD

EXPECTED = ("th", "en")
# Accepted foreign letters (English terms in Thai, quoted Thai in English) may make up at
# most this share of all letters; above it the response is mostly not in the expected
# language and the accepted material is reported as switched.
ACCEPT_THRESHOLD = 0.8
# Parenthesised Thai in an English answer is a gloss ("Songkran (สงกรานต์)") up to this many
# Thai characters; a longer one is a translated sentence and a switch.
MAX_THAI_GLOSS = 15

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
# Ends a sentence: no neighbouring term is pulled into an English span across it.
_SENTENCE_BREAK = re.compile(rf"[\n{FENCE}]|[.!?。！？](?=\s|$)|[{THAI}]")
# Trailing numbers of an English clause ("the answer is 60 km/h", "x = 5").
_NUMBER_TAIL = re.compile(rf"(?:[ \t]*[-+=×÷*/^]?[ \t]*(?:\d+(?:[.,:]\d+)*|{NUMERIC}+))*")
_MATH_SIGN = re.compile(r"[=+×÷^<>≤≥≈√∑∫]")
_HANGUL_SYLLABLE = re.compile("[\uac00-\ud7af]")
# English cited in Thai without quote marks: "คำพูดที่ว่า Try not to ... แปลว่า ...". A sentence
# right after a citing word or right before a "means / translates as" word is a quotation
# under discussion, accepted like quoted text.
_CITED_BEFORE = re.compile(
    r"(?:ที่ว่า|คำว่า|ประโยค|สำนวน|สุภาษิต|วลี|คำพูด|คำคม|ข้อความ|คติพจน์|คำแปล|ตัวอย่าง|เช่น|เรียกว่า)"
    r"[ \t]*[:：]?[ \t]*$"
)
_CITED_AFTER = re.compile(r"[ \t]*[.!?]?[ \t]*(?:แปลว่า|แปลเป็น|แปลได้ว่า|มีความหมายว่า|หมายถึง|หมายความว่า)")


class Run(NamedTuple):
    """A stretch of letters of one script (neutral material inside does not break it)."""

    start: int
    end: int
    script: str


class Span(NamedTuple):
    """A code-switched stretch [start, end) in language `lang` (script(s) in `script`)."""

    start: int
    end: int
    lang: str
    script: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


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


def _any_between(starts: list[int], ends: list[int], a: int, b: int) -> bool:
    """True when some interval (sorted, disjoint) overlaps the gap [a, b)."""
    i = bisect_right(ends, a)
    return i < len(starts) and starts[i] < b


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

    thai_s: list[int] = []
    thai_e: list[int] = []
    phrases: list[list[Any]] = []  # [start, end, words, kind]
    foreign: list[tuple[int, int, str]] = []
    for m in LETTER_RUN.finditer(masked):
        g = m.lastgroup
        s, e = m.span()
        if g == "thai":
            thai_s.append(s)
            thai_e.append(e)
        elif g == "latin":
            phrases.append([s, e, WORD.findall(m.group()), None])
        elif g == "greek" and e - s <= MAX_GREEK_SYMBOL:
            continue  # θ, αβ: math symbols
        elif g == "other" and not m.group().isalpha():
            continue  # ², ₂, ½ and other numeric signs that \w also matches
        elif g == "hangul" and not _HANGUL_SYLLABLE.search(masked, s, e):
            continue  # bare jamo (ㅠㅠ, ㅋㅋ) are emoticons, not Korean words
        else:
            foreign.append((s, e, g))  # type: ignore[arg-type]

    quotes = _regions(_QUOTED, masked) if phrases or (expect == "en" and thai_s) else ([], [])
    parens = _regions(_PARENS, masked) if phrases or (expect == "en" and thai_s) else ([], [])

    def classify_all() -> None:
        for ph in phrases:
            if ph[3] is None:
                ph[3] = classify(
                    ph[2], _inside(quotes, ph[0], ph[1]) >= 0, _inside(parens, ph[0], ph[1]) >= 0
                )

    if expect == "th":
        classify_all()
    else:  # English is expected: only variables are set apart until Thai spans need merging
        for ph in phrases:
            if is_variables(ph[2]):
                ph[3] = NEUTRAL

    # Letter items (start, end, script, letters) and switch units (start, end, group, phrase idx).
    items: list[tuple[int, int, str, int]] = [
        (s, e, "thai", e - s) for s, e in zip(thai_s, thai_e, strict=True)
    ]
    items += [(ph[0], ph[1], "latin", sum(map(len, ph[2]))) for ph in phrases if ph[3] != NEUTRAL]
    items += [(s, e, g, e - s) for s, e, g in foreign]
    items.sort()
    total = sum(it[3] for it in items)
    if total == 0:
        if kinds & CODE_KINDS:
            reason = "code_only"
        elif kinds & MATH_KINDS or phrases or _MATH_SIGN.search(text):
            reason = "math_only"
        else:
            reason = "neutral_only"
        return _result(text, expect, reason)

    units: list[tuple[int, int, str, int]] = [(s, e, g, -1) for s, e, g in foreign]
    accepted: list[tuple[int, int, str, int]] = []
    if expect == "th":
        expected = sum(e - s for s, e in zip(thai_s, thai_e, strict=True))
        for i, ph in enumerate(phrases):
            if ph[3] == PROSE:
                units.append((ph[0], ph[1], "latin", i))
            elif ph[3] != NEUTRAL:
                accepted.append((ph[0], ph[1], "latin", i))
        content_s, content_e = thai_s, thai_e
    else:
        expected = sum(sum(map(len, ph[2])) for ph in phrases if ph[3] != NEUTRAL)
        gloss_thai: dict[int, int] = {}
        for s, e in zip(thai_s, thai_e, strict=True):
            r = _inside(parens, s, e)
            if r >= 0:
                gloss_thai[r] = gloss_thai.get(r, 0) + e - s
        for s, e in zip(thai_s, thai_e, strict=True):
            r = _inside(parens, s, e)
            if _inside(quotes, s, e) >= 0 or (r >= 0 and gloss_thai[r] <= MAX_THAI_GLOSS):
                accepted.append((s, e, "thai", -1))
            else:
                units.append((s, e, "thai", -1))
        if len(units) > 1:  # English prose between two Thai stretches keeps them apart
            classify_all()
        prose = [ph for ph in phrases if ph[3] == PROSE]
        content_s, content_e = [ph[0] for ph in prose], [ph[1] for ph in prose]

    def merge(us: list[tuple[int, int, str, int]]) -> list[Span]:
        return _merge(sorted(us), masked, text, phrases, expect, content_s, content_e)

    def unit_letters(u: tuple[int, int, str, int]) -> int:
        return sum(map(len, phrases[u[3]][2])) if u[3] >= 0 else u[1] - u[0]

    spans = merge(units)
    if expect == "th":
        cited = [sp for sp in spans if sp.lang == "en" and _is_cited(text, sp)]
        if cited:
            spans = [sp for sp in spans if sp not in cited]
            moved = [u for u in units if any(sp.start <= u[0] < sp.end for sp in cited)]
            units = [u for u in units if u not in moved]
            accepted += moved
    real_switch = bool(units)
    accepted_letters = sum(map(unit_letters, accepted))
    if accepted and accepted_letters / (expected + accepted_letters) > threshold:
        spans = merge(units + accepted)
        accepted_letters = 0

    by_script: dict[str, int] = {}
    for it in items:
        by_script[it[2]] = by_script.get(it[2], 0) + it[3]
    starts = [it[0] for it in items]
    switched = 0
    for sp in spans:
        switched += sum(it[3] for it in items[bisect_left(starts, sp.start) : bisect_left(starts, sp.end)])
    if spans:
        reason = "switch" if real_switch else "accepted_over_threshold"
    else:
        reason = "ok"
    return _result(
        text,
        expect,
        reason,
        spans=tuple(spans),
        rate=switched / total,
        letters=total,
        switched_letters=switched,
        accepted_letters=accepted_letters,
        runs=_runs(items, masked),
        script_letters=by_script,
    )


def _group(script: str) -> str:
    return "cjk" if script in ("han", "kana") else script


def _merge(
    units: list[tuple[int, int, str, int]],
    masked: str,
    text: str,
    phrases: list[list[Any]],
    expect: str,
    content_s: list[int],
    content_e: list[int],
) -> list[Span]:
    """Merge same-language units into spans (see the module docstring, step 6)."""
    merged: list[list[Any]] = []  # [start, end, group, scripts, first phrase, last phrase]
    for s, e, script, idx in units:
        grp = _group(script)
        if merged:
            prev = merged[-1]
            if (
                prev[2] == grp
                and masked.find(FENCE, prev[1], s) < 0
                and not _any_between(content_s, content_e, prev[1], s)
            ):
                prev[1] = max(prev[1], e)
                prev[3].add(script)
                if idx >= 0:
                    prev[5] = idx if prev[4] < 0 else max(prev[5], idx)
                    prev[4] = idx if prev[4] < 0 else min(prev[4], idx)
                continue
        merged.append([s, e, grp, {script}, idx, idx])

    spans = []
    for s, e, grp, scripts, first, last in merged:
        if grp == "latin" and expect == "th":
            s, e = _absorb_terms(s, e, first, last, phrases, masked)
            tail = _NUMBER_TAIL.match(masked, e).end()
            while tail > e and text[tail - 1] in " \t.,:;":
                tail -= 1
            e = max(e, tail)
        if grp == "cjk":
            lang = "ja" if "kana" in scripts else "zh"
        else:
            lang = SCRIPT_LANG[grp]
        spans.append(Span(s, e, lang, "+".join(sorted(scripts)), text[s:e]))
    return spans


def _absorb_terms(
    s: int, e: int, first: int, last: int, phrases: list[list[Any]], masked: str
) -> tuple[int, int]:
    """Pull terms of the same sentence into an English span ("Step 1: Understand the problem")."""
    if first < 0:
        return s, e
    j = first - 1
    while (
        j >= 0
        and phrases[j][3] not in (PROSE, NEUTRAL)
        and not _SENTENCE_BREAK.search(masked, phrases[j][1], s)
    ):
        s = phrases[j][0]
        j -= 1
    j = last + 1
    while (
        j < len(phrases)
        and phrases[j][3] not in (PROSE, NEUTRAL)
        and not _SENTENCE_BREAK.search(masked, e, phrases[j][0])
    ):
        e = phrases[j][1]
        j += 1
    return s, e


def _runs(items: list[tuple[int, int, str, int]], masked: str) -> tuple[Run, ...]:
    runs: list[list[Any]] = []
    for s, e, script, _ in items:
        if runs and runs[-1][2] == script and masked.find(FENCE, runs[-1][1], s) < 0:
            runs[-1][1] = e
        else:
            runs.append([s, e, script])
    return tuple(Run(*r) for r in runs)


def _is_cited(text: str, sp: Span) -> bool:
    """An English span introduced as a quotation ("สำนวน ...") or glossed ("... แปลว่า")."""
    line_start = text.rfind("\n", 0, sp.start) + 1
    before = text[max(line_start, sp.start - 30) : sp.start]
    return bool(_CITED_BEFORE.search(before) or _CITED_AFTER.match(text, sp.end))
