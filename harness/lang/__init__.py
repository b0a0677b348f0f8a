"""Language fidelity: is a response in the expected language, and where does it switch?

`analyse(text, expect)` is the analyser (analyse.py); `skythought_check(text)` reproduces the
public Thai code-switching check for comparison with published numbers (public.py);
`highlight(...)` renders spans with rich (render.py); `word_rate(...)` gives a word-level
rate with PyThaiNLP, only when asked (words.py). Rules and examples: docs/language.md.
"""

from thaibench.lang.analyse import ACCEPT_THRESHOLD, EXPECTED, LangAnalysis, Run, Span, analyse, clean_text

__all__ = ["ACCEPT_THRESHOLD", "EXPECTED", "LangAnalysis", "Run", "Span", "analyse", "clean_text"]
