"""Thai-aware counting for IFEval-TH: words, sentences, keyword occurrences, first words.

Thai is written without spaces between words, so the reference IFEval rules (`\\w+` words,
NLTK's English sentence model, `\\b` word boundaries) miscount it: Python's `\\w` does not even
match Thai vowel and tone marks, so "ที่นี่" counts as several "words". These rules use PyThaiNLP
(Apache-2.0) `newmm` dictionary segmentation instead.

Rules (each is exercised by the reader-written table in tests/test_ifeval_thai.py):
- Text is normalised first: NFC, sara am typed as nikhahit + sara aa ("ํา") becomes "ำ", and
  zero-width characters are removed. A reader sees no difference between these forms.
- A word is a newmm token holding a letter or digit; whitespace, punctuation and a lone ไม้ยมก
  (ๆ, which belongs to the word before it) are not words. "ราคา 500 บาท" has 3 words.
- Sentences: a line break, or [.!?…] followed by a space, ends a sentence, except after an
  abbreviation ("พ.ศ.", "ป.ล.", "ดร.", "Mr."). A space between two Thai letters also ends one
  (Thai marks sentence ends with a space), unless it sits beside ๆ, or the next chunk opens with
  a linking word ("และ", "แต่", "เพราะ", ...) or the previous one ends with one ("เช่น", "ที่", ...).
  List markers ("1.", "*") are not sentences. Spaces around Latin words and numbers never split.
- A keyword occurs where the text holds it and each of its two edges is either a word
  boundary of the segmentation (with the keyword added to the dictionary) or splits the word
  it falls in into two dictionary words. So "บ้า" is not in "บ้าน" and "มี" is not in
  "มีนาคม", while "ประสิทธิภาพ" is in "มีประสิทธิภาพ" and "เรา" in "พวกเรา". Latin letters
  ignore case.

Known deviations (documented tolerance): a keyword inside an opaque compound of two dictionary
words still counts ("เมือง" in "การเมือง", "เนื้อ" in "เนื้อหา", "สุด" in "สุดท้าย"); the
PyThaiNLP dictionary sometimes merges two words ("กันที่"), so word counts can be one lower than a
reader's; an enumeration written with spaces ("มะม่วง มังคุด") may count as several sentences.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

_THAI_LETTER = re.compile(r"[\u0e01-\u0e4e]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SARA_AM = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")
MAI_YAMOK = "\u0e46"

# Words that join the chunk after them to the chunk before (conjunctions, prepositions,
# relative words, final particles) when the two are separated by a space.
_LINK_NEXT = frozenset(
    "และ แต่ หรือ ซึ่ง ที่ เพราะ เพื่อ โดย จึง แล้ว ก็ ว่า จาก ถ้า หาก ขณะ ขณะที่ ทั้ง รวมถึง "
    "เช่น ได้แก่ คือ กับ แก่ ของ ใน ให้ จน จนกระทั่ง ตั้งแต่ ถึง หรือไม่ ไม่ว่า ตลอดจน อีกทั้ง "
    "ครับ ค่ะ คะ นะ จ้ะ จ้า ล่ะ เถอะ ด้วย".split()
)
_LINK_PREV = frozenset(
    "และ แต่ หรือ ซึ่ง ที่ เพราะ เพื่อ โดย ว่า จาก ถ้า หาก เมื่อ ขณะ เช่น ได้แก่ คือ กับ แก่ ของ ใน "
    "ให้ จน ตั้งแต่ ถึง ตลอดจน อีกทั้ง รวมถึง".split()
)
_ABBREV_THAI = re.compile(r"^(?:[\u0e01-\u0e2e]{1,2}\.)+$")
_ABBREV_LATIN = frozenset("mr mrs ms dr st jr sr vs etc e.g i.e prof no fig".split())
_LIST_MARKER = re.compile(r"^\s*(?:#+|>+|[-*+•]|\d+[.)]|[\u0e01-\u0e2e][.)])\s+")
_END_PUNCT = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")


def normalize(text: str) -> str:
    """NFC, sara am repaired, zero-width characters removed (see module docstring)."""
    text = unicodedata.normalize("NFC", text)
    text = _SARA_AM.sub("\\1\u0e33", text)
    return _ZERO_WIDTH.sub("", text)


def has_thai(text: str) -> bool:
    return bool(_THAI_LETTER.search(text))


class _Segmenter:
    """newmm over PyThaiNLP's word list, with extra words added for one call at a time.

    Building a dictionary trie takes about half a second, so one trie is kept and a keyword
    is added for the duration of a call (under a lock) instead of building a trie per keyword.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._trie = None
        self._words: frozenset[str] = frozenset()

    def _load(self) -> None:
        if self._trie is None:
            from pythainlp.corpus import thai_words
            from pythainlp.util import Trie

            self._words = thai_words()
            self._trie = Trie(self._words)

    @property
    def words(self) -> frozenset[str]:
        with self._lock:
            self._load()
        return self._words

    def tokens(self, text: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        from pythainlp.tokenize import word_tokenize

        with self._lock:
            self._load()
            added = [w for w in extra if w.strip() and w not in self._trie]
            for w in added:
                self._trie.add(w)
            try:
                toks = word_tokenize(text, custom_dict=self._trie, engine="newmm", keep_whitespace=True)
            finally:
                for w in added:
                    self._trie.remove(w)
        if "".join(toks) != text:  # offsets below rely on tokens tiling the text
            raise RuntimeError("newmm tokens do not reproduce the text")
        return tuple(toks)


_SEGMENTER = _Segmenter()


@lru_cache(maxsize=4096)
def tokens(text: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """newmm tokens of `text` (already normalised), whitespace kept, `extra` words added."""
    return _SEGMENTER.tokens(text, extra)


def _is_word(token: str) -> bool:
    core = token.replace(MAI_YAMOK, "").replace("\u0e2f", "")  # lone ๆ / ฯ are not words
    return any(ch.isalnum() for ch in core) or token == "ฯลฯ"


def count_words(text: str) -> int:
    """Number of words as a Thai reader counts them (see module docstring)."""
    text = normalize(text)
    if not text.strip():
        return 0
    return sum(1 for t in tokens(text) if _is_word(t))


# --- sentences ------------------------------------------------------------------------------


def _opens_with(chunk: str, links: frozenset[str]) -> bool:
    """Does the chunk open with a linking word, alone or fused with the next word ("แล้วไป")?"""
    toks = [t for t in tokens(chunk) if t.strip()]
    first, words = (toks[0] if toks else ""), _SEGMENTER.words
    return first in links or any(first.startswith(w) and first[len(w):] in words for w in links)


def _closes_with(chunk: str, links: frozenset[str]) -> bool:
    toks = [t for t in tokens(chunk) if t.strip()]
    last, words = (toks[-1] if toks else ""), _SEGMENTER.words
    return last in links or any(last.endswith(w) and last[:-len(w)] in words for w in links)


def _is_abbreviation(word: str) -> bool:
    if _ABBREV_THAI.match(word):
        return True
    bare = word.lower().rstrip(".")
    return bare in _ABBREV_LATIN or (len(bare) == 1 and bare.isalpha() and bare.isascii())


def _split_punct(line: str) -> list[str]:
    """Split a line after sentence-final punctuation that is followed by a space."""
    parts, start = [], 0
    for m in _END_PUNCT.finditer(line):
        before = line[:m.end()].split()
        word = before[-1] if before else ""
        if m.group().startswith(".") and _is_abbreviation(word.rstrip("\"'”’)]")):
            continue
        parts.append(line[start:m.end()])
        start = m.end()
    parts.append(line[start:])
    return parts


def _split_spaces(chunk: str) -> list[str]:
    """Split at spaces between two Thai letters, unless a linking word or ๆ joins them."""
    pieces = re.split(r"(\s+)", chunk)
    out = [pieces[0]]
    for i in range(1, len(pieces) - 1, 2):
        before, after = out[-1], pieces[i + 1]
        split = (
            bool(before) and bool(after)
            and _THAI_LETTER.match(before[-1]) is not None and _THAI_LETTER.match(after[0]) is not None
            and MAI_YAMOK not in (before[-1], after[0])
            and not _ABBREV_THAI.match(after.split()[0] if after.split() else "")
            and not _opens_with(after, _LINK_NEXT)
            and not _closes_with(before, _LINK_PREV)
        )
        if split:
            out.append(after)
        else:
            out[-1] = before + pieces[i] + after
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of a Thai (or mixed) text by the rules in the module docstring."""
    out = []
    for line in normalize(text).splitlines():
        line = _LIST_MARKER.sub("", line)
        for part in _split_punct(line):
            for sent in _split_spaces(part.strip()):
                if any(ch.isalnum() for ch in sent):
                    out.append(sent.strip())
    return out


def count_sentences(text: str) -> int:
    return len(split_sentences(text))


# --- keywords and first words ---------------------------------------------------------------


def _spans(toks: tuple[str, ...]) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for t in toks:
        spans.append((pos, pos + len(t)))
        pos += len(t)
    return spans


def _is_words(part: str, words: frozenset[str], many: bool) -> bool:
    """Is `part` one dictionary word (2+ characters), or, when `many`, a run of them?"""
    if len(part) >= 2 and part in words:
        return True
    if not many:
        return False
    toks = tokens(part)
    return len(toks) > 1 and all(len(t) >= 2 and t in words for t in toks)


def _edge_ok(pos: int, spans: list[tuple[int, int]], text: str, side: str, keyword: str) -> bool:
    """Is `pos` a word edge: a token boundary, or a split of its token whose part outside the
    keyword is made of dictionary words (one word for keywords under 4 characters, since short
    words turn up inside unrelated longer ones: "มี" in "มีนาคม")."""
    if not has_thai(keyword):  # Latin and other keywords: edges between letters of one script
        near = text[pos - 1] if side == "start" and pos > 0 else text[pos] if side == "end" and pos < len(text) else ""
        return not near or not (near.isalnum() and not has_thai(near))
    words = _SEGMENTER.words
    for a, b in spans:
        if pos == a or pos == b:
            return True
        if a < pos < b:
            rest = text[a:pos] if side == "start" else text[pos:b]
            return _is_words(rest, words, many=len(keyword) >= 4)
    return pos == len(text)


def _prepare(text: str, word: str) -> tuple[str, str]:
    return normalize(text).lower(), normalize(word).strip().lower()


def count_keyword(text: str, keyword: str) -> int:
    """Occurrences of `keyword` as a word (see module docstring); Latin letters ignore case."""
    text, keyword = _prepare(text, keyword)
    if not keyword or keyword not in text:
        return 0
    spans = _spans(tokens(text, (keyword,)))
    count, pos = 0, text.find(keyword)
    while pos >= 0:
        end = pos + len(keyword)
        if _edge_ok(pos, spans, text, "start", keyword) and _edge_ok(end, spans, text, "end", keyword):
            count += 1
            pos = text.find(keyword, end)
        else:
            pos = text.find(keyword, pos + 1)
    return count


_LEADING_MARKUP = "\"'“”‘’*_#>` \t"


def starts_with_word(paragraph: str, word: str) -> bool:
    """Does the paragraph open with `word` as a word? Leading quotes and markdown emphasis or
    heading marks are skipped ("**สรุป** ..." starts with "สรุป")."""
    text, word = _prepare(paragraph, word)
    text = text.strip().lstrip(_LEADING_MARKUP)
    if not word or not text.startswith(word):
        return False
    return _edge_ok(len(word), _spans(tokens(text, (word,))), text, "end", word)


def capital_words(text: str) -> int:
    """Words written in capitals; Thai has no case, so only cased scripts can count."""
    return sum(1 for t in tokens(normalize(text)) if t.isupper())
