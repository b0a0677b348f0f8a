"""Spans and runs: how switch units become the spans a user sees.

Neighbouring units of one language merge into one span when nothing of the expected language
(Thai letters for expect="th"; an English clause for expect="en") and no fenced code block
lies between them, so "I hope this helps! Let me know if you have any other questions" is one
span and a Thai sentence with an English term inside it ("ซึ่งหมายความว่า algorithm จะ...") is
one span in an English answer. Han and kana merge into one Japanese span when they meet.
An English span (expect="th") also takes in terms of the same sentence ("Step 1:" before
"Understand the problem") and the numbers that end its clause ("the answer is 60 km/h").
English introduced as a citation ("สำนวน ...", "... แปลว่า ...") is not a switch: it is a
quotation under discussion, accepted like quoted text.

Example: merge_units([(0, 4, "han", -1), (6, 8, "han", -1)], ...) -> one zh span [0, 8)
when the text between holds no Thai letter.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any, NamedTuple

from thaibench.lang.accept import NEUTRAL, PROSE
from thaibench.lang.neutral import FENCE, NUMERIC
from thaibench.lang.scripts import LATIN, SCRIPT_LANG

# A unit: (start, end, script, phrase index or -1 for runs that are not Latin phrases).
Unit = tuple[int, int, str, int]

# Ends a sentence: no neighbouring term is pulled into an English span across it (nor across
# a letter of another script, which would make spans overlap).
_SENTENCE_BREAK = re.compile(rf"[\n{FENCE}]|[.!?。！？](?=\s|$)|[^\W\d_{LATIN}]")
# Trailing numbers of an English clause ("the answer is 60 km/h", "x = 5").
_NUMBER_TAIL = re.compile(rf"(?:[ \t]*[-+=×÷*/^]?[ \t]*(?:\d+(?:[.,:]\d+)*|{NUMERIC}+))*")
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


def any_between(starts: list[int], ends: list[int], a: int, b: int) -> bool:
    """True when some interval (sorted, disjoint) overlaps the gap [a, b)."""
    i = bisect_right(ends, a)
    return i < len(starts) and starts[i] < b


def _group(script: str) -> str:
    return "cjk" if script in ("han", "kana") else script


def merge_units(
    units: list[Unit],
    masked: str,
    text: str,
    phrases: list[list[Any]],
    expect: str,
    content_s: list[int],
    content_e: list[int],
) -> list[Span]:
    """Merge same-language units (sorted) into spans; `content_*` are the expected-language
    stretches that keep two units apart."""
    merged: list[list[Any]] = []  # [start, end, group, scripts, first phrase, last phrase]
    for s, e, script, idx in units:
        grp = _group(script)
        if merged:
            prev = merged[-1]
            if (
                prev[2] == grp
                and masked.find(FENCE, prev[1], s) < 0
                and not any_between(content_s, content_e, prev[1], s)
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


def script_runs(items: list[tuple[int, int, str, int]], masked: str) -> tuple[Run, ...]:
    runs: list[list[Any]] = []
    for s, e, script, _ in items:
        if runs and runs[-1][2] == script and masked.find(FENCE, runs[-1][1], s) < 0:
            runs[-1][1] = e
        else:
            runs.append([s, e, script])
    return tuple(Run(*r) for r in runs)


def is_cited(text: str, sp: Span) -> bool:
    """An English span introduced as a quotation ("สำนวน ...") or glossed ("... แปลว่า")."""
    line_start = text.rfind("\n", 0, sp.start) + 1
    before = text[max(line_start, sp.start - 30) : sp.start]
    return bool(_CITED_BEFORE.search(before) or _CITED_AFTER.match(text, sp.end))
