"""Which writing system a response's letters are in, for `language:response_language` on Thai rows.

IFEval-TH asks for answers in Hindi, Marathi, Kannada, Punjabi, Bengali, Persian, Russian,
Korean, Vietnamese and Swahili. Statistical identifiers confuse languages that share a script
(Hindi/Marathi in Devanagari, Vietnamese/Swahili in Latin) with each other but rarely with other
scripts, and they say nothing about how much Thai leaked into the answer. So a Thai-row verdict
has two parts: seeded langdetect must name the language, and at least `MIN_SHARE` (90%) of the
letters must be in that language's script. Example: a Korean answer with a Thai sentence
appended has a Hangul share well under 90% and fails.

This is a local script table (Unicode block ranges); the project's language analyser can
replace it once it exists. Letters are characters whose Unicode category starts with "L" or
is a combining mark ("M"), so Indic vowel signs count with their script.
"""

from __future__ import annotations

import unicodedata

MIN_SHARE = 0.9

# (first, last) code points per script; enough for the languages IFEval and IFEval-TH ask for.
_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "Latin": ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x1E00, 0x1EFF)),
    "Thai": ((0x0E00, 0x0E7F),),
    "Devanagari": ((0x0900, 0x097F), (0xA8E0, 0xA8FF)),
    "Bengali": ((0x0980, 0x09FF),),
    "Gurmukhi": ((0x0A00, 0x0A7F),),
    "Gujarati": ((0x0A80, 0x0AFF),),
    "Tamil": ((0x0B80, 0x0BFF),),
    "Telugu": ((0x0C00, 0x0C7F),),
    "Kannada": ((0x0C80, 0x0CFF),),
    "Malayalam": ((0x0D00, 0x0D7F),),
    "Arabic": ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    "Hebrew": ((0x0590, 0x05FF),),
    "Cyrillic": ((0x0400, 0x052F),),
    "Greek": ((0x0370, 0x03FF),),
    "Hangul": ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF)),
    "Han": ((0x4E00, 0x9FFF), (0x3400, 0x4DBF)),
    "Kana": ((0x3040, 0x30FF),),
}

LANGUAGE_SCRIPT: dict[str, str] = {
    "en": "Latin", "es": "Latin", "pt": "Latin", "fr": "Latin", "de": "Latin", "it": "Latin",
    "pl": "Latin", "fi": "Latin", "vi": "Latin", "sw": "Latin",
    "hi": "Devanagari", "mr": "Devanagari", "ne": "Devanagari",
    "bn": "Bengali", "pa": "Gurmukhi", "gu": "Gujarati", "ta": "Tamil", "te": "Telugu",
    "kn": "Kannada", "ml": "Malayalam", "ar": "Arabic", "fa": "Arabic", "ur": "Arabic",
    "he": "Hebrew", "ru": "Cyrillic", "uk": "Cyrillic", "bg": "Cyrillic", "ko": "Hangul",
    "th": "Thai", "ja": "Kana", "zh": "Han",
}


def script_of(ch: str) -> str | None:
    cp = ord(ch)
    for name, ranges in _RANGES.items():
        if any(a <= cp <= b for a, b in ranges):
            return name
    return None


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


def script_share(text: str, script: str) -> float | None:
    """Share of letters in `script`; None when the text has no letters. Japanese counts Han
    with Kana, since it is written with both."""
    letters = [ch for ch in text if _is_letter(ch)]
    if not letters:
        return None
    wanted = {script, "Han"} if script == "Kana" else {script}
    return sum(script_of(ch) in wanted for ch in letters) / len(letters)
