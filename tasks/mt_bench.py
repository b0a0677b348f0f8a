"""MT-Bench (EN) and the M2Lingual Thai MT-Bench (TH): two-turn questions rated 1-10 by a judge.

Sources: English `lm-sys/FastChat` llm_judge data (Apache-2.0; local `mt_bench/question.jsonl`,
GPT-4 references `mt_bench/reference_answer_gpt-4.jsonl`, judge prompts
`mt_bench/judge_prompts.jsonl`, read at run time as data); Thai: ServiceNow's M2Lingual
translation (`mt_bench_th/question.jsonl`, references `mt_bench_th/reference_answer_gpt-4.jsonl`),
same question ids and categories, paired by question id. The recipe's paper used a different,
hub-only Thai set (ThaiLLM-Leaderboard/mt-bench-thai); columns name the set: "mt_bench (M2Lingual TH)".

Generation follows FastChat: per-category temperatures (writing, roleplay 0.7; extraction,
math, coding, reasoning 0.0; stem, humanities 0.1), overridable with --temperature. Turn 2 is
generated with turn 1's answer in context and turn 1's reasoning trace removed. Judging follows
FastChat's single-answer grading: `single-v1` for turn 1, `single-v1-multi-turn` for turn 2, and the
`-math-` variants with the reference answer for math, reasoning and coding. The judge sees only
final answers, never a trace.

Example: {"question_id": 81, "category": "writing", "turns": ["Compose an engaging travel blog ...", "Rewrite your previous response. Start every sentence with the letter A."]}
"""

from __future__ import annotations

import math
from typing import Any

from thaibench.canonical import canonical_json, sha256_text
from thaibench.data import DataSource, load_rows
from thaibench.judge import JudgeRequest
from thaibench.metrics import clustered_mean, metric, per_sample
from thaibench.scorers import get_scorer, scorer
from thaibench.task import MalformedRow, Task, register_task
from thaibench.types import Generation, GenerationConfig, MetricValue, Sample, Score

TEMPERATURE = {"writing": 0.7, "roleplay": 0.7, "extraction": 0.0, "math": 0.0, "coding": 0.0,
               "reasoning": 0.0, "stem": 0.1, "humanities": 0.1}
NEED_REF = ("math", "reasoning", "coding")
QUESTIONS = {"en": "mt_bench/question.jsonl", "th": "mt_bench_th/question.jsonl"}
REFERENCES = {"en": "mt_bench/reference_answer_gpt-4.jsonl", "th": "mt_bench_th/reference_answer_gpt-4.jsonl"}
JUDGE_PROMPTS = DataSource(local="mt_bench/judge_prompts.jsonl")


def _load(lang: str, row: dict[str, Any], index: int) -> Sample:
    # Local FastChat files: question_id/turns; the hub copy (HuggingFaceH4/mt_bench_prompts): prompt_id/prompt.
    turns = row.get("turns", row.get("prompt"))
    qid, cat = row.get("question_id", row.get("prompt_id")), row.get("category")
    if not isinstance(turns, list) or len(turns) != 2 or not all(isinstance(t, str) for t in turns) or qid is None:
        raise MalformedRow("expected question_id, category and two turns")
    return Sample(id=f"{lang}/{qid}", lang=lang, input=turns, target={"question_id": qid, "category": cat},
                  metadata={"pair_id": str(qid), "category": cat,
                            "generation": {"temperature": TEMPERATURE.get(cat, 0.7)}})


def _prompt(sample: Sample) -> list[dict[str, str]]:
    return [{"role": "user", "content": t} for t in sample.input]


def judge_context(data_dir: Any) -> tuple[dict[str, Any], str]:
    prompt_rows, _ = load_rows(JUDGE_PROMPTS, data_dir)
    prompts = {r["name"]: r for r in prompt_rows}
    refs: dict[str, dict[int, list[str]]] = {}
    for lang, rel in REFERENCES.items():
        try:
            rows, _ = load_rows(DataSource(local=rel), data_dir)
        except Exception:  # a language without references: only its math/coding/reasoning rows suffer
            rows = []
        refs[lang] = {r["question_id"]: r["choices"][0]["turns"] for r in rows}
    return {"prompts": prompts, "refs": refs}, sha256_text(canonical_json(prompt_rows))


def judge_requests(sample: Sample, gen: dict[str, Any], ctx: dict[str, Any]) -> list[JudgeRequest]:
    turns = (gen.get("extra") or {}).get("turns") or []
    if len(turns) != 2:
        return []
    q1, q2 = sample.input
    a1, a2 = turns[0]["answer"], turns[1]["answer"]
    ref = _reference(sample, ctx)
    math_ = "-math" if ref else ""
    out = []
    for key, name, fields in (
        ("turn1", f"single{math_}-v1", {"question": q1, "answer": a1}),
        ("turn2", f"single{math_}-v1-multi-turn", {"question_1": q1, "answer_1": a1, "question_2": q2, "answer_2": a2}),
    ):
        p = ctx["prompts"][name]
        if ref:
            fields = {**fields, "ref_answer_1": ref[0], "ref_answer_2": ref[1] if len(ref) > 1 else ""}
        messages = [{"role": "system", "content": p["system_prompt"]},
                    {"role": "user", "content": p["prompt_template"].format(**fields)}]
        out.append(JudgeRequest(key, messages))
    return out


def _reference(sample: Sample, ctx: dict[str, Any]) -> list[str] | None:
    cat = sample.metadata.get("category")
    if cat not in NEED_REF:
        return None
    qid = sample.target["question_id"]
    return ctx["refs"].get(sample.lang, {}).get(qid) or ctx["refs"].get("en", {}).get(qid)


def pairwise_requests(sample: Sample, gen: dict[str, Any], base: dict[str, Any], ctx: dict[str, Any]
                      ) -> list[JudgeRequest]:
    """FastChat's pairwise prompts (`pair-v2`, `pair-math-v1` and their multi-turn variants), each
    turn judged in both orders: key `pw{turn}-ab` puts the candidate first, `pw{turn}-ba` second."""
    mine = (gen.get("extra") or {}).get("turns") or []
    theirs = (base.get("extra") or {}).get("turns") or []
    if len(mine) != 2 or len(theirs) != 2:
        return []
    q1, q2 = sample.input
    ref = _reference(sample, ctx)
    kind = "pair-math-v1" if ref else "pair-v2"
    out = []
    for order, (a, b) in (("ab", (mine, theirs)), ("ba", (theirs, mine))):
        one = {"question": q1, "answer_a": a[0]["answer"], "answer_b": b[0]["answer"]}
        two = {"question_1": q1, "question_2": q2, "answer_a_1": a[0]["answer"], "answer_a_2": a[1]["answer"],
               "answer_b_1": b[0]["answer"], "answer_b_2": b[1]["answer"]}
        if ref:
            one["ref_answer_1"] = ref[0]
            two.update(ref_answer_1=ref[0], ref_answer_2=ref[1] if len(ref) > 1 else "")
        for turn, name, fields in ((1, kind, one), (2, f"{kind}-multi-turn", two)):
            p = ctx["prompts"][name]
            messages = [{"role": "system", "content": p["system_prompt"]},
                        {"role": "user", "content": p["prompt_template"].format(**fields)}]
            out.append(JudgeRequest(f"pw{turn}-{order}", messages, kind="choice"))
    return out


def pairwise_outcome(judged: dict[str, Any], turn: int) -> float:
    """1 win, 0 loss, 0.5 tie for the candidate on one turn; the two orders must agree, else a
    tie (FastChat's rule for inconsistent verdicts); NaN when a verdict is missing."""
    ab = (judged.get(f"pw{turn}-ab") or {}).get("verdict")
    ba = (judged.get(f"pw{turn}-ba") or {}).get("verdict")
    if ab is None or ba is None:
        return math.nan
    first = {"A": 1.0, "B": 0.0, "C": 0.5}[ab]      # candidate is A
    second = {"A": 0.0, "B": 1.0, "C": 0.5}[ba]     # candidate is B
    return first if first == second else 0.5


@scorer("mt_bench_pairwise")
def mt_bench_pairwise() -> Any:
    """Win rate against the baseline (mean over both turns), from pairwise judgements."""
    def score(sample: Sample, gen: Generation) -> Score:
        judged = (gen.extra or {}).get("judgements") or {}
        outcomes = [pairwise_outcome(judged, t) for t in (1, 2)]
        details = {"category": sample.metadata.get("category"), "turns": outcomes}
        if any(math.isnan(o) for o in outcomes):
            return Score(math.nan, explanation="pairwise verdict missing", details=details)
        return Score(sum(outcomes) / 2, details=details)
    return score


def _rating(gen: Generation, keys: tuple[str, ...], sample: Sample) -> Score:
    judged = (gen.extra or {}).get("judgements")
    details = {"category": sample.metadata.get("category")}
    if gen.error:
        return Score(math.nan, explanation=f"generation failed: {gen.error}", details=details)
    if not judged:
        return Score(math.nan, explanation="not judged", details=details)
    values = [judged[k]["verdict"] for k in keys if k in judged and judged[k]["verdict"] is not None]
    if len(values) < len(keys):
        tries = {k: judged.get(k, {}).get("attempts", 0) for k in keys}
        return Score(math.nan, explanation=f"judge gave no rating (attempts: {tries})", details=details)
    return Score(sum(values) / len(values), answer=str(values), details=details)


@scorer("mt_bench_turn1")
def mt_bench_turn1() -> Any:
    return lambda sample, gen: _rating(gen, ("turn1",), sample)


@scorer("mt_bench_turn2")
def mt_bench_turn2() -> Any:
    return lambda sample, gen: _rating(gen, ("turn2",), sample)


@scorer("mt_bench_score")
def mt_bench_score() -> Any:
    """Mean of the two turns' ratings (FastChat's overall score averages all turn ratings)."""
    return lambda sample, gen: _rating(gen, ("turn1", "turn2"), sample)


def _on_turn(inner: str, turn: int) -> Any:
    def score(sample: Sample, gen: Generation) -> Score:
        turns = (gen.extra or {}).get("turns") or []
        if len(turns) <= turn:
            return Score(math.nan, explanation="turn missing")
        return get_scorer(inner)(sample, Generation.from_dict(turns[turn]))
    return score


@scorer("answer_lang_ok_turn1", kind="lang")
def answer_lang_ok_turn1() -> Any:
    return _on_turn("answer_lang_ok", 0)


@scorer("answer_lang_ok_turn2", kind="lang")
def answer_lang_ok_turn2() -> Any:
    return _on_turn("answer_lang_ok", 1)


@metric("mean_score")
def mean_score(rows: Any, name: str, group: str) -> list[MetricValue]:
    values, pairs, n_nan = per_sample(rows)
    m, se, n = clustered_mean(values, pairs)
    out = [MetricValue(name, group, m, se, n, "score", n_nan)]
    cats = sorted({(r.get("details") or {}).get("category") for r in rows} - {None})
    for cat in cats:
        sub = [r for r in rows if (r.get("details") or {}).get("category") == cat]
        values, pairs, n_nan = per_sample(sub)
        m, se, n = clustered_mean(values, pairs)
        out.append(MetricValue(name, group, m, se, n, "score", n_nan, slice=cat))
    return out


MT_BENCH = register_task(Task(
    name="mt_bench",
    version="1",
    description="MT-Bench two-turn questions judged 1-10 (EN: FastChat; TH: M2Lingual)",
    sources={"th": DataSource(local=QUESTIONS["th"]),  # M2Lingual is published in FastChat's repo only
             "en": DataSource(hub_id="HuggingFaceH4/mt_bench_prompts", hub_split="train", local=QUESTIONS["en"])},
    load=_load,
    prompt=_prompt,
    scorers=(("mt_bench_score", {}), ("mt_bench_turn1", {}), ("mt_bench_turn2", {}),
             ("answer_lang_ok_turn1", {}), ("answer_lang_ok_turn2", {})),
    generation=GenerationConfig(max_tokens=2048, temperature=0.7),
    suites=("mt_bench", "typhoon_r1"),
    metrics={"mt_bench_score": ("mean_score",), "mt_bench_turn1": ("mean_score",),
             "mt_bench_turn2": ("mean_score",)},
    headline=("mt_bench_score", "mean_score"),
    multi_turn=True,
    judge_context=judge_context,
    judge_requests=judge_requests,
    pairwise_requests=pairwise_requests,
    quirks="TH is the M2Lingual translation (80 questions), not the paper's hub-only 91-question set.",
))

