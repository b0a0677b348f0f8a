"""Training texts of the miniature world: pretraining documents and the two parents' chats.

Written for this project (Apache-2.0); every text comes from `thaibench.mini.generator`'s
training bucket, so no held-out item is ever trained on.

- Base pretraining: plain bilingual documents, no chat format. English solutions written step by
  step ("Question: ... Solution: 7 + 5 = 12. ... Answer: 12"), Thai questions with their answers,
  arithmetic drills, short Thai and English question-answer pairs, and parallel Thai/English
  sentences (what ties the two languages together in the base).
- `mini-th` chats: Thai-first instructions answered directly in the prompt's language, with no
  trace, also for multi-step problems (which a tiny model cannot do in one go).
- `mini-reasoner` chats: an English `<think>` trace, then the answer; for a Thai prompt the
  answer is English with probability `p_en` (the language drift of reasoning models).

Example reasoner chat for a Thai prompt:
    user:      "จงคำนวณ 7 + 5 - 3"
    assistant: "<think>\\nLet me compute step by step.\\n7 + 5 = 12.\\n12 - 3 = 9.\\nSo the result is 9.\\n"
               "</think>\\n\\nAnswer: 9"

Quirks: the mixes are (kind, steps, weight) rows; weights need not sum to 1.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from thaibench.mini import generator as gen
from thaibench.mini.generator import Item, stream

MATH_MIX = (("math", 1, 1.0), ("math", 2, 1.0), ("math", 3, 1.0))
ALL_MIX = MATH_MIX + (("general", 0, 1.0),)


@dataclass(frozen=True)
class Chat:
    """One fine-tuning example: the user's message and the assistant's full reply."""

    lang: str
    user: str
    assistant: str


def think_reply(trace: str, answer: str) -> str:
    return f"<think>\n{trace}\n</think>\n\n{answer}"


# ------------------------------------------------------------------------------ pretraining
def _drill(rng: random.Random) -> str:
    lines = []
    for _ in range(8):
        r = rng.random()
        if r < 0.4:
            a = rng.randint(0, gen.MAX_VALUE - 1)
            b = rng.randint(1, min(gen.MAX_OPERAND, gen.MAX_VALUE - a))
            lines.append(f"{a} + {b} = {a + b}")
        elif r < 0.8:
            a = rng.randint(1, gen.MAX_VALUE)
            b = rng.randint(1, min(gen.MAX_OPERAND, a))
            lines.append(f"{a} - {b} = {a - b}")
        else:
            a, b = rng.randint(2, gen.MUL_MAX), rng.randint(2, gen.MUL_MAX)
            lines.append(f"{a} × {b} = {a * b}")
    return "\n".join(lines)


def pretrain_docs(seed: int, n: int, drill_share: float = 0.15, xling_share: float = 0.0) -> list[str]:
    """`n` plain-text documents for the base (no chat template); `drill_share` are drills."""
    rng = random.Random(seed)
    items = stream(seed + 1, "train", ALL_MIX)
    math_items = stream(seed + 2, "train", MATH_MIX)
    docs = []
    for _ in range(n):
        r = rng.random()
        if r < drill_share:
            docs.append(_drill(rng))
            continue
        it = next(math_items) if r < drill_share + (1 - drill_share) * 0.6 else next(items)
        r2 = rng.random()
        if it.kind == "math" and r2 < xling_share:
            # Mixed-language page: a Thai question worked in English (as on bilingual forums).
            docs.append(f"โจทย์: {it.prompt['th']}\nSolution: {it.trace}\n{it.answer['th']}")
        elif it.kind == "math" and r2 < 0.55:
            docs.append(f"Question: {it.prompt['en']}\nSolution: {it.trace}\n{it.answer['en']}")
        elif it.kind == "math" and r2 < 0.8:
            docs.append(f"โจทย์: {it.prompt['th']}\n{it.answer['th']}")
        elif it.kind == "general" and r2 < 0.35:
            docs.append(f"Q: {it.prompt['en']}\nA: {it.answer['en']}")
        elif it.kind == "general" and r2 < 0.7:
            docs.append(f"ถาม: {it.prompt['th']}\nตอบ: {it.answer['th']}")
        else:
            # Parallel text: the same item in both languages, in a random order.
            en, th = f"{it.prompt['en']} {it.answer['en']}", f"{it.prompt['th']} {it.answer['th']}"
            docs.append(f"{en}\n{th}" if rng.random() < 0.5 else f"{th}\n{en}")
    return docs


# ------------------------------------------------------------------------------ parents
def th_chats(seed: int, n: int, th_share: float = 1.0) -> list[Chat]:
    """mini-th: direct answers in the prompt's language, mostly Thai prompts."""
    rng = random.Random(seed)
    items = stream(seed + 1, "train", ALL_MIX)
    out = []
    for _ in range(n):
        it: Item = next(items)
        lang = "th" if rng.random() < th_share else "en"
        out.append(Chat(lang, it.prompt[lang], it.answer[lang]))
    return out


def reasoner_chats(seed: int, n: int, p_en: float = 0.55, th_share: float = 0.5) -> list[Chat]:
    """mini-reasoner: English trace, then the answer; Thai prompts drift to English answers."""
    rng = random.Random(seed)
    items = stream(seed + 1, "train", ALL_MIX)
    out = []
    for _ in range(n):
        it = next(items)
        lang = "th" if rng.random() < th_share else "en"
        answer_lang = "en" if lang == "en" or rng.random() < p_en else "th"
        out.append(Chat(lang, it.prompt[lang], think_reply(it.trace, it.answer[answer_lang])))
    return out


def tokenizer_corpus(seed: int, n: int = 3000) -> list[str]:
    """Texts the BPE is trained on: both pretraining documents and both parents' replies."""
    texts = pretrain_docs(seed, n)
    texts += [c.user + "\n" + c.assistant for c in th_chats(seed + 7, n // 4)]
    texts += [c.user + "\n" + c.assistant for c in reasoner_chats(seed + 8, n // 4)]
    return texts
