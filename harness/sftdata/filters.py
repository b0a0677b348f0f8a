"""Row filters for SFT data: trace present, lengths, languages, exact and near duplicates.

Why: the recipe's data must teach "Thai question -> English trace -> Thai answer"; a row whose
answer drifted to English, whose translation failed, or that repeats another row teaches the
wrong thing. Each filter is a named rule; the builder counts how many rows each removed and
the data card lists them.

Languages come from the project's analyser (thaibench.lang), read both ways: the text is
analysed as Thai and as English (`trace_language`, which counts accepted terms and quotes for
the language around them). Both agreeing, or one being undecided ("mixed"/"none"), gives the
language; two different languages give "mixed". So "โจทย์: หาค่า x เมื่อ 2x + 3 = 7" is Thai,
"Let x be the price (ราคา)" is English, and a half-Thai, half-English paragraph is mixed.

Near duplicates: MinHash (64 permutations) over character 5-grams of the normalised question
(lower case, NFC, whitespace removed; characters, not words, because Thai has no spaces),
banded 16 x 4 for candidates, then confirmed with the exact Jaccard similarity >= threshold
(default 0.8). The first row wins, in source order. Deterministic (crc32 hashing, fixed seeds).

Example:
    lang_of("จงหาค่าของ 7 + 5")  # -> "th"
    near_duplicates(["What is 7 + 5?", "what is 7+5 ?", "Name a colour."])  # -> {1}
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from functools import lru_cache

from thaibench.sftdata.rows import Example

NGRAM = 5
PERMUTATIONS = 64
BANDS = 16
_SPACE = re.compile(r"\s+")
_MERSENNE = (1 << 61) - 1


@lru_cache(maxsize=65536)
def lang_of(text: str) -> str:
    """"th", "en", another language code, "mixed", or "none" (no letters)."""
    from thaibench.lang import analyse
    from thaibench.scorers.lang import trace_language

    if not text or not text.strip():
        return "none"
    a, _ = trace_language(analyse(text, "en"))
    b, _ = trace_language(analyse(text, "th"))
    if a == b:
        return a
    undecided = ("mixed", "none")
    if a in undecided:
        return b
    if b in undecided:
        return a
    return "mixed"


def langs(ex: Example) -> dict[str, str]:
    return {"question": lang_of(ex.question), "answer": lang_of(ex.answer),
            "trace": lang_of(ex.trace) if ex.trace else "none"}


def _allowed(value: str | Sequence[str]) -> set[str]:
    return {value} if isinstance(value, str) else set(value)


def check(ex: Example, rules: dict, tokens: int | None = None) -> str | None:
    """The name of the first filter `ex` fails, or None. Rule keys: see FILTER_KEYS."""
    if rules.get("require_trace") and not ex.trace:
        return "require_trace"
    size = len(ex.question) + len(ex.answer) + len(ex.trace or "")
    if rules.get("min_chars") is not None and size < rules["min_chars"]:
        return "min_chars"
    if rules.get("max_chars") is not None and size > rules["max_chars"]:
        return "max_chars"
    if rules.get("max_tokens") is not None and tokens is not None and tokens > rules["max_tokens"]:
        return "max_tokens"
    for part in ("question", "answer", "trace"):
        want = rules.get(f"{part}_lang")
        if want is None:
            continue
        text = getattr(ex, part) or ""
        if lang_of(text) not in _allowed(want):
            return f"{part}_lang"
    if rules.get("answer_lang_matches_question") and lang_of(ex.answer) != lang_of(ex.question):
        return "answer_lang_matches_question"
    return None


FILTER_KEYS = ("require_trace", "min_chars", "max_chars", "max_tokens", "question_lang", "answer_lang",
               "trace_lang", "answer_lang_matches_question")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).lower()).strip()


def exact_key(ex: Example) -> str:
    return normalise(ex.question) + "\x00" + normalise(ex.answer)


def shingles(text: str) -> set[int]:
    # Spaces are dropped: Thai spaces clauses, not words, and "7+5" vs "7 + 5" is no difference.
    t = normalise(text).replace(" ", "")
    if len(t) <= NGRAM:
        return {zlib.crc32(t.encode())}
    return {zlib.crc32(t[i:i + NGRAM].encode()) for i in range(len(t) - NGRAM + 1)}


def _minhash(sh: set[int], a: object, b: object) -> tuple[int, ...]:
    import numpy as np

    x = np.fromiter(sh, dtype=np.uint64, count=len(sh))
    # x is a crc32 (< 2**32) and a, b < 2**31, so a * x + b < 2**64: exact in uint64.
    h = (a[:, None] * x[None, :] + b[:, None]) % np.uint64(_MERSENNE)  # type: ignore[index]
    return tuple(int(v) for v in h.min(axis=1))


def near_duplicates(texts: Sequence[str], threshold: float = 0.8) -> set[int]:
    """Indexes of texts whose Jaccard similarity to an EARLIER kept text is >= threshold."""
    import numpy as np

    rng = np.random.default_rng(12345)
    a = rng.integers(1, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
    b = rng.integers(0, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
    rows = PERMUTATIONS // BANDS
    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    kept_sh: dict[int, set[int]] = {}
    dropped: set[int] = set()
    for i, text in enumerate(texts):
        sh = shingles(text)
        sig = _minhash(sh, a, b)
        keys = [(band, sig[band * rows:(band + 1) * rows]) for band in range(BANDS)]
        seen = {j for k in keys for j in buckets.get(k, ())}
        if any(len(sh & kept_sh[j]) / len(sh | kept_sh[j]) >= threshold for j in sorted(seen)):
            dropped.add(i)
            continue
        kept_sh[i] = sh
        for k in keys:
            buckets.setdefault(k, []).append(i)
    return dropped
