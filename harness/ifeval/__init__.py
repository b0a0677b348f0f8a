"""IFEval and IFEval-TH instruction checkers, written for thaibench.

Sources: IFEval, Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"
(arXiv:2311.07911), data google/IFEval (Apache-2.0, 541 prompts, 25 instruction ids); IFEval-TH,
scb10x/ifeval-th (215 Thai prompts using 20 of those ids; licence not stated upstream). The rules
follow Google's reference implementation as shipped in lm-eval 0.4.13, re-implemented here; see
docs/ifeval.md for every rule, quirk and the Thai design.

    from thaibench.ifeval import evaluate
    ev = evaluate(["punctuation:no_comma", "startend:end_checker"],
                  [{}, {"end_phrase": "มีอะไรให้ช่วยอีกไหม?"}],
                  "สวัสดีครับ มีอะไรให้ช่วยอีกไหม?", lang="th")
    ev.strict == (True, True)

Three rule sets: English rows reproduce the reference exactly (`variant="reference"`, the
default); `variant="corrected"` fixes the reference bugs listed in checks_text / checks_format;
Thai rows (`lang="th"`) count words, sentences and keywords with Thai-aware rules (thai.py).
"""

from thaibench.ifeval.evaluate import Evaluation, check, evaluate, loose_variants
from thaibench.ifeval.registry import INSTRUCTIONS, VARIANTS, Context, InstructionArgsError

INSTRUCTION_IDS = tuple(sorted(INSTRUCTIONS))

__all__ = [
    "INSTRUCTIONS",
    "INSTRUCTION_IDS",
    "VARIANTS",
    "Context",
    "Evaluation",
    "InstructionArgsError",
    "check",
    "evaluate",
    "loose_variants",
]
