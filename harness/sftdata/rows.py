"""One SFT example from any supported row shape: question, reasoning trace, answer, history.

Why: public SFT sets come in several shapes and two trace notations; the trainer wants one.
Every row is read into an `Example` (the last assistant turn is the target, the user turn
before it the question, anything earlier the history) and written back as chat `messages`
whose assistant content is `<think>\\n{trace}\\n</think>\\n\\n{answer}`, the notation the
harness splits at scoring time (thaibench.reasoning).

Row shapes (after the source's `columns:` renames), checked in this order:
- `conversations: [{from, value}]` (ShareGPT; Bespoke-Stratos-17k, Apache-2.0, uses
  from = user/assistant, a separate `system` column, and the markers
  `<|begin_of_thought|> ... <|end_of_thought|>` `<|begin_of_solution|> ... <|end_of_solution|>`);
- `messages: [{role, content, reasoning_content?}]` (OpenAI/TRL chat);
- `instruction` (+ optional `input`) and `output` (Alpaca-style instruction sets);
- `question` and `answer` (+ optional `reasoning`).
A trace may also come as a `reasoning`/`trace` column or a message's `reasoning_content`.

Example (Bespoke-Stratos):
    {"system": "...", "conversations": [{"from": "user", "value": "What is 2+3?"},
     {"from": "assistant", "value": "<|begin_of_thought|>\\n\\n2+3=5\\n\\n<|end_of_thought|>\\n\\n"
      "<|begin_of_solution|>\\n\\n\\\\boxed{5}\\n\\n<|end_of_solution|>"}]}
    -> Example(question="What is 2+3?", trace="2+3=5", answer="\\\\boxed{5}")

Quirks: a row that cannot be used raises `Skip(reason)` and is counted on the data card:
`no_assistant_turn`, `no_user_turn`, `unclosed_trace` (an opener without its closer: the
budget ran out mid-thought, so the row teaches an unfinished trace), `misplaced_trace` (an
opener after other text), `empty_question`, `empty_answer`. A row shape nobody knows is a
UserError naming the columns found, since every row of that source would fail the same way.
Stratos' long system prompt describes its own marker format and is dropped unless
`system: keep` is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from thaibench.errors import UserError

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
STRATOS = ("<|begin_of_thought|>", "<|end_of_thought|>", "<|begin_of_solution|>", "<|end_of_solution|>")
SHAPES = ("conversations", "messages", "instruction+output", "question+answer")
_ROLE = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "model": "assistant",
         "system": "system", "bot": "assistant", "chatgpt": "assistant"}


class Skip(Exception):
    """A row that cannot become an example; `reason` is the data card's counter name."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Example:
    id: str
    source: str
    question: str
    answer: str
    trace: str | None = None
    history: tuple[Mapping[str, str], ...] = ()
    pair_id: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def reply(self) -> str:
        return render_reply(self.trace, self.answer)

    def messages(self) -> list[dict[str, str]]:
        return [dict(m) for m in self.history] + [{"role": "user", "content": self.question},
                                                  {"role": "assistant", "content": self.reply()}]

    def to_record(self) -> dict[str, Any]:
        """The line written to data.jsonl (messages for the trainer, fields for reading)."""
        return {"id": self.id, "source": self.source, "pair_id": self.pair_id or self.id,
                "messages": self.messages(), "meta": dict(self.meta)}


def render_reply(trace: str | None, answer: str) -> str:
    return f"{THINK_OPEN}\n{trace}\n{THINK_CLOSE}\n\n{answer}" if trace else answer


def split_reply(text: str) -> tuple[str | None, str]:
    """(trace, answer) of an assistant text in either notation; raises Skip when malformed."""
    t = text.strip()
    b_t, e_t, b_s, e_s = STRATOS
    if b_t in t or e_t in t:
        head, sep, rest = t.partition(b_t)
        if not sep or head.strip():
            raise Skip("misplaced_trace" if sep else "unclosed_trace")
        trace, sep, after = rest.partition(e_t)
        if not sep:
            raise Skip("unclosed_trace")
        answer = after.strip()
        if answer.startswith(b_s):
            answer = answer[len(b_s):]
            answer = answer.split(e_s, 1)[0] if e_s in answer else answer
        return trace.strip() or None, answer.strip()
    if THINK_OPEN in t:
        if not t.startswith(THINK_OPEN):
            raise Skip("misplaced_trace")
        trace, sep, answer = t[len(THINK_OPEN):].partition(THINK_CLOSE)
        if not sep:
            raise Skip("unclosed_trace")
        return trace.strip() or None, answer.strip()
    if THINK_CLOSE in t:
        # R1-style text whose template opened the trace in the prompt: all before </think>.
        trace, _, answer = t.partition(THINK_CLOSE)
        return trace.strip() or None, answer.strip()
    return None, t


def shape_of(row: Mapping[str, Any]) -> str | None:
    if "conversations" in row:
        return "conversations"
    if "messages" in row:
        return "messages"
    if "instruction" in row and "output" in row:
        return "instruction+output"
    if "question" in row and "answer" in row:
        return "question+answer"
    return None


def check_shape(row: Mapping[str, Any], where: str) -> str:
    shape = shape_of(row)
    if shape is None:
        cols = ", ".join(sorted(map(str, row))) or "none"
        raise UserError(f"{where}: rows have columns [{cols}]; expected one of {' | '.join(SHAPES)} "
                        "(rename yours with `columns: {{conversations: your_column}}`)")
    return shape


def _turns(row: Mapping[str, Any], shape: str) -> list[dict[str, str]]:
    turns: list[dict[str, str]] = []
    if shape == "conversations":
        for m in row["conversations"] or []:
            role = _ROLE.get(str(m.get("from", m.get("role", ""))).lower())
            if role is None:
                raise Skip("unknown_role")
            turns.append({"role": role, "content": str(m.get("value", m.get("content")) or "")})
    else:
        for m in row["messages"] or []:
            role = _ROLE.get(str(m.get("role", "")).lower())
            if role is None:
                raise Skip("unknown_role")
            content = str(m.get("content") or "")
            rc = m.get("reasoning_content") or m.get("reasoning")
            if role == "assistant" and rc and THINK_OPEN not in content:
                content = render_reply(str(rc).strip(), content.strip())
            turns.append({"role": role, "content": content})
    return turns


def parse_row(row: Mapping[str, Any], source: str, index: int, system: str = "drop") -> Example:
    """One row as an Example (shape already checked by `check_shape`); raises Skip."""
    shape = shape_of(row)
    rid = str(row.get("id") or f"{source}-{index}")
    if shape in ("instruction+output", "question+answer"):
        if shape == "instruction+output":
            q = str(row.get("instruction") or "")
            extra = str(row.get("input") or "").strip()
            q = f"{q.strip()}\n\n{extra}" if extra else q
            out = str(row.get("output") or "")
        else:
            q, out = str(row.get("question") or ""), str(row.get("answer") or "")
        trace_col = row.get("reasoning") or row.get("trace")
        if trace_col and THINK_OPEN not in out:
            out = render_reply(str(trace_col).strip(), out.strip())
        turns = [{"role": "user", "content": q}, {"role": "assistant", "content": out}]
        if not out.strip():
            raise Skip("no_assistant_turn")
    else:
        turns = _turns(row, shape or "")
        if system == "keep" and row.get("system"):
            turns.insert(0, {"role": "system", "content": str(row["system"])})
        elif system == "drop":
            turns = [t for t in turns if t["role"] != "system"]
    last = max((i for i, t in enumerate(turns) if t["role"] == "assistant" and t["content"].strip()), default=None)
    if last is None:
        raise Skip("no_assistant_turn")
    if last == 0 or turns[last - 1]["role"] != "user":
        raise Skip("no_user_turn")
    question = turns[last - 1]["content"].strip()
    if not question:
        raise Skip("empty_question")
    trace, answer = split_reply(turns[last]["content"])
    if not answer:
        raise Skip("empty_answer")
    history = tuple(_history(turns[: last - 1]))
    pair = row.get("pair_id")
    return Example(rid, source, question, answer, trace, history, str(pair) if pair else None)


def _history(turns: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    out = []
    for t in turns:
        if t["role"] == "assistant":
            # Earlier assistant turns keep only their answer: templates drop old traces anyway.
            try:
                _, ans = split_reply(t["content"])
            except Skip:
                ans = t["content"]
            out.append({"role": "assistant", "content": ans})
        else:
            out.append(dict(t))
    return out


def from_record(rec: Mapping[str, Any]) -> Example:
    """Read back a data.jsonl line (the trainer and the translation step use this)."""
    ex = parse_row({"messages": rec["messages"]}, str(rec.get("source", "")), 0, system="keep")
    return Example(str(rec["id"]), str(rec.get("source", "")), ex.question, ex.answer, ex.trace, ex.history,
                   rec.get("pair_id"), dict(rec.get("meta") or {}))
