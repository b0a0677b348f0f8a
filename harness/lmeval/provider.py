"""lm-eval tasks inside thaibench: `thaibench score MODEL --tasks lm-eval:TASK[:LANG]`.

The task object is lm-eval's own (TaskManager), so documents, few-shot examples, prompts,
filters, `process_results` and aggregations are exactly lm-eval's; thaibench supplies the
backend, the run directory (records, cache, resume), reasoning-trace handling and, for
generative tasks, the language columns.

- `generate_until`: prompts are built as `lm-eval --apply_chat_template` builds them (few-shot
  examples as turns); thaibench's backend renders the messages with the model's chat template.
  The FINAL ANSWER (the text after the reasoning trace; empty when the trace never closed) goes
  through the task's filters and `process_results`. Generation settings come from the task's
  `generation_kwargs` (`until` -> stop strings, `max_gen_toks` -> token budget, default 256 as
  lm-eval's HF model; `do_sample`/`temperature`/`top_p`/`top_k`); other keys are refused.
- `multiple_choice` and `loglikelihood`: the (context, continuation) pairs lm-eval builds
  (plain text, no chat template, as lm-eval without `--apply_chat_template`) are scored by the
  backend's `loglikelihood` (the `hf` backend's equals lm-eval's HF model).
- other output types (`loglikelihood_rolling`) are refused with an error naming the type.

Metrics: one scorer per lm-eval metric (named like the metric; `metric/filter` when the task
has several filters), aggregated by the task's own aggregation function; per-sample values are
in scores.jsonl (`details.item` holds lm-eval's raw per-document value).

Finding the task: `lm-eval:NAME` looks in the folders of THAIBENCH_LMEVAL_INCLUDE_PATH (os
path-separated) first, a fast index; only a name not found there builds lm-eval's full index
(about 14,700 tasks, ~10 s). `lm-eval:/path/task.yaml` loads one YAML file. The language is
`:th`/`:en` when given, else Thai when most prompts contain Thai script.

Example: `thaibench score ./ckpt --tasks lm-eval:gsm8k --limit 50`
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thaibench.canonical import sha256_text
from thaibench.data import DataSource
from thaibench.errors import UserError
from thaibench.metrics import METRICS
from thaibench.scorers import Scorer
from thaibench.task import TASK_PROVIDERS, LoadedSamples, Task, default_language_scorers
from thaibench.text import has_thai
from thaibench.types import Generation, GenerationConfig, Messages, MetricValue, Sample, Score

PREFIX = "lm-eval"
ENV_INCLUDE = "THAIBENCH_LMEVAL_INCLUDE_PATH"
SUPPORTED = ("generate_until", "multiple_choice", "loglikelihood")
FEWSHOT_SEED = 1234  # lm-eval's default fewshot_random_seed
BOOTSTRAP_ITERS = 1000
_BUILT: dict[str, LMEvalTask] = {}


@dataclass(frozen=True)
class LMEvalTask(Task):
    """A thaibench Task backed by an lm-eval task object (see the module docstring)."""

    adapter: Any = field(default=None, compare=False, repr=False)

    def samples(self, lang: str, data_dir: str | Path | None = None) -> LoadedSamples:
        if lang not in self.sources:
            raise UserError(f"task {self.name!r} has no language {lang!r}; it has {', '.join(self.langs)}")
        return self.adapter.loaded

    def scorer_objects(self, with_language: bool = True) -> list[Any]:
        from thaibench.scorers import get_scorer

        out = list(self.adapter.scorers)
        if with_language and self.language_scorers:
            out += [get_scorer(n, **dict(kw)) for n, kw in default_language_scorers(self.reasoning_lang)]
        return out


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str)):
        return value.item()  # numpy scalars
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, (bool, int, float)):
        return float(value)
    return None


def score_of(value: Any, filter_name: str) -> Score:
    """lm-eval's per-document value as a Score: numbers as they are, a list of numbers by its
    mean (e.g. IFEval's per-instruction verdicts); the raw item is kept for the aggregation."""
    item = _jsonable(value)
    details = {"item": item, "filter": filter_name}
    v = _number(item)
    if v is not None:
        return Score(v, None, None, details)
    if isinstance(item, list) and item and all(_number(x) is not None for x in item):
        return Score(sum(_number(x) for x in item) / len(item), None, "mean of the document's items", details)
    return Score(math.nan, None, "corpus-level item: only the aggregate is a number", details)


class Adapter:
    """Holds the lm-eval task, its documents and requests, and builds thaibench's pieces."""

    def __init__(self, name: str, lm_task: Any, lang: str | None) -> None:
        self.name, self.lm_task = name, lm_task
        self.output_type = lm_task.OUTPUT_TYPE
        if self.output_type not in SUPPORTED:
            raise UserError(f"lm-eval task {name!r} has output_type {self.output_type!r}; thaibench runs "
                            f"{', '.join(SUPPORTED)}")
        if (getattr(lm_task.config, "repeats", 1) or 1) > 1:
            raise UserError(f"lm-eval task {name!r} repeats each request {lm_task.config.repeats} times; use "
                            "thaibench's --samples instead and a task without repeats")
        self.docs: dict[int, dict[str, Any]] = {}
        self.requests: dict[int, list[Any]] = {}
        self._build_requests()
        self.lang = lang or self._guess_lang()
        self.filters = [f.name for f in lm_task._filters]
        self._memo: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.scorers = self._scorers()
        self.loaded = self._samples()

    # -- requests -----------------------------------------------------------------------
    def _build_requests(self) -> None:
        chat = self.output_type == "generate_until"

        def capture(messages: Messages, add_generation_prompt: bool = True) -> str:
            if not add_generation_prompt:
                raise UserError(f"lm-eval task {self.name!r} prefills the answer (gen_prefix); thaibench's "
                                "backends do not continue a partial assistant message")
            return json.dumps(messages, ensure_ascii=False)

        t = self.lm_task
        if t.get_config("num_fewshot") is None:
            t.set_config(key="num_fewshot", value=0)
        t.set_fewshot_seed(seed=FEWSHOT_SEED)
        t.build_all_requests(apply_chat_template=chat, fewshot_as_multiturn=True,
                             chat_template=capture if chat else None)
        for inst in t.instances:
            self.docs[inst.doc_id] = inst.doc
            self.requests.setdefault(inst.doc_id, []).append(inst)
        for insts in self.requests.values():
            insts.sort(key=lambda i: i.idx)

    def _prompt_text(self, doc_id: int) -> str:
        first = self.requests[doc_id][0].args[0]
        if self.output_type == "generate_until":
            return " ".join(m["content"] for m in json.loads(first))
        return first

    def _guess_lang(self) -> str:
        ids = list(self.requests)
        thai = sum(has_thai(self._prompt_text(i)) for i in ids)
        return "th" if ids and thai * 2 > len(ids) else "en"

    def generation(self) -> GenerationConfig:
        if self.output_type != "generate_until":
            return GenerationConfig()
        kw = dict(self.lm_task.config.generation_kwargs or {})
        until = kw.pop("until", None) or []
        stop = tuple([until] if isinstance(until, str) else until)
        max_tokens = int(kw.pop("max_gen_toks", 256))
        do_sample = kw.pop("do_sample", None)
        temperature = float(kw.pop("temperature", 0.0) or 0.0)
        top_p = float(kw.pop("top_p", 1.0) or 1.0)
        top_k = kw.pop("top_k", None)
        if kw:
            raise UserError(f"lm-eval task {self.name!r}: generation setting(s) {', '.join(sorted(kw))} have "
                            "no thaibench equivalent")
        if not do_sample:
            temperature = 0.0  # lm-eval's HF model decodes greedily unless do_sample is set
        return GenerationConfig(max_tokens=max_tokens, temperature=temperature, top_p=top_p,
                                top_k=int(top_k) if top_k else None, stop=stop)

    def _samples(self) -> LoadedSamples:
        out = []
        for doc_id, insts in self.requests.items():
            sid = f"{self.lang}/{doc_id}"
            meta: dict[str, Any] = {"pair_id": f"{self.name}/{doc_id}", "doc_id": doc_id}
            if self.output_type == "generate_until":
                prompt: Any = json.loads(insts[0].args[0])
            else:
                meta["requests"] = [list(i.args[:2]) for i in insts]
                prompt = insts[0].args[0]
            target = _jsonable(self.lm_task.doc_to_target(self.docs[doc_id]))
            out.append(Sample(id=sid, lang=self.lang, input=prompt, target={"doc_id": doc_id, "target": target},
                              metadata=meta))
        return LoadedSamples(out, f"lm-eval:{self.name}", [])

    def prompt(self, sample: Sample) -> Messages:
        if isinstance(sample.input, list):
            return sample.input
        return [{"role": "user", "content": sample.input}]

    @staticmethod
    def continuations(sample: Sample) -> list[tuple[str, str]]:
        return [(c, x) for c, x in sample.metadata["requests"]]

    # -- scoring ------------------------------------------------------------------------
    def results_for(self, sample: Sample, gen: Generation, filter_name: str) -> dict[str, Any]:
        """lm-eval's `process_results` for one document and one filter (memoised per response)."""
        from lm_eval.api.instance import Instance

        doc_id = int(sample.metadata["doc_id"])
        if self.output_type == "generate_until":
            resps = [[gen.answer]]
        else:
            resps = [[(float(ll), bool(g))] for ll, g in zip(gen.extra["loglikelihoods"], gen.extra["greedy"],
                                                             strict=True)]
        key = (doc_id, filter_name, json.dumps(resps))
        if key not in self._memo:
            insts = []
            for src, r in zip(self.requests[doc_id], resps, strict=True):
                inst = Instance(request_type=src.request_type, doc=src.doc, arguments=src.arguments, idx=src.idx,
                                metadata=(self.name, doc_id, 1))
                inst.resps = list(r)
                insts.append(inst)
            ensemble = next(f for f in self.lm_task._filters if f.name == filter_name)
            ensemble.apply(insts)
            self._memo[key] = self.lm_task.process_results(
                self.docs[doc_id], [i.filtered_resps[filter_name] for i in insts])
        return self._memo[key]

    def _scorers(self) -> list[Scorer]:
        version = sha256_text(json.dumps(self.lm_task.dump_config(), sort_keys=True, default=str))[:12]
        out = []
        for filter_name in self.filters:
            for metric in self.lm_task.aggregation():
                name = metric if len(self.filters) == 1 else f"{metric}/{filter_name}"
                out.append(Scorer(name, version, self._score_fn(metric, filter_name)))
        return out

    def _score_fn(self, metric: str, filter_name: str) -> Any:
        def score(sample: Sample, gen: Generation) -> Score:
            if gen.error:
                return Score(math.nan, explanation=f"backend error: {gen.error}")
            res = self.results_for(sample, gen, filter_name)
            if metric not in res:
                return Score(math.nan, explanation=f"process_results gave no {metric!r}")
            return score_of(res[metric], filter_name)

        return score

    def metric_fn(self, metric: str) -> Any:
        """A thaibench metric applying lm-eval's aggregation (and its standard error)."""
        from lm_eval.api.metrics import stderr_for_metric

        agg = self.lm_task.aggregation()[metric]

        def fn(rows: Any, scorer: str, group: str) -> list[MetricValue]:
            items = [r["details"]["item"] for r in rows if (r.get("details") or {}).get("item") is not None]
            n_nan = len(rows) - len(items)
            if not items:
                return [MetricValue(scorer, group, math.nan, None, 0, "fraction", n_nan)]
            value = float(agg(items))
            se_fn = stderr_for_metric(agg, BOOTSTRAP_ITERS)
            se = float(se_fn(items)) if se_fn is not None and len(items) > 1 else None
            nums = [_number(x) for x in items]
            unit = "fraction" if all(x is not None and 0 <= x <= 1 for x in nums) else "score"
            return [MetricValue(scorer, group, value, se, len(items), unit, n_nan)]

        return fn


def _find(name: str) -> tuple[Any, str]:
    """(TaskManager, task name): include paths first, lm-eval's built-in index only if needed."""
    from lm_eval.tasks import TaskManager

    paths = [p for p in os.environ.get(ENV_INCLUDE, "").split(os.pathsep) if p]
    if name.endswith((".yaml", ".yml")):
        path = Path(name).expanduser()
        if not path.is_file():
            raise UserError(f"no such lm-eval task file: {path}")
        from lm_eval.tasks._yaml_loader import load_yaml

        cfg = load_yaml(str(path), resolve_func=False)
        if not isinstance(cfg, dict) or "task" not in cfg:
            raise UserError(f"{path} names no `task:`")
        paths.insert(0, str(path.parent))
        name = str(cfg["task"])
    if paths:
        tm = TaskManager(include_defaults=False, include_path=paths)
        if name in tm.all_tasks:
            return tm, name
    tm = TaskManager()
    if name not in tm.all_tasks:
        close = [t for t in tm.all_tasks if name.lower() in t.lower()][:8]
        raise UserError(f"lm-eval has no task {name!r}" + (f"; similar: {', '.join(close)}" if close else "") +
                        (f" (searched {', '.join(paths)} and the built-in tasks)" if paths else ""))
    return tm, name


def lm_eval_task(rest: str) -> tuple[Task, tuple[str, ...]]:
    """The `lm-eval:` task provider: `rest` is `NAME`, `NAME:LANG` or a YAML path."""
    m = re.fullmatch(r"(.+?)(?::(th|en))?", rest.strip())
    if not m or not m.group(1):
        raise UserError("name an lm-eval task: lm-eval:TASK or lm-eval:TASK:th")
    spec, lang = m.group(1), m.group(2)
    key = f"{spec}:{lang or ''}:{os.environ.get(ENV_INCLUDE, '')}"
    if key not in _BUILT:
        try:
            import lm_eval
        except ImportError:
            raise UserError("lm-eval tasks need lm-eval: pip install 'thaibench[lm-eval]'") from None
        tm, name = _find(spec)
        loaded = tm.load([name])
        if loaded["groups"] or len(loaded["tasks"]) != 1:
            members = sorted(loaded["tasks"])
            raise UserError(f"lm-eval:{name} is a group of {len(members)} tasks; name them one by one "
                            f"(lm-eval:{members[0]}, ...)")
        adapter = Adapter(name, next(iter(loaded["tasks"].values())), lang)
        _BUILT[key] = _task(adapter, lm_eval.__version__)
    task = _BUILT[key]
    return task, task.langs


def _task(a: Adapter, lm_eval_version: str) -> LMEvalTask:
    tname = f"{PREFIX}:{a.name}"
    metrics = {}
    for sc in a.scorers:
        metric = sc.name.split("/")[0]
        mname = f"lmeval:{tname}:{sc.name}"
        if mname not in METRICS:
            METRICS.register(mname, a.metric_fn(metric))
        metrics[sc.name] = (mname,)
    cfg = a.lm_task.config
    record = {"lm_eval": {"version": lm_eval_version, "task": a.name, "output_type": a.output_type,
                          "num_fewshot": a.lm_task.get_config("num_fewshot"), "filters": a.filters,
                          "dataset": [cfg.dataset_path, cfg.dataset_name]}}
    mc = a.output_type != "generate_until"
    return LMEvalTask(
        name=tname, version=str(a.lm_task.VERSION), description=f"lm-eval task {a.name} ({a.output_type})",
        sources={a.lang: DataSource(hub_id=cfg.dataset_path, hub_config=cfg.dataset_name)},
        load=_no_rows, prompt=a.prompt, scorers=(), generation=a.generation(), metrics=metrics,
        language_scorers=not mc, headline=(a.scorers[0].name, metrics[a.scorers[0].name][0]) if a.scorers else None,
        record_extras=lambda: record, output_type="multiple_choice" if mc else "generate",
        continuations=a.continuations if mc else None, adapter=a)


def _no_rows(lang: str, row: dict[str, Any], index: int) -> Sample:
    raise UserError("lm-eval tasks read their documents through lm-eval")


TASK_PROVIDERS.register(PREFIX, lm_eval_task)
