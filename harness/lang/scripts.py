"""Script classes and the one regex that finds letter runs: Thai, Latin, Han, kana, Hangul, ...

Why a regex and not a per-character loop: the analyser must read long reasoning traces at
several MB/s on one core, and `re.finditer` walks the text in C. Each match is one run of
letters of one script; a Latin match is a whole phrase (words joined by PHRASE_GAP).

Ranges are Unicode blocks (https://www.unicode.org/charts/). Known quirks, on purpose:
- Thai digits (๐-๙), the baht sign (฿) and Thai punctuation (๏ ๚ ๛) are not Thai letters:
  they are neutral like 0-9. Thai vowel and tone marks are part of Thai runs.
- Latin covers ASCII letters, accented letters (Latin-1, Extended-A/B, Extended Additional)
  and combining accents, so "José", "Mbappé" and "dá'àn" are single Latin words.
- Greek is a script of its own, but runs of at most three Greek letters are math symbols
  (θ, αβ, Δx) and count as neutral (see MAX_GREEK_SYMBOL).

Example: `[(m.lastgroup, m.group()) for m in LETTER_RUN.finditer("ใช้ Python 3 ได้ 这个")]`
-> [("thai", "ใช้"), ("latin", "Python"), ("thai", "ได้"), ("han", "这个")]
"""

from __future__ import annotations

import re

THAI = "\u0e01-\u0e3a\u0e40-\u0e4e"
LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
LATIN_MARKS = "\u0300-\u036f"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006\u3007\U00020000-\U0003134f"
KANA = "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HANGUL = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
CYRILLIC = "\u0400-\u052f"
GREEK = "\u0370-\u03ff\u1f00-\u1fff"
_KNOWN = THAI + LATIN + HAN + KANA + HANGUL + CYRILLIC + GREEK

MAX_GREEK_SYMBOL = 3

# A Latin word may carry an inner apostrophe or hyphen ("let's", "state-of-the-art").
LATIN_WORD = rf"[{LATIN}](?:[{LATIN}{LATIN_MARKS}]|['’\-](?=[{LATIN}]))*"

WORD = re.compile(LATIN_WORD)
# What may sit between two Latin words of one phrase: spaces, commas, dashes, joiners, numbers,
# math operators and masked neutral material (\x00, \x02; see neutral.py). A newline, sentence
# punctuation (. ! ? : ;), quotes and brackets end the phrase. Matching whole phrases here
# (not words) keeps the Python work per phrase, not per word.
# (A number is one unit, "1.5" or "12:30"; its commas are gap characters, so that a failed
# phrase never backtracks through the ways of splitting "1,234,567".)
PHRASE_GAP = r"(?:[ \t\x00\x02,\-–—'’/&+*=×÷<>^%$]|\d+(?:[.:]\d+)*(?![\d]))*"

_LATIN_REST = rf"(?:[{LATIN}{LATIN_MARKS}]|['’\-](?=[{LATIN}]))*"
# The pattern opens with one character class so that the engine skips non-letters (spaces,
# digits, masked neutral material) in C; each branch then checks the script of that first
# character with a lookbehind. Twice as fast as a plain alternation on math-heavy traces.
LETTER_RUN = re.compile(
    rf"[\w{_KNOWN}](?:"
    rf"(?P<thai>(?<=[{THAI}])[{THAI}]*)"
    rf"|(?P<latin>(?<=[{LATIN}]){_LATIN_REST}(?:{PHRASE_GAP}{LATIN_WORD})*)"
    rf"|(?P<han>(?<=[{HAN}])[{HAN}]*)"
    rf"|(?P<kana>(?<=[{KANA}])[{KANA}]*)"
    rf"|(?P<hangul>(?<=[{HANGUL}])[{HANGUL}]*)"
    rf"|(?P<cyrillic>(?<=[{CYRILLIC}])[{CYRILLIC}]*)"
    rf"|(?P<greek>(?<=[{GREEK}])[{GREEK}]*)"
    # Any other letter (Arabic, Devanagari, Lao, ...): \w minus digits/underscore minus the above.
    rf"|(?P<other>(?<![{_KNOWN}])(?<=[^\W\d_])(?:(?![{_KNOWN}])[^\W\d_])*)"
    rf")"
)

THAI_CHAR = re.compile(f"[{THAI}]")

# The language reported for a run of each script (a span's `lang`). Cyrillic is reported as
# "ru" because Russian is by far the commonest Cyrillic leak in model output; Han alone is
# "zh" and becomes "ja" when the same span also holds kana.
SCRIPT_LANG = {
    "thai": "th",
    "latin": "en",
    "han": "zh",
    "kana": "ja",
    "hangul": "ko",
    "cyrillic": "ru",
    "greek": "el",
    "other": "und",
}
