"""The `corrected` variant fixes each documented reference bug, and `reference` keeps it.

Each row: instruction, kwargs, response, the reference verdict (checked against lm-eval's own
checker where it is installed), the corrected verdict, and the bug.
"""

from __future__ import annotations

import os

import pytest

from thaibench.ifeval import INSTRUCTION_IDS, InstructionArgsError, check, evaluate

BUGS = [
    ("keywords:existence", {"keywords": ["war"]}, "Our software updates are ready.", True, False,
     "keywords match inside other words"),
    ("keywords:frequency", {"keyword": "war", "frequency": 2, "relation": "at least"},
     "The war changed the software industry.", True, False, "keywords match inside other words"),
    ("keywords:forbidden_words", {"forbidden_words": ["c.t"]}, "The cat sat down.", False, True,
     "forbidden words are regular expressions"),
    ("language:response_language", {"language": "hi"}, "12345 67890", True, False,
     "no detectable language counts as followed"),
    ("change_case:english_capital", {}, "\u216b \u216b", True, False,
     "no detectable language counts as English"),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "second"},
     "First one here.\n\n\n\nSecond one here.", False, True, "the n-th paragraph is looked up among empty ones"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "I sent the parcel today. P.S. call me", True, False,
     "a postscript marker anywhere in a line counts"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "*Note*: read this\n* one\n* two", False, True,
     "a line opening with *emphasis* is a bullet"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* one\n---\n* two", False, True,
     "a --- rule is a bullet"),
]


@pytest.mark.parametrize(("iid", "kwargs", "response", "ref", "fixed", "bug"), BUGS, ids=[b[-1][:30] for b in BUGS])
def test_reference_keeps_and_corrected_fixes(iid: str, kwargs: dict, response: str, ref: bool, fixed: bool,
                                             bug: str) -> None:
    assert check(iid, response, kwargs) is ref, bug
    assert check(iid, response, kwargs, variant="corrected") is fixed, bug


@pytest.mark.parametrize(("iid", "kwargs", "response", "ref", "fixed", "bug"), BUGS, ids=[b[-1][:30] for b in BUGS])
def test_reference_column_is_lm_evals_verdict(shared_data, iid: str, kwargs: dict, response: str, ref: bool,
                                              fixed: bool, bug: str) -> None:
    pytest.importorskip("immutabledict", reason="lm-eval's IFEval needs lm-eval[ifeval]")
    nltk_dir = str(shared_data / "nltk_data")
    os.environ["NLTK_DATA"] = nltk_dir
    import langdetect
    import nltk

    if nltk_dir not in nltk.data.path:
        nltk.data.path.insert(0, nltk_dir)
    from lm_eval.tasks.ifeval import utils

    old, langdetect.DetectorFactory.seed = langdetect.DetectorFactory.seed, 0
    try:
        inp = utils.InputExample(key=0, instruction_id_list=[iid], prompt="", kwargs=[kwargs])
        assert utils.test_instruction_following_strict(inp, response).follow_instruction_list == [ref]
    finally:
        langdetect.DetectorFactory.seed = old


def test_regex_keyword_is_unscorable_in_reference_and_literal_when_corrected() -> None:
    kw = {"keyword": "*draft*", "frequency": 1, "relation": "at least"}
    with pytest.raises(InstructionArgsError):
        check("keywords:frequency", "This is a *draft* copy.", kw)
    assert check("keywords:frequency", "This is a *draft* copy.", kw, variant="corrected") is True


def test_non_letter_letter_is_counted_as_given() -> None:
    # The reference swaps "#" for a random letter; counting the character asked for is the
    # only reproducible reading, in both variants.
    kw = {"letter": "#", "let_frequency": 2, "let_relation": "at least"}
    for variant in ("reference", "corrected"):
        assert check("keywords:letter_frequency", "#tag #news", kw, variant=variant) is True
        assert check("keywords:letter_frequency", "#tag news", kw, variant=variant) is False


def test_hub_rows_null_padding_is_dropped() -> None:
    padded = {"num_words": 3, "relation": "at least", "keyword": None, "frequency": None, "language": None}
    assert check("length_constraints:number_words", "one two three", padded) is True


@pytest.mark.parametrize("kwargs", [{}, {"num_words": -1, "relation": "at least"},
                                    {"num_words": 5, "relation": "more than"},
                                    {"num_words": 5, "relation": "at least", "extra": 1}])
def test_unusable_kwargs_raise(kwargs: dict) -> None:
    with pytest.raises(InstructionArgsError):
        check("length_constraints:number_words", "one two", kwargs)


def test_unknown_id_raises() -> None:
    with pytest.raises(InstructionArgsError):
        evaluate(["detectable_format:rhyme"], [{}], "text")


def test_loose_forgives_a_lead_in_line_and_asterisks() -> None:
    ev = evaluate(["punctuation:no_comma", "startend:quotation"], [{}, {}], 'Sure, here:\n"**No commas here**"')
    assert ev.strict == (False, False) and ev.loose == (True, True)
    assert not ev.prompt_strict and ev.prompt_loose


def test_blank_answer_follows_nothing() -> None:
    ev = evaluate(["keywords:forbidden_words"], [{"forbidden_words": ["x"]}], "  \n")
    assert ev.strict == (False,) and ev.loose == (False,)


def test_twenty_five_ids() -> None:
    assert len(INSTRUCTION_IDS) == 25
