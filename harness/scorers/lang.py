"""Language-fidelity scorers, applied to every generative task (kind "lang").

- answer_lang_ok: 1 when the answer (text after the reasoning trace) is in the expected
  language, 0 when not; the expected language is `sample.metadata["expect_lang"]` if set,
  else `sample.lang`. The answer of a trace that never closed is empty, hence 0 ("empty").
- reasoning_lang: which language the trace is in ("th", "en", "zh", ..., "mixed" when no
  language has 60% of the letters, terms and quotes counting for the language around them);
  value 1 when it is `expect` (a suite setting: the
  recipe wants English reasoning for Thai questions), NaN when there is no trace.
- code_switch_rate: the share of the answer's letters that are switched (NaN without letters).
- think_present: 1 when a non-empty reasoning trace exists (the paper's "Think" column).
- think_closed: 1 when the trace was closed by </think>, 0 when it ran out; NaN without one.
- lang_public_check: the public "is mainly Thai" check (thaibench.lang.public.skythought_check,
  named after its origin, SkyThought's code-switching handler as copied by chinda-eval) on the
  raw completion, for comparison with published "Lang" numbers; details say whether the answer
  was empty, because that rule passes empty answers.
Every scorer is NaN with an explanation when the backend reported an error. Per-sample
details keep the spans, so `thaibench show --switches` can highlight them.

Example: get_scorer("answer_lang_ok")(Sample("1", "th", "q"), Generation(text="", answer="Hello"))
-> Score(value=0.0, answer="switch", ...)
"""

from __future__ import annotations

import math

from thaibench.lang import EXPECTED, analyse
from thaibench.lang.analyse import LangAnalysis
from thaibench.lang.public import skythought_check
from thaibench.scorers import ScoreFn, scorer
from thaibench.types import Generation, Sample, Score

NAN = math.nan
# A trace is "mixed" when its most frequent language has less than this share of letters.
DOMINANT_SHARE = 0.6


def _expected(sample: Sample) -> str:
    return str(sample.metadata.get("expect_lang", sample.lang))


def _details(a: LangAnalysis, field: str) -> dict:
    """The analysis for the per-sample record; `field` names the Generation field analysed,
    so `thaibench show --switches` highlights the spans in the right text."""
    d = a.to_dict()
    d["field"] = field
    return d


def _error(gen: Generation) -> Score | None:
    if gen.error:
        return Score(NAN, explanation=f"backend error: {gen.error}")
    return None


def _analyse_answer(sample: Sample, gen: Generation) -> LangAnalysis | Score:
    if (err := _error(gen)) is not None:
        return err
    expect = _expected(sample)
    if expect not in EXPECTED:
        return Score(NAN, explanation=f"no language rules for expected language {expect!r}")
    return analyse(gen.answer, expect)


@scorer("answer_lang_ok", version="1", kind="lang")
def answer_lang_ok() -> ScoreFn:
    def score(sample: Sample, gen: Generation) -> Score:
        a = _analyse_answer(sample, gen)
        if isinstance(a, Score):
            return a
        switched = ", ".join(f"{s.lang}: {s.text[:40]!r}" for s in a.spans[:3])
        why = f"{a.reason}" + (f" ({switched})" if switched else "")
        return Score(float(a.verdict), answer=a.reason, explanation=why, details=_details(a, "answer"))

    return score


@scorer("code_switch_rate", version="1", kind="lang")
def code_switch_rate() -> ScoreFn:
    def score(sample: Sample, gen: Generation) -> Score:
        a = _analyse_answer(sample, gen)
        if isinstance(a, Score):
            return a
        if math.isnan(a.rate):
            return Score(NAN, answer=a.reason, explanation=f"no letters to count ({a.reason})")
        # The spans are in answer_lang_ok's details; keep this record small.
        return Score(
            a.rate, answer=a.reason, details={"letters": a.letters, "switched_letters": a.switched_letters}
        )

    return score


def trace_language(a: LangAnalysis) -> tuple[str, dict[str, float]]:
    """The language a text is written in, judged by the analyser's own rules, and the shares.

    Letters not in switch spans are in the expected language (terms and quotes included: an
    English trace quoting the Thai question is English); switched letters are shared among
    the span languages. A language needs DOMINANT_SHARE of the letters, else "mixed".
    """
    if not a.letters:
        return "none", {}
    kept = 1.0 - a.rate
    by_lang: dict[str, int] = {}
    for sp in a.spans:
        by_lang[sp.lang] = by_lang.get(sp.lang, 0) + sum(ch.isalpha() for ch in sp.text)
    spanned = sum(by_lang.values()) or 1
    shares = {a.expect: kept}
    for lang, n in by_lang.items():
        shares[lang] = shares.get(lang, 0.0) + a.rate * n / spanned
    shares = dict(sorted(shares.items(), key=lambda kv: -kv[1]))
    top, share = next(iter(shares.items()))
    return (top if share >= DOMINANT_SHARE else "mixed"), shares


@scorer("reasoning_lang", version="1", kind="lang")
def reasoning_lang(expect: str = "en") -> ScoreFn:
    if expect not in EXPECTED:
        raise ValueError(f"reasoning_lang: expect must be one of {EXPECTED}, not {expect!r}")

    def score(sample: Sample, gen: Generation) -> Score:
        if (err := _error(gen)) is not None:
            return err
        if gen.reasoning is None or not gen.reasoning.strip():
            return Score(NAN, answer="none", explanation="no reasoning trace")
        a = analyse(gen.reasoning, expect)
        lang, shares = trace_language(a)
        if lang == "none":
            return Score(NAN, answer=lang, explanation=f"trace has no letters ({a.reason})")
        details = _details(a, "reasoning")
        details["shares"] = {k: round(v, 4) for k, v in shares.items()}
        return Score(
            float(lang == expect),
            answer=lang,
            explanation=f"trace is {lang}, expected {expect}",
            details=details,
        )

    return score


@scorer("think_present", version="1", kind="lang")
def think_present() -> ScoreFn:
    def score(sample: Sample, gen: Generation) -> Score:
        if (err := _error(gen)) is not None:
            return err
        present = gen.reasoning is not None and bool(gen.reasoning.strip())
        return Score(float(present), answer="yes" if present else "no")

    return score


@scorer("think_closed", version="1", kind="lang")
def think_closed() -> ScoreFn:
    def score(sample: Sample, gen: Generation) -> Score:
        if (err := _error(gen)) is not None:
            return err
        if gen.think_closed is None:
            return Score(NAN, answer="none", explanation="no reasoning trace")
        return Score(float(gen.think_closed), answer="closed" if gen.think_closed else "unclosed")

    return score


@scorer("lang_public_check", version="1", kind="lang")
def lang_public_check() -> ScoreFn:
    def score(sample: Sample, gen: Generation) -> Score:
        if (err := _error(gen)) is not None:
            return err
        # The public rule reads the raw completion and removes the trace itself, as the
        # original did with what the server returned as content.
        c = skythought_check(gen.text)
        return Score(
            float(c.passed),
            answer="empty" if c.empty else ("pass" if c.passed else "fail"),
            explanation=f"thai={c.thai} english={c.english}"
            + (f" other={c.other[:20]!r}" if c.other else ""),
            details={"thai": c.thai, "english": c.english, "other": c.other, "empty": c.empty},
        )

    return score
