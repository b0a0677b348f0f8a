"""Trace/answer separation, table-driven."""

from __future__ import annotations

import pytest

from thaibench.reasoning import from_parts, split_reasoning

CASES = [
    # (text, opened_in_prompt, reasoning, answer, think_closed)
    ("<think>2+2=4</think>The answer is 4", False, "2+2=4", "The answer is 4", True),
    ("<think>\nคิดก่อน\n</think>\n\nคำตอบ: 4", False, "คิดก่อน", "คำตอบ: 4", True),
    ("  <think>a</think>b", False, "a", "b", True),
    ("<think>never closes because the budget ran out 1 2 3", False, "never closes because the budget ran out 1 2 3", "", False),
    ("plain answer 42", False, None, "plain answer 42", None),
    ("", False, None, "", None),
    ("reasoning opened by the template</think>final 7", True, "reasoning opened by the template", "final 7", True),
    ("reasoning opened by the template and never closed 7", True, "reasoning opened by the template and never closed 7", "", False),
    ("<think>explicit</think>ans", True, "explicit", "ans", True),
    ("stray close</think>ans", False, "stray close", "ans", True),
    ("<think></think>empty trace answer", False, "", "empty trace answer", True),
    ("<think>a</think>b</think>c", False, "a", "b</think>c", True),
    ("answer mentions <think> later", False, None, "answer mentions <think> later", None),
]


@pytest.mark.parametrize(("text", "opened", "reasoning", "answer", "closed"), CASES)
def test_split(text: str, opened: bool, reasoning: str | None, answer: str, closed: bool | None) -> None:
    s = split_reasoning(text, opened_in_prompt=opened)
    assert (s.reasoning, s.answer, s.think_closed) == (reasoning, answer, closed)


def test_server_reasoning_field() -> None:
    s = from_parts("thought in a field", "final answer")
    assert (s.reasoning, s.answer, s.think_closed) == ("thought in a field", "final answer", True)
    s = from_parts(None, "<think>tags</think>ans")
    assert (s.reasoning, s.answer) == ("tags", "ans")
    s = from_parts("", "no trace")
    assert (s.reasoning, s.answer, s.think_closed) == (None, "no trace", None)
