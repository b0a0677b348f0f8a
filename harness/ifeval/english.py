"""The reference IFEval text rules for English rows: NLTK tokenisation and seeded langdetect.

Google's IFEval (arXiv:2311.07911, Apache-2.0; the copy read is the one lm-eval 0.4.13 ships in
`lm_eval/tasks/ifeval/`) counts words as `\\w+` runs, sentences with NLTK's Punkt English model,
capital words with `nltk.word_tokenize`, and languages with `langdetect`. These are reproduced
here with the same libraries so that English verdicts equal the reference's exactly.

Quirks kept on purpose (published numbers depend on them):
- Punkt does not split at line breaks: "Title\\nFirst sentence." is one sentence.
- `\\w+` splits "don't" into two words and does not match Thai vowel marks.
- langdetect is random unless seeded; the reference never seeds it, so its verdicts can change
  between runs. Here every detection uses seed 0 (`DetectorFactory.seed = 0` gives the same
  result in the reference), with a private factory so the global one is left alone.

Data: Punkt needs NLTK's `punkt_tab` English files, which NLTK downloads at run time. They are
looked for in NLTK's usual places (`NLTK_DATA`, ~/nltk_data, ...) and in `$THAIBENCH_DATA_DIR/nltk_data`.
Versions: verdicts were checked against nltk 3.10.4 and langdetect 1.0.9.
"""

from __future__ import annotations

import os
import re
import threading
from functools import lru_cache

from thaibench.errors import UserError

LANGDETECT_SEED = 0
_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    """Reference word count: runs of `\\w` (NLTK RegexpTokenizer(r"\\w+") is re.findall)."""
    return len(_WORD.findall(text))


@lru_cache(maxsize=1)
def _nltk():  # type: ignore[no-untyped-def]
    try:
        import nltk
    except ImportError as exc:  # pragma: no cover - nltk is a declared dependency
        raise UserError("IFEval English scoring needs nltk (pip install 'nltk==3.10.4')") from exc
    extra = os.path.join(os.environ.get("THAIBENCH_DATA_DIR", ""), "nltk_data")
    if os.environ.get("THAIBENCH_DATA_DIR") and os.path.isdir(extra) and extra not in nltk.data.path:
        nltk.data.path.append(extra)
    try:
        nltk.data.find("tokenizers/punkt_tab/english/")
    except LookupError as exc:
        raise UserError(
            "IFEval English scoring needs NLTK's punkt_tab English model: set NLTK_DATA to a folder "
            "holding tokenizers/punkt_tab/english, or run `python -m nltk.downloader punkt_tab`"
        ) from exc
    return nltk


@lru_cache(maxsize=1)
def _punkt():  # type: ignore[no-untyped-def]
    from nltk.tokenize.punkt import PunktTokenizer

    _nltk()
    return PunktTokenizer("english")


def count_sentences(text: str) -> int:
    """Reference sentence count: NLTK Punkt, English parameters."""
    return len(_punkt().tokenize(text))


def word_tokenize(text: str) -> list[str]:
    """Reference tokens for capital-word counting: `nltk.word_tokenize` (Punkt + Treebank)."""
    return _nltk().word_tokenize(text)


class _Detector:
    """langdetect with a fixed seed and its own profile set (the global factory is untouched)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._factory = None

    def detect(self, text: str) -> str | None:
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
        from langdetect.lang_detect_exception import LangDetectException

        with self._lock:
            if self._factory is None:
                factory = DetectorFactory()
                factory.load_profile(PROFILES_DIRECTORY)
                self._factory = factory
            detector = self._factory.create()
        detector.seed = LANGDETECT_SEED
        detector.append(text)
        try:
            return detector.detect()
        except LangDetectException:
            return None


_DETECTOR = _Detector()


@lru_cache(maxsize=8192)
def detect_language(text: str) -> str | None:
    """langdetect's answer with seed 0, or None where it cannot decide (no letters)."""
    return _DETECTOR.detect(text)
