"""Prompts and settings shared by the math tasks (MATH-500, AIME, MGSM).

The prompts follow DeepSeek-R1's advice for math ("Please reason step by step, and put your
final answer within \\boxed{}"), written in the sample's language. Defaults are greedy with a
generous budget; for reasoning models use the R1 settings (`--temperature 0.6 --top-p 0.95
--max-tokens 32768 --samples 4`), which the run record then shows.
"""

from __future__ import annotations

from thaibench.types import GenerationConfig, Messages, Sample

PROMPT_EN = "{problem}\n\nPlease reason step by step, and put your final answer within \\boxed{{}}."
PROMPT_TH = "{problem}\n\nกรุณาให้เหตุผลทีละขั้นตอน และใส่คำตอบสุดท้ายไว้ใน \\boxed{{}}"
PROMPTS = {"en": PROMPT_EN, "th": PROMPT_TH}

MATH_GENERATION = GenerationConfig(max_tokens=4096, temperature=0.0)
AIME_GENERATION = GenerationConfig(max_tokens=8192, temperature=0.0)
MATH_SCORERS = (("math_equiv", {}),)
MATH_HEADLINE = ("math_equiv", "mean")


def math_prompt(sample: Sample) -> Messages:
    return [{"role": "user", "content": PROMPTS[sample.lang].format(problem=sample.input)}]
