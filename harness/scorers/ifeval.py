"""IFEval scorers and the IFEval metric (prompt/instruction level, strict/loose).

- `ifeval`: the reference rules (English verdicts equal Google's checker in lm-eval 0.4.13;
  Thai rows use the Thai-aware counting of thaibench.ifeval.thai).
- `ifeval_corrected`: the same with the documented reference bugs fixed (docs/ifeval.md).

One Score per sample: `value` is prompt-level strict (1 when every instruction is followed as
written, else 0); `details` holds every instruction's strict and loose verdict, so the `ifeval`
metric can compute the paper's four accuracies (Zhou et al. 2023, arXiv:2311.07911):
prompt-level strict/loose = share of prompts whose instructions are all followed; instruction-
level strict/loose = share of all instructions followed, pooled over prompts. Only the final
answer (`Generation.answer`) is checked, never the reasoning trace; an unclosed trace leaves no
answer, which follows nothing (0). A backend error or an unusable data row is NaN.

Metric names (per language group, plus the TH-EN gap): `<scorer>` = the leaderboard number, the
mean of the four accuracies; `<scorer>_prompt_strict`, `_prompt_loose`, `_inst_strict`,
`_inst_loose`. Standard errors are clustered on pair_id; the instruction-level ones (ratios of
sums) use the delta method.

Example: a sample with 2 instructions, one followed -> Score(0.0, details={"prompt_strict":
False, "instructions": [{"id": ..., "strict": True, "loose": True}, {...False...}], ...})
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from thaibench.metrics import clustered_mean, metric
from thaibench.scorers import ScoreFn, scorer
from thaibench.types import Generation, MetricValue, Sample, Score

ACCURACIES = ("prompt_strict", "prompt_loose", "inst_strict", "inst_loose")


def _build(variant: str) -> ScoreFn:
    from thaibench.ifeval import InstructionArgsError, evaluate

    def score(sample: Sample, gen: Generation) -> Score:
        if gen.error:
            return Score(math.nan, None, f"backend error: {gen.error}")
        target = sample.target if isinstance(sample.target, dict) else {}
        ids, kwargs = target.get("instruction_id_list"), target.get("kwargs")
        if not ids or kwargs is None:
            return Score(math.nan, None, "sample has no IFEval instructions")
        text = gen.answer if gen.answer or gen.think_closed is not None else gen.text
        try:
            ev = evaluate(ids, kwargs, text, lang=sample.lang, variant=variant)
        except InstructionArgsError as exc:
            return Score(math.nan, None, f"unusable IFEval row: {exc}")
        details = {**ev.to_dict(), "variant": variant, "rules": sample.lang}
        failed = [i for i, ok in zip(ev.instruction_ids, ev.strict, strict=True) if not ok]
        why = (f"followed {sum(ev.strict)}/{len(ids)} strict, {sum(ev.loose)}/{len(ids)} loose"
               + (f"; not followed: {', '.join(failed)}" if failed else ""))
        if gen.think_closed is False:
            why = "unclosed reasoning trace, no answer; " + why
        return Score(1.0 if ev.prompt_strict else 0.0, None, why, details)

    return score


@scorer("ifeval", version="1")
def ifeval() -> ScoreFn:
    """Prompt-level strict with per-instruction verdicts; reference rules."""
    return _build("reference")


@scorer("ifeval_corrected", version="1")
def ifeval_corrected() -> ScoreFn:
    """As `ifeval`, with the documented reference bugs fixed (opt-in comparison)."""
    return _build("corrected")


def _sample_counts(rows: Sequence[dict[str, Any]]) -> tuple[dict[str, list[float]], dict[str, str], int]:
    """Per sample (epochs averaged): [prompt_strict, prompt_loose, inst_strict followed,
    inst_loose followed, n instructions]; plus pair ids and the number of NaN samples."""
    acc: dict[str, list[list[float]]] = defaultdict(list)
    pairs: dict[str, str] = {}
    nan: set[str] = set()
    for r in rows:
        sid = r["sample_id"]
        pairs[sid] = str(r.get("pair_id", sid))
        d = r.get("details") or {}
        inst = d.get("instructions")
        if r.get("value") is None or (isinstance(r["value"], float) and math.isnan(r["value"])) or not inst:
            nan.add(sid)
            continue
        acc[sid].append([float(d["prompt_strict"]), float(d["prompt_loose"]),
                         float(sum(i["strict"] for i in inst)), float(sum(i["loose"] for i in inst)),
                         float(len(inst))])
    out = {sid: [sum(col) / len(vs) for col in zip(*vs, strict=True)] for sid, vs in acc.items()}
    return out, pairs, len(nan - set(out))


@metric("ifeval")
def ifeval_metric(rows: Sequence[dict[str, Any]], name: str, group: str) -> list[MetricValue]:
    """The four IFEval accuracies and their mean (named `name`, the leaderboard number)."""
    counts, pairs, n_nan = _sample_counts(rows)
    if not counts:
        nan = math.nan
        return [MetricValue(name, group, nan, None, 0, "fraction", n_nan)] + [
            MetricValue(f"{name}_{a}", group, nan, None, 0, "fraction", n_nan) for a in ACCURACIES]
    n_bar = sum(c[4] for c in counts.values()) / len(counts)
    per_metric: dict[str, dict[str, float]] = {}
    per_metric["prompt_strict"] = {s: c[0] for s, c in counts.items()}
    per_metric["prompt_loose"] = {s: c[1] for s, c in counts.items()}
    for key, col in (("inst_strict", 2), ("inst_loose", 3)):
        ratio = sum(c[col] for c in counts.values()) / (n_bar * len(counts))
        # Influence values of a ratio of sums: their mean is the ratio, their clustered
        # standard error the delta-method one.
        per_metric[key] = {s: ratio + (c[col] - ratio * c[4]) / n_bar for s, c in counts.items()}
    out = []
    for a in ACCURACIES:
        m, se, n = clustered_mean(per_metric[a], pairs)
        out.append(MetricValue(f"{name}_{a}", group, m, se, n, "fraction", n_nan))
    mean4 = {s: sum(per_metric[a][s] for a in ACCURACIES) / 4 for s in counts}
    m, se, n = clustered_mean(mean4, pairs)
    return [MetricValue(name, group, m, se, n, "fraction", n_nan)] + out
