"""A quick greedy evaluation of miniature models, and a few-line linear merge of two parents.

Why it exists beside the harness's score pipeline: the build checks its own result (did the
parents come out with the trade-off the miniature world promises?) and hyper-parameters are
tuned without a run directory. The rules are deliberately simple and the same for every model:
- correct: the last `Answer: N` / `คำตอบ: N` in the text after the trace equals the target
  (falling back to the last integer when no answer line was written);
- answer language: Thai when the answer has more Thai letters than Latin ones;
- multi-step: items with two or more operations.
The `mini` task scores the same generations with the harness's own scorers and metrics.

Example:
    recs = evaluate(model, tok, held_out(seed, 100, 200, 40))
    summary(recs)["th"]["multi_acc"]  # -> 0.78

Quirks: left-padded batches; a trace that never closes leaves no answer (scored wrong), as the
harness does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from thaibench.mini.generator import Item
from thaibench.reasoning import split_reasoning

ANSWER_RE = re.compile(r"(?:Answer|คำตอบ)\s*[:：]\s*(-?\d+)")
INT_RE = re.compile(r"-?\d+")
THAI_RE = re.compile(r"[\u0E00-\u0E7F]")
LATIN_RE = re.compile(r"[A-Za-z]")


def answer_language(text: str) -> str | None:
    th, en = len(THAI_RE.findall(text)), len(LATIN_RE.findall(text))
    if th == en == 0:
        return None
    return "th" if th > en else "en"


def extract_number(answer: str) -> str | None:
    found = ANSWER_RE.findall(answer)
    if found:
        return found[-1]
    ints = INT_RE.findall(answer)
    return ints[-1] if ints else None


def generate(model: Any, tok: Any, prompts: Sequence[str], max_new_tokens: int = 112,
             batch_size: int = 64) -> list[str]:
    import torch

    eos = tok.convert_tokens_to_ids("<|im_end|>")
    pad = tok.convert_tokens_to_ids("<|endoftext|>")
    tok.padding_side = "left"
    texts = [tok.apply_chat_template([{"role": "user", "content": p}], tokenize=False,
                                     add_generation_prompt=True) for p in prompts]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[str] = [""] * len(texts)
    model.eval()
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            idx = order[b:b + batch_size]
            enc = tok([texts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False)
            enc = {k: v.to(model.device) for k, v in enc.items()}
            gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 eos_token_id=eos, pad_token_id=pad)
            new = gen[:, enc["input_ids"].shape[1]:]
            for i, row in zip(idx, new, strict=True):
                out[i] = tok.decode(row, skip_special_tokens=True)
    return out


def judge(item: Item, lang: str, text: str) -> dict[str, Any]:
    split = split_reasoning(text)
    rec: dict[str, Any] = {"pair_id": item.pair_id, "lang": lang, "kind": item.kind, "family": item.family,
                           "steps": item.steps, "think": split.reasoning is not None,
                           "answer_lang": answer_language(split.answer), "text": text}
    if item.kind == "math":
        rec["correct"] = extract_number(split.answer) == item.target
    return rec


def evaluate(model: Any, tok: Any, items: Sequence[Item], langs: Sequence[str] = ("th", "en"),
             max_new_tokens: int = 112, batch_size: int = 64) -> list[dict[str, Any]]:
    jobs = [(it, lang) for lang in langs for it in items]
    texts = generate(model, tok, [it.prompt[lang] for it, lang in jobs], max_new_tokens, batch_size)
    return [judge(it, lang, t) for (it, lang), t in zip(jobs, texts, strict=True)]


def _mean(xs: list[float]) -> tuple[float, float]:
    """Mean and its standard error (NaN, NaN for no data)."""
    if not xs:
        return math.nan, math.nan
    m = sum(xs) / len(xs)
    var = sum((x - m) ** 2 for x in xs) / max(1, len(xs) - 1)
    return m, math.sqrt(var / len(xs))


def summary(recs: Sequence[dict[str, Any]]) -> dict[str, dict[str, tuple[float, float]]]:
    """Per language: single/multi accuracy, language accuracy, think rate, and the combined score
    (mean of multi-step accuracy and language accuracy), each as (mean, standard error)."""
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for lang in sorted({r["lang"] for r in recs}):
        rs = [r for r in recs if r["lang"] == lang]
        multi = [float(r["correct"]) for r in rs if r["kind"] == "math" and r["steps"] >= 2]
        single = [float(r["correct"]) for r in rs if r["kind"] == "math" and r["steps"] == 1]
        lang_ok = [float(r["answer_lang"] == lang) for r in rs]
        (ma, se_m), (la, se_l) = _mean(multi), _mean(lang_ok)
        # Treats the two parts as independent (an approximation); tests/test_mini_world.py
        # compares models with a paired bootstrap instead.
        se = 0.5 * math.sqrt(se_m**2 + se_l**2)
        out[lang] = {
            "single_acc": _mean(single), "multi_acc": _mean(multi), "lang_acc": _mean(lang_ok),
            "think_rate": _mean([float(r["think"]) for r in rs]),
            "combined": (0.5 * (ma + la), se),
        }
    return out


RatioFn = Callable[[str], float]


def layer_of(name: str) -> int | None:
    m = re.search(r"\.layers\.(\d+)\.", name)
    return int(m.group(1)) if m else None


def linear_merge(sd_a: dict[str, Any], sd_b: dict[str, Any], ratio: float | RatioFn) -> dict[str, Any]:
    """(1 - t) * a + t * b per tensor, t = `ratio` or `ratio(name)` (a layer schedule)."""
    out = {}
    for name, a in sd_a.items():
        t = ratio(name) if callable(ratio) else ratio
        out[name] = a * (1 - t) + sd_b[name] * t if a.is_floating_point() else a
    return out
