"""What an exported lm-eval task folder calls at run time (its utils.py points here).

- `load_docs(thaibench_task=..., thaibench_lang=...)`: lm-eval's `custom_dataset`. The documents
  are the task's own samples, read by thaibench's loader (hub id, or the local mirror named by
  `--data-dir`-style `THAIBENCH_DATA_DIR`), so lm-eval and `thaibench score` see the same items
  in the same order. Each document holds the serialised Sample plus the prompt fields the YAML
  reads (`prompt`, `system`, `context`, `choices`, `gold`, `target_text`).
- `process_results(doc, results)`: the response becomes a thaibench Generation (the reasoning
  trace split off exactly as `thaibench score` does), every scorer of the task runs on it
  (language scorers included), and each metric name gets the whole score row as its item.
- `aggregation(scorer, metric, name)`: an lm-eval aggregation that runs thaibench's metric on
  those rows, so aggregates equal thaibench's (NaN = unscorable rows excluded, IFEval's four
  accuracies, pass@k).

Known limit: lm-eval does not say whether a response hit its token limit, so scorers see
`finish_reason` None; the math scorer then applies its last-line fallback to every response,
where `thaibench score` skips it for cut-off ones.
"""

from __future__ import annotations

import json
import math
from typing import Any

from thaibench.reasoning import split_reasoning
from thaibench.types import Generation, Sample


def _task(name: str) -> Any:
    from thaibench.task import get_task

    return get_task(name)


def doc_of(task: Any, sample: Sample) -> dict[str, Any]:
    """One lm-eval document for one sample (flat, Arrow-friendly: nested data as JSON text)."""
    doc: dict[str, Any] = {
        "thaibench_task": task.name, "sample_id": sample.id, "lang": sample.lang, "pair_id": sample.pair_id,
        "sample": json.dumps({"id": sample.id, "lang": sample.lang, "input": sample.input,
                              "target": sample.target, "metadata": sample.metadata}, ensure_ascii=False),
    }
    if task.output_type == "multiple_choice":
        pairs = task.continuations(sample)
        contexts = {c for c, _ in pairs}
        if len(contexts) != 1 or not all(x.startswith(" ") for _, x in pairs):
            raise ValueError(f"{task.name}: lm-eval's multiple_choice needs one context and continuations "
                             "that start with the space lm-eval puts before each choice")
        doc.update(context=contexts.pop(), choices=[x[1:] for _, x in pairs],
                   gold=int(sample.target["gold"]), target_text=pairs[int(sample.target["gold"])][1][1:])
        return doc
    messages = task.prompt(sample)
    system = [m["content"] for m in messages if m["role"] == "system"]
    users = [m["content"] for m in messages if m["role"] == "user"]
    if len(users) != 1 or len(system) > 1 or any(m["role"] not in ("system", "user") for m in messages):
        raise ValueError(f"{task.name}: only a user message (and a system message) can be exported")
    target = sample.target
    doc.update(prompt=users[0], system=system[0] if system else "",
               target_text=target if isinstance(target, str) else json.dumps(target, ensure_ascii=False))
    return doc


def load_docs(thaibench_task: str, thaibench_lang: str, thaibench_data_dir: str | None = None,
              **_lm_eval_metadata: Any) -> dict[str, Any]:
    """lm-eval `custom_dataset`: {"test": Dataset of this task's samples in one language}."""
    import datasets

    task = _task(thaibench_task)
    loaded = task.samples(thaibench_lang, thaibench_data_dir)
    return {"test": datasets.Dataset.from_list([doc_of(task, s) for s in loaded.samples])}


def sample_of(doc: dict[str, Any]) -> Sample:
    d = json.loads(doc["sample"])
    return Sample(id=d["id"], lang=d["lang"], input=d["input"], target=d["target"], metadata=d["metadata"])


def generation_of(task: Any, sample: Sample, results: list[Any]) -> Generation:
    """The response lm-eval produced, as the Generation `thaibench score` would record."""
    if task.output_type == "multiple_choice":
        lls = [float(r[0]) for r in results]
        conts = [x for _, x in task.continuations(sample)]
        best = max(range(len(lls)), key=lambda i: lls[i])
        return Generation(text=conts[best], answer=conts[best].strip(), finish_reason="loglikelihood",
                          extra={"loglikelihoods": lls, "greedy": [bool(r[1]) for r in results],
                                 "continuations": conts})
    text = results[0] if isinstance(results[0], str) else str(results[0])
    sp = split_reasoning(text)
    return Generation(text=text, reasoning=sp.reasoning, answer=sp.answer, think_closed=sp.think_closed)


def score_rows(doc: dict[str, Any], results: list[Any]) -> dict[str, dict[str, Any]]:
    """scorer name -> the score row `thaibench score` writes for this response."""
    from thaibench.records import dumps

    task = _task(doc["thaibench_task"])
    sample = sample_of(doc)
    gen = generation_of(task, sample, results)
    rows = {}
    for sc in task.scorer_objects():
        s = sc(sample, gen)
        rows[sc.name] = json.loads(dumps({
            "sample_id": sample.id, "epoch": 0, "lang": sample.lang, "pair_id": sample.pair_id,
            "scorer": sc.name, "scorer_version": sc.version, "kind": sc.kind, "value": s.value,
            "answer": s.answer, "explanation": s.explanation, "details": s.details}))
    return rows


def metric_names(task: Any, lang: str) -> dict[str, list[tuple[str, str]]]:
    """scorer -> [(metric function, value name)] the task reports (whole-group values only)."""
    from thaibench.metrics import METRICS

    out: dict[str, list[tuple[str, str]]] = {}
    for sc in task.scorer_objects():
        for mname in task.metrics.get(sc.name, ("mean",)):
            for mv in METRICS.get(mname)([], sc.name, lang):
                if mv.slice is None:
                    out.setdefault(sc.name, []).append((mname, mv.name))
    return out


def process_results(doc: dict[str, Any], results: list[Any]) -> dict[str, Any]:
    """lm-eval `process_results`: {value name: score row} for every metric the task reports."""
    task = _task(doc["thaibench_task"])
    rows = score_rows(doc, results)
    return {name: rows[scorer] for scorer, names in metric_names(task, doc["lang"]).items()
            for _, name in names}


def aggregation(scorer: str, metric: str, name: str) -> Any:
    """An lm-eval aggregation computing thaibench's `metric` over score rows, value `name`."""

    def aggregate(rows: list[dict[str, Any]]) -> float:
        from thaibench.metrics import METRICS

        if not rows:
            return math.nan
        for mv in METRICS.get(metric)(rows, scorer, rows[0]["lang"]):
            if mv.name == name and mv.slice is None:
                return mv.value
        return math.nan

    aggregate.__name__ = f"thaibench_{name}"
    return aggregate
