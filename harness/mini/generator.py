"""Seeded generator of the miniature world's bilingual items (Thai and English, paired).

Written for this project (Apache-2.0). Every item exists in both languages under one
`pair_id`, with one English reasoning trace that fits either prompt:

    math, 2 steps, word problem
      en: "Malee has 7 apples. Then Malee buys 5 more. Then Malee gives away 3.
           How many apples does Malee have now?"
      th: "มาลีมีแอปเปิล 7 ผล จากนั้นซื้อมาอีก 5 ผล แล้วแบ่งให้เพื่อนไป 3 ผล ตอนนี้มาลีมีแอปเปิลกี่ผล"
      trace: "Malee starts with 7 apples.\\nBuys 5 more: 7 + 5 = 12.\\nGives away 3: 12 - 3 = 9.\\n..."
      answers: "Answer: 9" / "คำตอบ: 9"  (the final line the math scorer reads)

Kinds: `math` items with `steps` = 1 (single-step: a small model can answer directly) or 2-3
(multi-step: it needs to write the intermediate results), in two forms (`arith` expressions and
`word` problems); `general` items (opposites, colours, days, capitals, animals, tips, greetings)
with Thai and English answers, used for language accuracy.

Held-out items: `bucket(item.group)` puts about one group in five in the `eval` bucket, where
a math item's group is its computation (start value and operations, in any wording) and a
general item's group is its wording. Training draws reject eval groups and evaluation draws keep
only them, so no held-out prompt and no held-out chain of operations is ever trained on. Single
arithmetic facts ("7 + 5 = 12") are knowledge, not items: the pretraining drills cover them all,
since a trace step can only be right if its fact is known. Numbers stay in 0..20 (operands up to
9) so that a 1M-parameter model learns the facts in minutes.

Quirks: determinism rests on `random.Random(seed)` and on the order of the lists in
`thaibench.mini.lexicon`; editing either changes the items (and the build's version hash).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from thaibench.mini import lexicon as lx

EVAL_SHARE = 0.2
# Number ranges: every value (start, partial and final result) stays in 0..MAX_VALUE; one step
# adds or subtracts 1..MAX_OPERAND; a product start is at most MUL_MAX x MUL_MAX.
MAX_VALUE = 20
MAX_OPERAND = 9
START_MAX = 12
MUL_MAX = 4


@dataclass(frozen=True)
class Item:
    """One paired item. `trace` is the English reasoning; `target` the gold answer string.

    `key` identifies the item (its wording included); `group` is what is held out: for math the
    computation itself (start and operations, whatever the wording), for general items the key."""

    key: str
    kind: str  # "math" | "general"
    family: str  # "arith", "word", "opposite", ...
    steps: int  # operations for math (1 = single-step), 0 for general
    prompt: dict[str, str]  # lang -> user message
    answer: dict[str, str]  # lang -> final answer text
    trace: str
    target: str
    extra: dict[str, Any] = field(default_factory=dict)
    group: str = ""

    def __post_init__(self) -> None:
        if not self.group:
            object.__setattr__(self, "group", self.key)

    @property
    def pair_id(self) -> str:
        return "mini-" + hashlib.sha256(self.key.encode()).hexdigest()[:12]


def bucket(key: str) -> str:
    """`eval` or `train` from a hash of an item's `group`: fixed, whatever the seed."""
    h = int(hashlib.sha256(("mini-bucket\0" + key).encode()).hexdigest()[:8], 16)
    return "eval" if h / 0xFFFFFFFF < EVAL_SHARE else "train"


def _key(*parts: Any) -> str:
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def answer_line(lang: str, value: str) -> str:
    return f"คำตอบ: {value}" if lang == "th" else f"Answer: {value}"


# ---------------------------------------------------------------------------------- math
OP_SYMBOL = {"add": "+", "sub": "-"}
ARITH_PROMPTS = (
    ("What is {e}?", "{e} เท่ากับเท่าไร"),
    ("Calculate {e}.", "จงคำนวณ {e}"),
    ("Find the value of {e}.", "จงหาค่าของ {e}"),
)


def _ops(rng: random.Random, start: int, steps: int) -> list[tuple[str, int]]:
    """Draw `steps` additions/subtractions that keep every partial result in 0..MAX_VALUE."""
    ops, cur = [], start
    for _ in range(steps):
        can_sub = cur >= 3
        can_add = cur <= MAX_VALUE - 2
        op = "sub" if can_sub and (not can_add or rng.random() < 0.5) else "add"
        if op == "add":
            n = rng.randint(2, min(MAX_OPERAND, MAX_VALUE - cur))
            cur += n
        else:
            n = rng.randint(1, min(MAX_OPERAND, cur - 1))
            cur -= n
        ops.append((op, n))
    return ops


def _apply(cur: int, op: str, n: int) -> int:
    return cur + n if op == "add" else cur - n


def arith_item(rng: random.Random, steps: int) -> Item:
    start = rng.randint(2, START_MAX)
    ops = _ops(rng, start, steps)
    tpl = rng.randrange(len(ARITH_PROMPTS))
    expr = " ".join([str(start)] + [f"{OP_SYMBOL[o]} {n}" for o, n in ops])
    lines, cur = [], start
    for o, n in ops:
        nxt = _apply(cur, o, n)
        lines.append(f"{cur} {OP_SYMBOL[o]} {n} = {nxt}.")
        cur = nxt
    trace = "Let me compute step by step.\n" + "\n".join(lines) + f"\nSo the result is {cur}."
    en, th = ARITH_PROMPTS[tpl]
    return Item(
        key=_key("arith", start, ops, tpl), group=_key("calc", start, ops), kind="math", family="arith",
        steps=steps,
        prompt={"en": en.format(e=expr), "th": th.format(e=expr)},
        answer={"en": answer_line("en", str(cur)), "th": answer_line("th", str(cur))},
        trace=trace, target=str(cur),
    )


def word_item(rng: random.Random, steps: int) -> Item:
    ni = rng.randrange(len(lx.NAMES))
    ti = rng.randrange(len(lx.THINGS))
    (name_en, name_th), (thing_en, thing_th, cls) = lx.NAMES[ni], lx.THINGS[ti]
    # A multiplication start ("3 bags with 4 apples in each") counts as one step.
    mul = rng.random() < 0.3
    if mul:
        bags, each = rng.randint(2, MUL_MAX), rng.randint(2, MUL_MAX)
        start = bags * each
        en = [f"{name_en} has {bags} bags with {each} {thing_en} in each."]
        th = [f"{name_th}มีถุง {bags} ใบ แต่ละใบมี{thing_th} {each} {cls}"]
        trace = [f"{bags} bags with {each} {thing_en} each: {bags} × {each} = {start}."]
        rest = steps - 1
    else:
        start = rng.randint(3, START_MAX)
        en = [f"{name_en} has {start} {thing_en}."]
        th = [f"{name_th}มี{thing_th} {start} {cls}"]
        trace = [f"{name_en} starts with {start} {thing_en}."]
        rest = steps
        bags = each = 0
    ops = _ops(rng, start, rest)
    verbs, cur = [], start
    for i, (o, n) in enumerate(ops):
        table = lx.ADD_STEPS if o == "add" else lx.SUB_STEPS
        vi = rng.randrange(len(table))
        verbs.append(vi)
        v_en, v_th = table[vi]
        en.append(f"Then {name_en} {v_en.format(n=n)}.")
        th.append(("จากนั้น" if i == 0 else "แล้ว") + v_th.format(n=n, c=cls))
        nxt = _apply(cur, o, n)
        trace.append(f"{v_en.format(n=n).capitalize()}: {cur} {OP_SYMBOL[o]} {n} = {nxt}.")
        cur = nxt
    en.append(f"How many {thing_en} does {name_en} have now?")
    th.append(f"ตอนนี้{name_th}มี{thing_th}กี่{cls}")
    trace.append(f"So {name_en} has {cur} {thing_en}.")
    return Item(
        key=_key("word", ni, ti, mul, bags, each, start, ops, verbs), kind="math", family="word",
        group=_key("calc-mul", bags, each, ops) if mul else _key("calc", start, ops),
        steps=steps, prompt={"en": " ".join(en), "th": " ".join(th)},
        answer={"en": answer_line("en", str(cur)), "th": answer_line("th", str(cur))},
        trace="\n".join(trace), target=str(cur), extra={"unit_th": cls},
    )


def math_item(rng: random.Random, steps: int) -> Item:
    return (arith_item if rng.random() < 0.5 else word_item)(rng, steps)


# ---------------------------------------------------------------------------------- general
def _general(family: str, slot: int, tpl: int, p_en: str, a_en: str, p_th: str, a_th: str, trace: str) -> Item:
    return Item(key=_key(family, slot, tpl), kind="general", family=family, steps=0,
                prompt={"en": p_en, "th": p_th}, answer={"en": a_en, "th": a_th}, trace=trace, target=a_en)


def general_item(rng: random.Random) -> Item:
    family = rng.choice(("opposite", "colour", "day", "capital", "legs", "animal", "tip", "greet"))
    tpl = rng.randrange(3)
    if family == "opposite":
        i = rng.randrange(len(lx.OPPOSITES))
        w, o, wt, ot = lx.OPPOSITES[i]
        p = [(f"What is the opposite of '{w}'?", f"คำตรงข้ามของ '{wt}' คืออะไร"),
             (f"Give the opposite word of '{w}'.", f"บอกคำที่มีความหมายตรงข้ามกับ '{wt}'"),
             (f"Which word means the opposite of '{w}'?", f"คำใดมีความหมายตรงข้ามกับ '{wt}'")][tpl]
        return _general(family, i, tpl, p[0], f"The opposite of '{w}' is '{o}'.", p[1],
                        f"คำตรงข้ามของ '{wt}' คือ '{ot}'",
                        f"The user wants the opposite of '{w}'. The opposite of '{w}' is '{o}'.")
    if family == "colour":
        i = rng.randrange(len(lx.COLOURS))
        t, c, tt, ct = lx.COLOURS[i]
        p = [(f"What colour is {t}?", f"{tt}มีสีอะไร"), (f"Tell me the colour of {t}.", f"บอกสีของ{tt}"),
             (f"Which colour is {t}?", f"{tt}เป็นสีอะไร")][tpl]
        return _general(family, i, tpl, p[0], f"{t[0].upper() + t[1:]} is {c}.", p[1], f"{tt}มี{ct}",
                        f"The user asks about the colour of {t}. It is {c}.")
    if family == "day":
        i = rng.randrange(len(lx.DAYS))
        d, dt = lx.DAYS[i]
        n, nt = lx.DAYS[(i + 1) % 7]
        p = [(f"What day comes after {d}?", f"วันอะไรมาหลัง{dt}"),
             (f"Which day is after {d}?", f"วันถัดจาก{dt}คือวันอะไร"),
             (f"If today is {d}, what day is tomorrow?", f"ถ้าวันนี้เป็น{dt} พรุ่งนี้เป็นวันอะไร")][tpl]
        return _general(family, i, tpl, p[0], f"{n} comes after {d}.", p[1], f"{nt}มาหลัง{dt}",
                        f"The user asks for the day after {d}. The day after {d} is {n}.")
    if family == "capital":
        i = rng.randrange(len(lx.CAPITALS))
        c, cap, ct, capt = lx.CAPITALS[i]
        p = [(f"What is the capital of {c}?", f"เมืองหลวงของ{ct}คืออะไร"),
             (f"Name the capital city of {c}.", f"บอกชื่อเมืองหลวงของ{ct}"),
             (f"Which city is the capital of {c}?", f"เมืองใดเป็นเมืองหลวงของ{ct}")][tpl]
        return _general(family, i, tpl, p[0], f"The capital of {c} is {cap}.", p[1],
                        f"เมืองหลวงของ{ct}คือ{capt}",
                        f"The user asks for the capital of {c}. The capital of {c} is {cap}.")
    if family == "legs":
        i = rng.randrange(len(lx.ANIMALS))
        a, legs, at, _ = lx.ANIMALS[i]
        p = [(f"How many legs does {a} have?", f"{at}มีกี่ขา"),
             (f"Tell me the number of legs of {a}.", f"บอกจำนวนขาของ{at}"),
             (f"Count the legs of {a}.", f"นับขาของ{at}")][tpl]
        return _general(family, i, tpl, p[0], f"{a[0].upper() + a[1:]} has {legs} legs.", p[1],
                        f"{at}มี {legs} ขา", f"The user asks about the legs of {a}. It has {legs} legs.")
    if family == "animal":
        i = rng.randrange(len(lx.ANIMALS))
        a, _, at, desc = lx.ANIMALS[i]
        p = [(f"Describe {a} in one sentence.", f"อธิบาย{at}ในหนึ่งประโยค"),
             (f"What is {a}?", f"{at}คืออะไร"),
             (f"Tell me about {a}.", f"เล่าเรื่อง{at}ให้ฟังหน่อย")][tpl]
        return _general(family, i, tpl, p[0], f"{a[0].upper() + a[1:]} is {desc}.", p[1],
                        f"{at}เป็น{lx.ANIMAL_TH_DESC[desc]}",
                        f"The user wants a short description of {a}. It is {desc}.")
    if family == "tip":
        i = rng.randrange(len(lx.TIPS))
        t, tip, tt, tipt = lx.TIPS[i]
        p = [(f"Give me one tip for {t}.", f"ขอคำแนะนำหนึ่งข้อสำหรับ{tt}"),
             (f"How can I get better at {t}?", f"ทำอย่างไรให้{tt}ดีขึ้น"),
             (f"What should I do for {t}?", f"ควรทำอย่างไรเพื่อ{tt}")][tpl]
        return _general(family, i, tpl, p[0], f"A good tip for {t}: {tip}.", p[1],
                        f"คำแนะนำสำหรับ{tt}คือ{tipt}",
                        f"The user wants advice on {t}. A simple tip is to {tip}.")
    i = rng.randrange(len(lx.NAMES))
    n, nt = lx.NAMES[i]
    p = [(f"Say hello to {n}.", f"กล่าวทักทาย{nt}"),
         (f"Write a short greeting for {n}.", f"เขียนคำทักทายสั้น ๆ ถึง{nt}"),
             (f"Greet {n} politely.", f"ทักทาย{nt}อย่างสุภาพ")][tpl]
    return _general("greet", i, tpl, p[0], f"Hello, {n}! It is nice to meet you.", p[1],
                    f"สวัสดี{nt} ยินดีที่ได้รู้จัก",
                    f"The user wants a greeting for {n}. I will say hello politely.")


# ---------------------------------------------------------------------------------- streams
def draw(rng: random.Random, kind: str, steps: int = 0) -> Item:
    return general_item(rng) if kind == "general" else math_item(rng, steps)


def stream(seed: int, split: str, mix: tuple[tuple[str, int, float], ...]) -> Iterator[Item]:
    """Endless items of one split (`train` or `eval`): `mix` is (kind, steps, weight) rows."""
    rng = random.Random(seed)
    kinds = [(k, s) for k, s, _ in mix]
    weights = [w for _, _, w in mix]
    while True:
        kind, steps = rng.choices(kinds, weights)[0]
        item = draw(rng, kind, steps)
        if bucket(item.group) == split:
            yield item


def held_out(seed: int, n_single: int, n_multi: int, n_general: int) -> list[Item]:
    """Distinct eval-bucket items: single-step, multi-step (2 and 3 steps), general."""
    rng = random.Random(seed)
    out: list[Item] = []
    seen: set[str] = set()

    def take(n: int, kind: str, steps_choices: tuple[int, ...]) -> None:
        got, tries = 0, 0
        while got < n:
            tries += 1
            if tries > 200 * n + 1000:
                raise RuntimeError(f"could not draw {n} distinct held-out {kind} items")
            item = draw(rng, kind, rng.choice(steps_choices))
            if bucket(item.group) == "eval" and item.key not in seen:
                seen.add(item.key)
                out.append(item)
                got += 1

    take(n_single, "math", (1,))
    take(n_multi, "math", (2, 3))
    take(n_general, "general", (0,))
    return out


def n_eval_general() -> int:
    """How many distinct general items the eval bucket holds (the general pool is finite)."""
    rng = random.Random(0)
    items = {it.key: it for it in (general_item(rng) for _ in range(20000))}
    return sum(bucket(it.group) == "eval" for it in items.values())
