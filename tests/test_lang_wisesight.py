"""Robustness on real code-mixed Thai: all 2,671 Wisesight Sentiment test posts (CC0-1.0,
read in place from the shared data folder). No crash, rates in range, sensible verdicts."""

from __future__ import annotations

import json
import math

import pytest

from thaibench.lang import analyse
from thaibench.lang.public import skythought_check


@pytest.fixture(scope="module")
def posts(shared_data) -> list[str]:
    path = shared_data / "wisesight_sentiment" / "test.json"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["texts"] for line in f if line.strip()]


def test_every_post_is_analysed_with_sane_figures(posts):
    assert len(posts) == 2671
    results = [analyse(p, "th") for p in posts]
    for a in results:
        assert math.isnan(a.rate) or 0.0 <= a.rate <= 1.0
        assert a.switched_letters <= a.letters
        for s in a.spans:
            assert a.text[s.start : s.end] == s.text
    ok = sum(a.verdict for a in results) / len(results)
    mean_rate = sum(a.rate for a in results if not math.isnan(a.rate)) / len(results)
    print(f"wisesight: in Thai {ok:.3f}, mean switch rate {mean_rate:.4f}")
    # These are Thai posts with English brand names and slang mixed in: nearly all are Thai,
    # and the English in them is mostly accepted terms.
    assert ok > 0.95
    assert mean_rate < 0.03
    assert sum(a.accepted_letters > 0 for a in results) > 500


def test_posts_without_thai_letters_are_not_thai(posts):
    for p in posts:
        a = analyse(p, "th")
        if a.script_letters.get("latin", 0) >= 10 and not a.script_letters.get("thai"):
            assert not a.verdict, p


def test_as_english_the_posts_fail(posts):
    results = [analyse(p, "en") for p in posts[:500]]
    assert sum(a.verdict for a in results) / len(results) < 0.1


def test_public_check_runs_on_every_post(posts):
    passed = sum(skythought_check(p).passed for p in posts) / len(posts)
    assert 0.8 < passed < 1.0
