"""The quick evaluation loop's text rules and the few-line linear merge (used while tuning)."""

from __future__ import annotations

import pytest
import torch

from thaibench.mini.evaluate import answer_language, extract_number, judge, layer_of, linear_merge
from thaibench.mini.generator import Item


@pytest.mark.parametrize(("text", "lang"), [
    ("คำตอบ: 16", "th"), ("Answer: 16", "en"), ("เมืองหลวงของประเทศญี่ปุ่นคือโตเกียว", "th"),
    ("The opposite of 'hot' is 'cold'.", "en"), ("16", None), ("", None),
    ("คำตรงข้ามของ 'ร้อน' คือ 'เย็น' (cold)", "th"),
])
def test_answer_language(text: str, lang: str | None) -> None:
    assert answer_language(text) == lang


@pytest.mark.parametrize(("text", "number"), [
    ("Answer: 16", "16"), ("คำตอบ: 7", "7"), ("12 + 4 = 16\nAnswer: 16", "16"), ("so 3 then 5", "5"),
    ("Answer: 4\nAnswer: 9", "9"), ("no number", None), ("คำตอบ：12", "12"),
])
def test_extract_number(text: str, number: str | None) -> None:
    assert extract_number(text) == number


def test_judge_reads_only_the_answer_after_the_trace() -> None:
    item = Item(key="k", kind="math", family="arith", steps=2, prompt={"th": "q", "en": "q"},
                answer={"th": "คำตอบ: 9", "en": "Answer: 9"}, trace="t", target="9")
    right = judge(item, "th", "<think>\n7 + 5 = 12.\n12 - 3 = 9.\n</think>\n\nคำตอบ: 9")
    assert right["correct"] and right["think"] and right["answer_lang"] == "th"
    unclosed = judge(item, "th", "<think>\n7 + 5 = 12.\n12 - 3 = 9. Answer: 9")
    assert not unclosed["correct"]  # a trace that never closed has no answer
    direct = judge(item, "en", "Answer: 8")
    assert not direct["correct"] and not direct["think"] and direct["answer_lang"] == "en"


def test_linear_merge_ends_are_the_parents_and_schedules_apply_per_layer() -> None:
    a = {"model.layers.0.mlp.weight": torch.zeros(2), "model.layers.3.mlp.weight": torch.zeros(2),
         "lm_head.weight": torch.zeros(2), "steps": torch.tensor([1])}
    b = {k: (v + 1 if v.is_floating_point() else v + 5) for k, v in a.items()}
    assert all(torch.equal(linear_merge(a, b, 0.0)[k], a[k]) for k in a)
    assert all(torch.equal(linear_merge(a, b, 1.0)[k], b[k]) for k in a if a[k].is_floating_point())
    sched = linear_merge(a, b, lambda name: 0.75 if (layer_of(name) or 0) < 3 else 0.125)
    assert sched["model.layers.0.mlp.weight"].tolist() == [0.75, 0.75]
    assert sched["model.layers.3.mlp.weight"].tolist() == [0.125, 0.125]
    assert torch.equal(sched["steps"], a["steps"])  # integer buffers are not averaged


def test_explore_overrides_and_m3_schedule() -> None:
    from thaibench.mini.explore import m3_schedule, make_recipe
    from thaibench.mini.recipe import DEFAULT

    r = make_recipe({"p_en": 0.6, "reasoner": {"steps": 10}, "shape": {"layers": 6}})
    assert (r.p_en, r.reasoner.steps, r.reasoner.lr, r.shape.layers) == (0.6, 10, DEFAULT.reasoner.lr, 6)
    m3 = m3_schedule(80)
    assert [m3(f"model.layers.{i}.mlp.up_proj.weight") for i in (0, 53)] == [0.75, 0.75]
    assert m3("model.layers.79.mlp.up_proj.weight") == pytest.approx(0.125)
    assert 0.125 < m3("model.layers.66.self_attn.q_proj.weight") < 0.75
