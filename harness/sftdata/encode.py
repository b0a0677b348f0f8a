"""One chat -> (input_ids, labels) with the reasoning trace in the labels and the prompt masked.

Why not the chat template's own rendering of the whole conversation: R1-distill templates
strip everything before `</think>` from assistant messages (so the trace silently vanishes
from the training text), and TRL's assistant-only loss needs `{% generation %}` markers most
templates lack. So the example is tokenised in two parts:
- prompt: `apply_chat_template(messages[:-1], add_generation_prompt=True)`, exactly what a
  backend sends at inference; every prompt token is labelled -100;
- completion: the assistant content as written (`<think>\\ntrace\\n</think>\\n\\nanswer`) plus the
  template's end-of-turn text (found by rendering a sentinel reply), all labelled.
When the generation prompt already opens `<think>` (R1's template does), the completion's own
opening tag is dropped so the tag is not doubled.

Example:
    enc = encode_chat(tok, [{"role": "user", "content": "7+5?"},
                            {"role": "assistant", "content": "<think>\\n7+5=12\\n</think>\\n\\n12"}])
    tok.decode([t for t in enc.labels if t != -100])  # -> "<think>\\n7+5=12\\n</think>\\n\\n12<|im_end|>"

Quirks: only the last assistant turn is trained (earlier ones are context, as the template
renders them); prompt and completion are tokenised separately, so a BPE merge across the
boundary cannot happen (the same split the backend sees). An example longer than `max_length`
is not truncated (a cut trace would teach an unclosed `<think>`): `Skip("too_long")`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from thaibench.errors import UserError
from thaibench.sftdata.rows import THINK_OPEN, Skip

IGNORE = -100
SENTINEL = "\u2063SFT-REPLY-SENTINEL\u2063"


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]
    prompt_len: int


def require_template(tok: Any, where: str = "the tokenizer") -> None:
    if not getattr(tok, "chat_template", None):
        raise UserError(f"{where} has no chat template; set `chat_template:` in the training config "
                        "(a .jinja file or the template text)")


def end_of_turn(tok: Any, history: Sequence[Mapping[str, str]]) -> str:
    """What the template writes after an assistant reply's content (e.g. "<|im_end|>")."""
    text = tok.apply_chat_template([*history, {"role": "assistant", "content": SENTINEL}], tokenize=False)
    _, found, suffix = text.partition(SENTINEL)
    eos = tok.eos_token or ""
    if not found:
        if not eos:
            raise UserError("cannot find the end-of-turn text: the template drops the reply and there is no eos token")
        return eos
    if eos and eos in suffix:
        return suffix[: suffix.index(eos) + len(eos)]  # stop at the end-of-turn token
    suffix = suffix.rstrip()
    return suffix or eos


def encode_chat(tok: Any, messages: Sequence[Mapping[str, str]], max_length: int | None = None,
                template_kwargs: Mapping[str, Any] | None = None) -> Encoded:
    require_template(tok)
    if not messages or messages[-1].get("role") != "assistant":
        raise Skip("no_assistant_turn")
    history = [dict(m) for m in messages[:-1]]
    if not any(m.get("role") == "user" for m in history):
        raise Skip("no_user_turn")
    kw = dict(template_kwargs or {})
    prompt = tok.apply_chat_template(history, tokenize=False, add_generation_prompt=True, **kw)
    reply = str(messages[-1]["content"])
    if prompt.rstrip().endswith(THINK_OPEN) and reply.lstrip().startswith(THINK_OPEN):
        reply = reply.lstrip()[len(THINK_OPEN):].lstrip("\n")
    completion = reply + end_of_turn(tok, history)
    p = tok(prompt, add_special_tokens=False)["input_ids"]
    c = tok(completion, add_special_tokens=False)["input_ids"]
    if max_length is not None and len(p) + len(c) > max_length:
        raise Skip("too_long")
    return Encoded(list(p) + list(c), [IGNORE] * len(p) + list(c), len(p))
