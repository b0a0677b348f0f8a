"""Miniature SFT rows from the miniature world's generator, in the real sources' row shapes.

Why: the recipe's SFT stage must run offline in CI on the miniature parents, and the same
parser, filters and card must see it as they see Bespoke-Stratos. Rows come from
`thaibench.mini.generator`'s TRAINING bucket only (the `mini` suite's held-out items are never
trained on) and are written as Bespoke-Stratos conversations (`<|begin_of_thought|>` markers)
or instruction rows, so the miniature exercises the full parse path.

A `mini:` source mirrors the paper's SFT-v3 parts: English reasoning rows (the Stratos part),
Thai-question / English-trace / Thai-answer rows (the translated part: the generator writes
every item in both languages, so no translator is needed), and Thai general instructions
answered with a trace.

    - name: mini_th
      mini: {seed: 21, n: 800, mix: math, lang: th, answer_lang: th}

Keys: seed, n, mix (math | general | all), lang (en | th, the question), answer_lang (same,
en, th), trace (true: keep the English trace), shape (conversations | instruction).

Written for this project (Apache-2.0).
"""

from __future__ import annotations

from typing import Any

from thaibench.errors import UserError
from thaibench.sftdata.rows import STRATOS

KEYS = ("seed", "n", "mix", "lang", "answer_lang", "trace", "shape")


def _mix(name: str) -> tuple[tuple[str, int, float], ...]:
    from thaibench.mini.corpus import ALL_MIX, MATH_MIX

    mixes = {"math": MATH_MIX, "general": (("general", 0, 1.0),), "all": ALL_MIX}
    if name not in mixes:
        raise UserError(f"mini source: mix must be one of {', '.join(mixes)}, not {name!r}")
    return mixes[name]


def stratos_reply(trace: str | None, answer: str) -> str:
    b_t, e_t, b_s, e_s = STRATOS
    solution = f"{b_s}\n\n{answer}\n\n{e_s}"
    return f"{b_t}\n\n{trace}\n\n{e_t}\n\n{solution}" if trace else solution


def mini_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    from thaibench.mini.generator import stream

    unknown = set(spec) - set(KEYS)
    if unknown:
        raise UserError(f"mini source: unknown keys {sorted(unknown)}; known: {', '.join(KEYS)}")
    lang = spec.get("lang", "en")
    answer_lang = spec.get("answer_lang", "same")
    answer_lang = lang if answer_lang == "same" else answer_lang
    if lang not in ("en", "th") or answer_lang not in ("en", "th"):
        raise UserError("mini source: lang and answer_lang are en or th (answer_lang may be `same`)")
    shape = spec.get("shape", "conversations")
    if shape not in ("conversations", "instruction"):
        raise UserError("mini source: shape is conversations or instruction")
    items = stream(int(spec.get("seed", 0)), "train", _mix(spec.get("mix", "all")))
    rows = []
    for _ in range(int(spec.get("n", 100))):
        it = next(items)
        trace = it.trace if spec.get("trace", True) else None
        q, a = it.prompt[lang], it.answer[answer_lang]
        if shape == "conversations":
            rows.append({"id": f"{it.pair_id}-{lang}", "pair_id": it.pair_id,
                         "conversations": [{"from": "user", "value": q},
                                           {"from": "assistant", "value": stratos_reply(trace, a)}]})
        else:
            rows.append({"id": f"{it.pair_id}-{lang}", "pair_id": it.pair_id, "instruction": q, "output": a,
                         **({"reasoning": trace} if trace else {})})
    return rows
