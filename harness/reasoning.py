"""Split a raw completion into reasoning trace and final answer.

Reasoning models write `<think> ... </think>` then the answer. Some chat templates open the
tag in the prompt (DeepSeek-R1's adds `<think>\\n` to the generation prompt), so the completion
holds only `... </think> answer`: then everything before the first `</think>` is the trace.
A trace that never closes (the token budget ran out mid-thought) leaves NO answer: scorers must
not fish a number out of an unfinished trace, so `answer` is empty and `think_closed` is False.

Example:
    split_reasoning("<think>2+2=4</think>The answer is 4")
    -> Split(reasoning="2+2=4", answer="The answer is 4", think_closed=True)
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN = "<think>"
CLOSE = "</think>"


@dataclass(frozen=True)
class Split:
    reasoning: str | None
    answer: str
    think_closed: bool | None  # None: no trace at all


def split_reasoning(text: str, opened_in_prompt: bool = False) -> Split:
    """Separate trace and answer; see the module docstring for the rules."""
    stripped = text.lstrip()
    if opened_in_prompt and not stripped.startswith(OPEN):
        head, sep, tail = text.partition(CLOSE)
        if sep:
            return Split(head.strip(), tail.strip(), True)
        return Split(text.strip(), "", False)
    if stripped.startswith(OPEN):
        body = stripped[len(OPEN):]
        head, sep, tail = body.partition(CLOSE)
        if sep:
            return Split(head.strip(), tail.strip(), True)
        return Split(body.strip(), "", False)
    if CLOSE in text and OPEN not in text:
        # A stray close tag with no opener: the template opened it without our knowing.
        head, _, tail = text.partition(CLOSE)
        return Split(head.strip(), tail.strip(), True)
    return Split(None, text.strip(), None)


def from_parts(reasoning: str | None, content: str) -> Split:
    """Build a Split from a server that returns the trace separately (reasoning_content)."""
    if reasoning is not None and reasoning.strip():
        inner = split_reasoning(content)
        if inner.reasoning is None:
            return Split(reasoning.strip(), content.strip(), True)
        # Some servers pass the tags through in content as well; trust the tags then.
        return inner
    return split_reasoning(content)
