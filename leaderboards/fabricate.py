"""Fabricated run directories with known per-sample outcomes, for tests, demos and benches.

A board, a gate or a site can be checked only against a truth known in advance; this writes
run directories in the real layout (run.json, generations.jsonl, scores.jsonl, results.json,
through `thaibench.records` and `thaibench.metrics`, so the files are exactly what `score`
writes) from outcomes given per scorer, language and item. Item i of a task has pair id
`<task>-<i:03d>` in every language, so Thai and English items are paired; its split is the
real `split_of(task, pair_id)`.

Example:
    spec = FabSpec(candidate={"id": "c1", "name": "model-a"}, task="mgsm",
                   scores={"math_equiv": {"th": [1, 0, 1], "en": [1, 1, 1]}})
    run_dir = fabricate_run(tmp_path / "out", spec)

Quirks: a value may be None (unscorable, NaN) or a list (one value per epoch). Answers default
to "answer <i>"; give `answers` and `details` (for example code-switch spans) to test the site.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thaibench.canonical import short_id
from thaibench.metrics import gap, generation_stats, mean_metric
from thaibench.records import (
    GENERATIONS_FILE,
    RESULTS_FILE,
    RUN_FILE,
    SCHEMA_VERSION,
    SCORES_FILE,
    dumps,
    now_iso,
    write_json_atomic,
)
from thaibench.task import split_of

Outcome = float | int | None | Sequence[float | int | None]


@dataclass(frozen=True)
class FabSpec:
    candidate: dict[str, Any]
    task: str
    # scorer -> lang -> outcome per item
    scores: Mapping[str, Mapping[str, Sequence[Outcome]]]
    version: str = "1"
    headline: tuple[str, str] | None = None  # default: first scorer, "mean"
    units: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    generation: Mapping[str, Any] = field(default_factory=lambda: {"max_tokens": 64, "temperature": 0.0, "seed": 1234})
    backend: Mapping[str, Any] = field(default_factory=lambda: {"name": "hf", "version": "test", "dtype": "float32"})
    # Changing these makes a "different prompt" / "different data" run.
    prompt_tag: str = ""
    data_tag: str = ""
    answers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    details: Mapping[str, Mapping[str, Sequence[Mapping[str, Any] | None]]] = field(default_factory=dict)
    judge: Any = None
    scorer_versions: Mapping[str, str] = field(default_factory=dict)


def _epochs(v: Outcome) -> list[float | None]:
    if isinstance(v, (list, tuple)):
        return [None if x is None else float(x) for x in v]
    return [None if v is None else float(v)]


def fabricate_run(out: Path, spec: FabSpec) -> Path:
    """Write one finished run directory under `out`; returns its path."""
    from thaibench.run import input_sha

    cand = dict(spec.candidate)
    langs = sorted({lang for per in spec.scores.values() for lang in per}, key=lambda x: (x != "th", x))
    ident = {"candidate": cand["id"], "task": spec.task, "task_version": spec.version,
             "backend": dict(spec.backend), "generation": dict(spec.generation)}
    run_id = short_id(ident)
    d = Path(out) / "runs" / cand["id"] / f"{spec.task}@v{spec.version}" / run_id
    d.mkdir(parents=True, exist_ok=True)
    data = {lang: {"sha256": short_id([spec.task, lang, spec.data_tag], 64), "where": "fabricated"}
            for lang in langs}
    record = {"schema_version": SCHEMA_VERSION, "run_id": run_id, "created": now_iso(), "identity": ident,
              "candidate": cand, "task": {"name": spec.task, "version": spec.version},
              "backend": dict(spec.backend), "generation": dict(spec.generation), "data": data}
    if spec.judge is not None:
        record["judge"] = spec.judge
    write_json_atomic(d / RUN_FILE, record)
    gens, rows = [], []
    first = next(iter(spec.scores))
    for lang in langs:
        n_items = max(len(per.get(lang, ())) for per in spec.scores.values())
        for i in range(n_items):
            pair = f"{spec.task}-{i:03d}"
            sid = f"{lang}/{pair}"
            split = split_of(spec.task, pair)
            messages = [{"role": "user", "content": f"[{lang}] question {i} of {spec.task}{spec.prompt_tag}"}]
            n_ep = max(len(_epochs(per[lang][i])) for per in spec.scores.values()
                       if lang in per and i < len(per[lang]))
            answer = spec.answers.get(lang, [])[i] if i < len(spec.answers.get(lang, [])) else f"answer {i}"
            for ep in range(n_ep):
                g = {"schema_version": SCHEMA_VERSION, "run_id": run_id, "sample_id": sid, "epoch": ep,
                     "lang": lang, "pair_id": pair, "split": split, "seed": ep, "prompt": messages,
                     "text": f"<think>thinking about {i}</think>{answer}", "reasoning": f"thinking about {i}",
                     "answer": answer, "finish_reason": "stop", "think_closed": True, "prompt_tokens": 10,
                     "completion_tokens": 20, "error": None, "extra": {}, "time": now_iso(),
                     "input_sha": input_sha(messages, f"target {i}{spec.data_tag}")}
                gens.append(g)
                for scorer, per in spec.scores.items():
                    if lang not in per or i >= len(per[lang]):
                        continue
                    vals = _epochs(per[lang][i])
                    if ep >= len(vals):
                        continue
                    det = spec.details.get(scorer, {}).get(lang, [])
                    rows.append({"schema_version": SCHEMA_VERSION, "run_id": run_id, "sample_id": sid,
                                 "epoch": ep, "lang": lang, "pair_id": pair, "split": split,
                                 "scorer": scorer, "scorer_version": spec.scorer_versions.get(scorer, "1"),
                                 "kind": spec.kinds.get(scorer, "accuracy"), "value": vals[ep],
                                 "answer": answer, "explanation": None,
                                 "details": dict(det[i]) if i < len(det) and det[i] else {}})
    (d / GENERATIONS_FILE).write_text("".join(dumps(g) + "\n" for g in gens), encoding="utf-8")
    (d / SCORES_FILE).write_text("".join(dumps(r) + "\n" for r in rows), encoding="utf-8")
    metrics = []
    for scorer in spec.scores:
        unit = spec.units.get(scorer, "fraction")
        per_lang = {}
        for lang in langs:
            mine = [r for r in rows if r["scorer"] == scorer and r["lang"] == lang]
            if mine:
                mv = mean_metric(mine, scorer, lang, unit)[0]
                per_lang[lang] = mv
                metrics.append(mv)
        if "th" in per_lang and "en" in per_lang:
            metrics.append(gap(per_lang["th"], per_lang["en"]))
    results = {
        "schema_version": SCHEMA_VERSION, "run_id": run_id, "created": now_iso(),
        "task": {"name": spec.task, "version": spec.version, "headline": list(spec.headline or (first, "mean"))},
        "candidate": cand, "langs": langs,
        "selection": {"split": "all", "limit": None, "epochs": 1, "n_items": len(gens)},
        "data": {lang: data[lang]["sha256"] for lang in langs}, "complete": True, "missing": 0, "errors": 0,
        "generation_stats": generation_stats(gens),
        "metrics": [{"name": m.name, "group": m.group, "value": m.value, "stderr": m.stderr, "n": m.n,
                     "n_nan": m.n_nan, "unit": m.unit, "kind": spec.kinds.get(m.name, "accuracy")} for m in metrics],
    }
    write_json_atomic(d / RESULTS_FILE, results)
    return d


LANG_SCORERS = {"answer_lang_ok": "lang", "think_present": "lang", "code_switch_rate": "lang"}


def demo_runs(out: Path, n_items: int = 80, seed: int = 0, tasks: Sequence[str] = ("mgsm", "math500")) -> list[Path]:
    """A small merge sweep with known qualities: two parents (a Thai model with good language
    accuracy and weak math, a reasoning model the other way round), three linear merges between
    them, and a model whose name contains markup. Thai answers carry a switched English span."""
    import numpy as np

    rng = np.random.default_rng(seed)
    thai = {"id": "p-thai", "name": "thai-parent", "kind": "checkpoint"}
    reason = {"id": "p-reason", "name": "reasoning-parent", "kind": "checkpoint"}
    cands: list[tuple[dict[str, Any], float, float]] = [(thai, 0.30, 0.97), (reason, 0.75, 0.45)]
    for t in (0.25, 0.5, 0.75):
        cands.append(({"id": f"merge-{t}", "name": f"linear-{t}", "kind": "merge",
                       "lineage": {"generator": "linear", "params": {"t": t},
                                   "parents": [{"id": "p-thai", "name": "thai-parent"},
                                               {"id": "p-reason", "name": "reasoning-parent"}]}},
                      0.30 + 0.45 * t, 0.97 - 0.5 * t * t))
    cands.append(({"id": "markup", "name": "<script>window.__pwned=1</script><b>bold</b> & co", "kind": "checkpoint"},
                  0.5, 0.8))
    answer = "คำตอบคือ 42 because the answer is 42 ครับ"
    start = answer.index("because")
    span = {"start": start, "end": start + len("because the answer is"), "lang": "en"}
    dirs = []
    for cand, acc, lang in cands:
        for task in tasks:
            switched = rng.random(n_items) > lang
            details = [{"rate": 0.4, "field": "answer", "spans": [span]} if s else {"rate": 0.0, "spans": []}
                       for s in switched]
            dirs.append(fabricate_run(out, FabSpec(
                candidate=cand, task=task,
                scores={"math_equiv": {"th": list((rng.random(n_items) < acc - 0.05).astype(int)),
                                       "en": list((rng.random(n_items) < acc).astype(int))},
                        "answer_lang_ok": {"th": list((~switched).astype(int)), "en": [1] * n_items},
                        "code_switch_rate": {"th": [0.4 if s else 0.0 for s in switched], "en": [0.0] * n_items},
                        "think_present": {"th": [1] * n_items, "en": [1] * n_items}},
                kinds=LANG_SCORERS, answers={"th": [answer] * n_items},
                details={"code_switch_rate": {"th": details}})))
    return dirs
