"""The score pipeline: candidate x task x backend -> generations -> scores -> results.

Each stage reads only the files of the stage before it. Identity:
- run id = short sha256 of (candidate id, task name + version, backend identity, generation
  config). The run directory is content-addressed, so a re-run of an unchanged checkpoint finds
  its generations and makes none (the model is not even loaded).
- a generation line is reused only when its `input_sha` (sha256 of the prompt messages and the
  target) equals the current sample's, and it has no error; so changed data or prompts
  regenerate exactly the samples they touch, and failed requests are retried on a re-run.
- a score line is reused only for the same (generation text sha, scorer name, scorer version).

Resume: the batch plan is fixed (grouped by generation config, sorted by prompt length, then
chunked), computed over the whole selection, not just the missing items; a batch with any
missing item is generated whole and only the missing lines are appended. So a run killed at
any point resumes to results identical to an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from thaibench import __version__
from thaibench.backends import Backend
from thaibench.canonical import canonical_json, sha256_text, short_id
from thaibench.errors import UserError
from thaibench.metrics import METRICS, gap, generation_stats
from thaibench.reasoning import split_reasoning
from thaibench.records import (
    GENERATIONS_FILE,
    RESULTS_FILE,
    RUN_FILE,
    SCHEMA_VERSION,
    SCORES_FILE,
    JsonlAppender,
    generation_line,
    now_iso,
    read_json,
    read_jsonl,
    score_line,
    write_json_atomic,
)
from thaibench.task import Task, TaskSelection, select_samples, split_of
from thaibench.types import Generation, GenerationConfig, MetricValue, Request, Sample


@dataclass(frozen=True)
class RunSettings:
    """What the user chose for this invocation (CLI flags)."""

    split: str = "all"
    limit: int | None = None
    epochs: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)
    data_dir: str | None = None
    # A thaibench.judge.Judge for judged tasks (MT-Bench); None otherwise.
    judge: Any = None


@dataclass
class Hooks:
    """Progress callbacks (the CLI draws rich bars; tests pass nothing)."""

    start: Callable[[str, int], Any] = lambda label, total: None
    advance: Callable[[Any, int], None] = lambda handle, n: None
    done: Callable[[Any], None] = lambda handle: None


def effective_config(task: Task, overrides: dict[str, Any]) -> GenerationConfig:
    cfg = task.generation
    changes = {k: v for k, v in overrides.items() if v is not None}
    if "stop" in changes:
        changes["stop"] = tuple(changes["stop"])
    if "chat_template_kwargs" in changes:
        changes["chat_template_kwargs"] = tuple(sorted(dict(changes["chat_template_kwargs"]).items()))
    return replace(cfg, **changes)


def sample_config(sample: Sample, base: GenerationConfig, overrides: dict[str, Any]) -> GenerationConfig:
    """A sample may carry its own defaults (e.g. MT-Bench per-category temperature) in
    metadata["generation"]; explicit CLI overrides still win."""
    own = sample.metadata.get("generation")
    if not own:
        return base
    changes = {k: v for k, v in own.items() if overrides.get(k) is None}
    return replace(base, **changes)


def derive_seed(seed: int, sample_id: str, epoch: int) -> int:
    return int(hashlib.sha256(f"{seed}:{sample_id}:{epoch}".encode()).hexdigest()[:8], 16)


def input_sha(messages: Any, target: Any) -> str:
    return sha256_text(canonical_json([messages, target]))[:16]


def run_identity(candidate: dict[str, Any], task: Task, backend_identity: dict[str, Any],
                 config: GenerationConfig) -> dict[str, Any]:
    return {"candidate": candidate["id"], "task": task.name, "task_version": task.version,
            "backend": backend_identity, "generation": config.to_dict()}


@dataclass
class TaskRun:
    """One run directory and everything known about it."""

    dir: Path
    run_id: str
    task: Task
    langs: tuple[str, ...]
    results: dict[str, Any] | None = None
    generated: int = 0
    errors: int = 0


def run_dir_for(out: Path, candidate_id: str, task: Task, run_id: str) -> Path:
    return out / "runs" / candidate_id / f"{task.name}@v{task.version}" / run_id


def latest_valid(lines: Sequence[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """(sample_id, epoch) -> the last line without an error (else the last line)."""
    best: dict[tuple[str, int], dict[str, Any]] = {}
    for g in lines:
        key = (g["sample_id"], g["epoch"])
        if key not in best or not g.get("error") or best[key].get("error"):
            best[key] = g
    return best


def score_task_run(tr: TaskRun, items: Sequence[tuple[Sample, int]], hooks: Hooks,
                   gens: dict[tuple[str, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """Score every selected generation with every scorer, reusing valid score lines.

    A judged task's judgements are attached to the generation (`extra["judgements"]`) before
    scoring, and are part of the generation sha, so a new judge re-scores without generating."""
    scorers = tr.task.scorer_objects()
    existing: dict[tuple[str, int, str, str], dict[str, Any]] = {}
    for s in read_jsonl(tr.dir / SCORES_FILE):
        existing[(s["sample_id"], s["epoch"], s["scorer"], s.get("generation_sha", ""))] = s
    rows: list[dict[str, Any]] = []
    todo = []
    for sample, epoch in items:
        g = gens.get((sample.id, epoch))
        if g is None:
            continue
        gsha = sha256_text(canonical_json([g["text"], g.get("error"),
                                           (g.get("extra") or {}).get("judgements")]))[:16]
        for sc in scorers:
            old = existing.get((sample.id, epoch, sc.name, gsha))
            if old is not None and old.get("scorer_version") == sc.version:
                rows.append(old)
            else:
                todo.append((sample, epoch, g, gsha, sc))
    if todo:
        handle = hooks.start(f"score {tr.task.name}", len(todo))
        with JsonlAppender(tr.dir / SCORES_FILE) as out:
            # Scorers with a `batch` entry point (code execution) score many generations at once,
            # on all cores; the rest one by one. Lines are written in `todo` order either way.
            for i in range(0, len(todo), SCORE_CHUNK):
                chunk = todo[i:i + SCORE_CHUNK]
                scores = _score_chunk(chunk)
                for (_sample, _epoch, g, gsha, sc), score in zip(chunk, scores, strict=True):
                    line = score_line(tr.run_id, g, sc, score)
                    line["generation_sha"] = gsha
                    out.write(line)
                    rows.append(_roundtrip(line))
                    hooks.advance(handle, 1)
        hooks.done(handle)
    return rows


SCORE_CHUNK = 64


def _score_chunk(chunk: Sequence[tuple[Sample, int, dict[str, Any], str, Any]]) -> list[Any]:
    """Scores for one chunk of (sample, epoch, generation line, sha, scorer), in order."""
    out: list[Any] = [None] * len(chunk)
    by_scorer: dict[int, list[int]] = {}
    for k, (_, _, _, _, sc) in enumerate(chunk):
        by_scorer.setdefault(id(sc), []).append(k)
    for idx in by_scorer.values():
        sc = chunk[idx[0]][4]
        pairs = [(chunk[k][0], Generation.from_dict(chunk[k][2])) for k in idx]
        batch = getattr(sc.fn, "batch", None)
        results = batch(pairs) if batch is not None and len(pairs) > 1 else [sc(s, g) for s, g in pairs]
        for k, r in zip(idx, results, strict=True):
            out[k] = r
    return out


def _roundtrip(line: dict[str, Any]) -> dict[str, Any]:
    """The line as a reader of scores.jsonl sees it (NaN -> null), so fresh and reused rows agree."""
    from thaibench.records import dumps

    return json.loads(dumps(line))


def aggregate(task: Task, langs: Sequence[str], score_rows: Sequence[dict[str, Any]],
              gen_rows: Sequence[dict[str, Any]]) -> list[MetricValue]:
    """Metrics per scorer and language, plus the TH-EN gap where both exist."""
    by: dict[tuple[str, str], list[dict[str, Any]]] = {}
    kinds: dict[str, str] = {}
    for r in score_rows:
        by.setdefault((r["scorer"], r["lang"]), []).append(r)
        kinds[r["scorer"]] = r.get("kind", "accuracy")
    out: list[MetricValue] = []
    for scorer in dict.fromkeys(r["scorer"] for r in score_rows):
        names = task.metrics.get(scorer, ("mean",))
        per_lang: dict[str, list[MetricValue]] = {}
        for lang in langs:
            rows = by.get((scorer, lang), [])
            for mname in names:
                for mv in METRICS.get(mname)(rows, scorer, lang):
                    per_lang.setdefault(lang, []).append(mv)
                    out.append(mv)
        if "th" in per_lang and "en" in per_lang:
            en_by_name = {m.name: m for m in per_lang["en"]}
            for m in per_lang["th"]:
                if m.name in en_by_name:
                    out.append(gap(m, en_by_name[m.name]))
    return out


def metric_dict(m: MetricValue, kind: str) -> dict[str, Any]:
    return {"name": m.name, "group": m.group, "slice": m.slice, "value": m.value, "stderr": m.stderr,
            "n": m.n, "n_nan": m.n_nan, "unit": m.unit, "kind": kind}


def choice_generations(backend: Backend, task: Task, samples: Sequence[Sample]) -> list[Generation]:
    """A multiple-choice task's "generations": the log-likelihood of every (context, continuation)
    pair of each sample, in `extra` (`loglikelihoods`, `greedy`: the continuation is the greedy
    one, `continuations`); `text` is the most likely continuation, for reading only."""
    if task.continuations is None:
        raise UserError(f"task {task.name} is multiple-choice but defines no continuations")
    pairs = [task.continuations(s) for s in samples]
    try:
        got = backend.loglikelihood([p for ps in pairs for p in ps])
    except NotImplementedError as exc:
        raise UserError(f"task {task.name} scores choices by log-likelihood: {exc}") from None
    out, k = [], 0
    for ps in pairs:
        lls = got[k:k + len(ps)]
        k += len(ps)
        best = max(range(len(ps)), key=lambda i: lls[i][0])
        out.append(Generation(text=ps[best][1], answer=ps[best][1].strip(), finish_reason="loglikelihood",
                              extra={"loglikelihoods": [ll for ll, _ in lls], "greedy": [g for _, g in lls],
                                     "continuations": [c for _, c in ps]}))
    return out


class Pipeline:
    """Runs task selections for one backend/candidate into `<out>/runs/...`."""

    def __init__(self, backend: Backend, out: Path, settings: RunSettings, hooks: Hooks | None = None) -> None:
        self.backend = backend
        self.out = Path(out)
        self.settings = settings
        self.hooks = hooks or Hooks()
        self.candidate = backend.candidate()
        self._opened: bool | None = None  # does the chat template open <think> in the prompt?

    def prepare(self, sel: TaskSelection) -> tuple[TaskRun, list[tuple[Sample, int]], dict[str, Any]]:
        task = sel.task
        loaded = {lang: task.samples(lang, self.settings.data_dir) for lang in sel.langs}
        chosen = select_samples(task, {lang: ls.samples for lang, ls in loaded.items()},
                                self.settings.split, self.settings.limit)
        if not any(chosen.values()):
            raise UserError(f"task {sel.label}: no samples in split {self.settings.split!r}")
        if task.judge_requests and self.settings.judge is None:
            raise UserError(f"task {task.name} is judged by a model: pass --judge openai:MODEL@URL or --judge hf:PATH")
        config = effective_config(task, self.settings.overrides)
        ident = run_identity(self.candidate, task, self.backend.identity(), config)
        run_id = short_id(ident)
        d = run_dir_for(self.out, self.candidate["id"], task, run_id)
        data = {lang: {"sha256": ls.data_sha256(), "where": ls.where, "n": len(ls.samples),
                       "skipped_rows": len(ls.skipped)} for lang, ls in loaded.items()}
        items = [(s, e) for lang in sel.langs for s in chosen[lang] for e in range(self.settings.epochs)]
        tr = TaskRun(d, run_id, task, sel.langs)
        self._write_run_record(tr, ident, config, data)
        return tr, items, {"config": config, "data": data}

    def _write_run_record(self, tr: TaskRun, ident: dict[str, Any], config: GenerationConfig,
                          data: dict[str, Any]) -> None:
        path = tr.dir / RUN_FILE
        record = read_json(path) if path.exists() else None
        if record is None:
            record = {"schema_version": SCHEMA_VERSION, "run_id": tr.run_id, "created": now_iso(),
                      "thaibench_version": __version__, "identity": ident,
                      "candidate": {k: v for k, v in self.candidate.items() if k != "cacheable"},
                      "task": {"name": tr.task.name, "version": tr.task.version,
                               "reasoning_lang": tr.task.reasoning_lang},
                      "backend": self.backend.info(), "generation": config.to_dict(), "data": {}}
            if tr.task.multi_turn:
                record["task"]["history"] = "answers only: earlier turns' reasoning traces are removed"
            if tr.task.record_extras:
                record["task"].update(tr.task.record_extras())
        changed = False
        for lang, d in data.items():
            if record["data"].get(lang) != d:
                record["data"][lang] = d
                changed = True
        if changed or not path.exists():
            write_json_atomic(path, record)

    def _plan(self, reqs: Sequence[tuple[Sample, int, Request]], missing: set[tuple[str, int]]
              ) -> list[list[tuple[Sample, int, Request]]]:
        """The fixed batch plan: group by config, sort by prompt length, chunk; keep batches
        with at least one missing item. Computed over ALL items so resumed batches match."""
        groups: dict[str, list[tuple[Sample, int, Request]]] = {}
        for r in reqs:
            groups.setdefault(canonical_json(r[2].config.to_dict()), []).append(r)
        bs = max(1, int(getattr(self.backend, "batch_size", 16)))
        plan = []
        for key in sorted(groups):
            group = sorted(groups[key], key=lambda r: (-len(canonical_json(r[2].messages)), r[0].id, r[1]))
            for i in range(0, len(group), bs):
                batch = group[i:i + bs]
                if any((s.id, e) in missing for s, e, _ in batch):
                    plan.append(batch)
        return plan

    def _execute(self, batch: Sequence[tuple[Sample, int, Request]], task: Task | None = None
                 ) -> list[Generation]:
        """Generate one batch and separate each trace from its answer (multiple-choice tasks:
        score the batch's choices by log-likelihood instead)."""
        if task is not None and task.output_type == "multiple_choice":
            return choice_generations(self.backend, task, [s for s, _, _ in batch])
        if self._opened is None:
            self._opened = self.backend.opens_think_in_prompt(batch[0][2].messages, batch[0][2].config)
        gens = self.backend.generate([r for _, _, r in batch])
        for gen in gens:
            if gen.error is None and gen.reasoning is None:
                sp = split_reasoning(gen.text, opened_in_prompt=bool(self._opened))
                gen.reasoning, gen.answer, gen.think_closed = sp.reasoning, sp.answer, sp.think_closed
        return gens

    def generate(self, tr: TaskRun, items: Sequence[tuple[Sample, int]], config: GenerationConfig) -> None:
        existing = latest_valid(list(read_jsonl(tr.dir / GENERATIONS_FILE)))
        reqs, shas = [], {}
        for sample, epoch in items:
            messages = tr.task.prompt(sample)
            cfg = sample_config(sample, config, self.settings.overrides)
            reqs.append((sample, epoch, Request(messages, cfg, derive_seed(cfg.seed, sample.id, epoch),
                                                f"{sample.id}#{epoch}")))
            shas[(sample.id, epoch)] = input_sha(messages, sample.target)
        missing = {k for k, isha in shas.items()
                   if not (g := existing.get(k)) or g.get("error") or g.get("input_sha") != isha}
        if not missing:
            return
        handle = self.hooks.start(f"generate {tr.task.name}", len(missing))
        with JsonlAppender(tr.dir / GENERATIONS_FILE) as out:
            if tr.task.multi_turn:
                self._multi_turn(tr, reqs, existing, missing, shas, out, handle)
                self.hooks.done(handle)
                return
            for batch in self._plan(reqs, missing):
                if getattr(self.backend, "independent_requests", False):
                    # A server answers each request alone: never re-send a finished one (it costs
                    # money on a provider's API and cannot change the others' answers).
                    batch = [r for r in batch if (r[0].id, r[1]) in missing]
                for (sample, epoch, req), gen in zip(batch, self._execute(batch, tr.task), strict=True):
                    if (sample.id, epoch) in missing:
                        self._write(tr, out, sample, epoch, req, gen, shas[(sample.id, epoch)], handle)
        self.hooks.done(handle)

    def _write(self, tr: TaskRun, out: JsonlAppender, sample: Sample, epoch: int, req: Request,
               gen: Generation, isha: str, handle: Any) -> None:
        line = generation_line(tr.run_id, sample, epoch, req.seed, req.messages, gen,
                               split_of(tr.task.name, sample.pair_id))
        line["input_sha"] = isha
        out.write(line)
        tr.generated += 1
        tr.errors += bool(gen.error)
        self.hooks.advance(handle, 1)

    def _multi_turn(self, tr: TaskRun, reqs: Sequence[tuple[Sample, int, Request]],
                    existing: dict[tuple[str, int], dict[str, Any]], missing: set[tuple[str, int]],
                    shas: dict[tuple[str, int], str], out: JsonlAppender, handle: Any) -> None:
        """Turn-by-turn generation. `prompt(sample)` gives every user turn (after an optional
        system message); turn k+1 sees the earlier turns' ANSWERS with their reasoning traces
        removed (DeepSeek-R1's template convention, recorded in run.json). A sample's line is
        written when all its turns are done, with each turn in `extra["turns"]`."""
        state: dict[tuple[str, int], dict[str, Any]] = {}
        for sample, epoch, req in reqs:
            key = (sample.id, epoch)
            head = [m for m in req.messages if m["role"] == "system"]
            users = [m for m in req.messages if m["role"] == "user"]
            done = None if key in missing else [Generation.from_dict(t)
                                                for t in existing[key]["extra"].get("turns", [])]
            state[key] = {"history": list(head), "users": users, "gens": [], "done": done, "failed": False}
        n_turns = max(len(st["users"]) for st in state.values())
        for t in range(n_turns):
            turn_reqs = []
            for sample, epoch, req in reqs:
                st = state[(sample.id, epoch)]
                if t < len(st["users"]) and not st["failed"]:
                    msgs = [*st["history"], st["users"][t]]
                    turn_reqs.append((sample, epoch, Request(msgs, req.config, req.seed + t, req.key)))
            for batch in self._plan(turn_reqs, missing):
                fresh = self._execute(batch)
                for (sample, epoch, req), gen in zip(batch, fresh, strict=True):
                    st = state[(sample.id, epoch)]
                    st["last_req"] = req
                    if st["done"] is not None:
                        gen = st["done"][t]  # resumed: the recorded turn, so histories match
                    st["gens"].append(gen)
                    st["failed"] = st["failed"] or bool(gen.error)
            for sample, epoch, _ in turn_reqs:
                st = state[(sample.id, epoch)]
                if st["done"] is not None and len(st["gens"]) <= t:
                    st["gens"].append(st["done"][t])  # batch skipped entirely: nothing missing in it
                gen = st["gens"][t]
                st["history"] += [st["users"][t], {"role": "assistant", "content": gen.answer}]
        for sample, epoch, req in reqs:
            key = (sample.id, epoch)
            if key not in missing:
                continue
            st = state[key]
            last = st["gens"][-1]
            final = Generation(**{**last.to_dict(), "extra": {"turns": [g.to_dict() for g in st["gens"]]}})
            if st["failed"]:
                final.error = next(g.error for g in st["gens"] if g.error)
            full = Request([*st["history"]], req.config, req.seed, req.key)
            self._write(tr, out, sample, epoch, full, final, shas[key], handle)

    def run(self, sel: TaskSelection) -> TaskRun:
        tr, items, info = self.prepare(sel)
        self.generate(tr, items, info["config"])
        judge = None
        if tr.task.judge_requests:
            from thaibench.judge import run_judge

            judge = run_judge(tr, items, self.settings.judge, self.settings.data_dir, self.hooks)
        return finish(tr, items, self.hooks, {"split": self.settings.split, "limit": self.settings.limit,
                                               "epochs": self.settings.epochs}, info["data"], judge)


def finish(tr: TaskRun, items: Sequence[tuple[Sample, int]], hooks: Hooks, selection: dict[str, Any],
           data: dict[str, Any], judge: dict[str, Any] | None = None) -> TaskRun:
    """Score, aggregate and write results.json (atomically, last). `judge` names the judge whose
    judgements (judgements.jsonl) the scorers read, for judged tasks."""
    wanted = {(s.id, e) for s, e in items}
    by_key = {k: g for k, g in latest_valid(list(read_jsonl(tr.dir / GENERATIONS_FILE))).items() if k in wanted}
    if judge is not None:
        from thaibench.judge import attach_judgements

        attach_judgements(tr.dir, by_key, judge["id"])
    gens = list(by_key.values())
    rows = score_task_run(tr, items, hooks, by_key)
    kinds = {r["scorer"]: r.get("kind", "accuracy") for r in rows}
    metrics = aggregate(tr.task, tr.langs, rows, gens)
    errors = sum(1 for g in gens if g.get("error"))
    results = {
        "schema_version": SCHEMA_VERSION,
        "run_id": tr.run_id,
        "created": now_iso(),
        "task": {"name": tr.task.name, "version": tr.task.version, "headline": tr.task.headline},
        "candidate": read_json(tr.dir / RUN_FILE)["candidate"],
        "langs": list(tr.langs),
        "selection": {**selection, "n_items": len(items)},
        "data": {lang: data[lang]["sha256"] for lang in tr.langs if lang in data},
        "complete": len(gens) == len(items) and errors == 0,
        "missing": len(items) - len(gens),
        "errors": errors,
        "generation_stats": generation_stats(gens),
        "judge": judge,
        "metrics": [metric_dict(m, kinds.get(m.name, "accuracy")) for m in metrics],
    }
    write_json_atomic(tr.dir / RESULTS_FILE, results)
    tr.results = results
    return tr
