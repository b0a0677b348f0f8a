"""Extractive QA: exact match and token F1, with Thai segmented into words.

Used by XQuAD (Thai and English). SQuAD's official script (Rajpurkar et al. 2016) splits on
whitespace, which means nothing in Thai: a Thai sentence is one "token", so any answer that is
not letter-for-letter the gold span scores 0 and a partial answer earns no credit. Here Thai
text is segmented with PyThaiNLP's `newmm` dictionary tokenizer; English keeps the official
rules so English numbers stay comparable with published SQuAD/XQuAD figures.

Normalisation, per language of the sample:
- both: NFC, Thai digits to Arabic, lower case;
- en (official SQuAD): drop ASCII punctuation, drop the articles a/an/the, split on whitespace;
- th: segment with newmm, then drop punctuation inside each token (Unicode category P*, so
  "พ.ศ." -> "พศ"; also the abbreviation mark ฯ, "กรุงเทพฯ" -> "กรุงเทพ") and empty tokens. Spaces between Thai words do
  not matter ("สถานีรถไฟ กลาง" == "สถานีรถไฟกลาง").
EM is 1.0 when the token sequences are equal; F1 is the harmonic mean of token precision and
recall (bag of tokens); both take the best over the gold answers. The scorers read only the
final answer (after the reasoning trace) and take the text after an answer prefix
("คำตอบ:", "Answer:") when there is one, without quotes, markup or a final full stop.

Example: f1("สถานีรถไฟ", ["สถานีรถไฟกลางกรุงเทพ"], "th") -> 0.5 (1 of 3 words, all correct);
whitespace tokens would give 0.

Known quirks: newmm segments by dictionary, so an out-of-dictionary name may split differently
in gold and answer when its context differs; transliterated names ("ไทเป" vs "Taipei") never
match.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence

from thaibench.scorers import ScoreFn, scorer
from thaibench.text import normalize, strip_answer_prefix
from thaibench.types import Generation, Sample, Score

_ARTICLES_RE = re.compile(r"\b(a|an|the)\b")
_ASCII_PUNCT = set(string.punctuation)


def _drop_punct(token: str) -> str:
    # ฯ (paiyannoi) abbreviates ("กรุงเทพฯ" is กรุงเทพมหานคร); Unicode files it as a letter.
    return "".join(ch for ch in token if not unicodedata.category(ch).startswith("P") and ch != "ฯ")


def qa_tokens(text: str, lang: str) -> list[str]:
    """The normalised tokens EM and F1 compare; see the module docstring."""
    text = normalize(text).lower()
    if lang == "en":
        text = "".join(ch for ch in text if ch not in _ASCII_PUNCT)
        return _ARTICLES_RE.sub(" ", text).split()
    from pythainlp.tokenize import word_tokenize

    return [t for t in (_drop_punct(tok).strip() for tok in word_tokenize(text, engine="newmm",
                                                                        keep_whitespace=False)) if t]


def exact_match(prediction: str, golds: Sequence[str], lang: str) -> float:
    pred = qa_tokens(prediction, lang)
    return max((float(pred == qa_tokens(g, lang)) for g in golds), default=0.0)


def _f1(pred: list[str], gold: list[str]) -> float:
    if not pred or not gold:
        return float(pred == gold)
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def f1(prediction: str, golds: Sequence[str], lang: str) -> float:
    pred = qa_tokens(prediction, lang)
    return max((_f1(pred, qa_tokens(g, lang)) for g in golds), default=0.0)


def extract_span(answer: str) -> str:
    """The answer span a response commits to: after the last answer prefix, else the last
    non-empty line when the response has several paragraphs, else the whole response."""
    text = normalize(answer).strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        rest = strip_answer_prefix(ln)
        if rest is not None and rest.strip(" *_:"):
            text = rest
            break
    else:
        if len(lines) > 1 and "\n\n" in text:
            text = lines[-1]
    text = re.sub(r"\*\*|__|`", "", text).strip()
    for _ in range(2):  # "\"Denver Broncos\"." -> Denver Broncos
        text = re.sub(r"[.。]+$", "", text.strip("\"'“”‘’«»「」 ")).strip()
    return text


def _build(measure: str) -> ScoreFn:
    def score(sample: Sample, gen: Generation) -> Score:
        if gen.error:
            return Score(math.nan, explanation=f"backend error: {gen.error}")
        if gen.think_closed is False:
            return Score(0.0, None, "unclosed reasoning trace, no answer")
        golds = sample.target["answers"]
        span = extract_span(gen.answer)
        fn = exact_match if measure == "em" else f1
        return Score(fn(span, golds, sample.lang), span, None if span else "empty answer")

    return score


@scorer("qa_exact_match", version="1")
def qa_exact_match() -> ScoreFn:
    return _build("em")


@scorer("qa_f1", version="1")
def qa_f1() -> ScoreFn:
    return _build("f1")
