"""Word-level code-switch rate, only when asked: PyThaiNLP segmentation is far too slow for
the default path (about 0.3 ms per sentence; the letter rate reads MB per second).

The word rate is the share of words (tokens with at least one letter, PyThaiNLP newmm
segmentation) whose first character lies inside a code-switch span. Thai has no spaces
between words, so a letter share over-weights long English words; this rate is the one to
quote when a reader wants "what share of words were in the wrong language".

Example: word_rate(analyse("ผลลัพธ์คือ the answer is 5")) -> 0.6 (3 of 5 words switched).
"""

from __future__ import annotations

import math
from bisect import bisect_right

from thaibench.lang.analyse import LangAnalysis


def word_rate(analysis: LangAnalysis) -> float:
    """Share of words inside spans; NaN when the text has no words with letters."""
    from pythainlp.tokenize import word_tokenize

    starts = [s.start for s in analysis.spans]
    total = switched = 0
    pos = 0
    for token in word_tokenize(analysis.text, engine="newmm", keep_whitespace=False):
        at = analysis.text.find(token, pos)
        if at < 0:  # the tokenizer normalised something: fall back to the running position
            at = pos
        pos = at + len(token)
        if not any(ch.isalpha() for ch in token):
            continue
        total += 1
        i = bisect_right(starts, at) - 1
        if i >= 0 and analysis.spans[i].end > at:
            switched += 1
    return switched / total if total else math.nan
