"""Task naming, suites, the select/report split and --limit."""

from __future__ import annotations

import pytest

from thaibench.errors import UserError
from thaibench.task import get_task, resolve, select_samples, split_of


def test_resolve_languages_and_suites() -> None:
    sel = resolve(["math500:th", "mgsm"])
    assert [(s.task.name, s.langs) for s in sel] == [("math500", ("th",)), ("mgsm", ("th", "en"))]
    sel = resolve(["math500:en", "math500:th"])
    assert sel[0].langs == ("th", "en")
    names = [s.task.name for s in resolve([], ["math"])]
    assert {"math500", "aime2024", "aime2025", "mgsm"} <= set(names)
    with pytest.raises(UserError):
        resolve(["math500:fr"])


def test_split_is_deterministic_and_pairs_stay_together() -> None:
    task = get_task("math500")
    by_lang = {lang: task.samples(lang).samples for lang in task.langs}
    for s_th in by_lang["th"][:50]:
        assert split_of("math500", s_th.pair_id) == split_of("math500", s_th.pair_id)
    sel = select_samples(task, by_lang, "select")
    rep = select_samples(task, by_lang, "report")
    assert {s.pair_id for s in sel["th"]} == {s.pair_id for s in sel["en"]}
    assert not {s.pair_id for s in sel["th"]} & {s.pair_id for s in rep["th"]}
    assert len(sel["th"]) + len(rep["th"]) == 500
    assert 200 < len(sel["th"]) < 300


def test_limit_takes_the_same_pairs_in_both_languages() -> None:
    task = get_task("mgsm")
    by_lang = {lang: task.samples(lang).samples for lang in task.langs}
    lim = select_samples(task, by_lang, "report", limit=7)
    assert len(lim["th"]) == len(lim["en"]) == 7
    assert [s.pair_id for s in lim["th"]] == [s.pair_id for s in lim["en"]]


@pytest.mark.parametrize(("task", "lang", "n"), [("math500", "th", 500), ("math500", "en", 500),
                                                ("aime2024", "th", 30), ("aime2024", "en", 30),
                                                ("aime2025", "en", 30), ("mgsm", "th", 250), ("mgsm", "en", 250)])
def test_real_data_loads_completely(task: str, lang: str, n: int) -> None:
    loaded = get_task(task).samples(lang)
    assert len(loaded.samples) == n and not loaded.skipped
    if task != "aime2025":
        other = get_task(task).samples("en" if lang == "th" else "th").samples
        assert {s.pair_id for s in loaded.samples} == {s.pair_id for s in other}


def test_thai_math500_html_entities_unescaped() -> None:
    samples = get_task("math500").samples("th").samples
    assert not any("&gt;" in s.input or "&lt;" in s.input or "&amp;" in s.input for s in samples)
