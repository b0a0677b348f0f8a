"""Model judges: any thaibench backend rates finished generations (MT-Bench style).

The one-way flow is generations -> judgements -> scores. A judge is a backend spec
(`openai:MODEL@URL`, `hf:PATH`) with its own settings (temperature 0 by default). Each judgement
line in `judgements.jsonl` is keyed by (sample, epoch, key, judge id, prompt sha, attempt), where
the judge id covers the judge model's identity, its settings and the judge-prompt file's sha256;
so re-judging with the same judge costs nothing and a different judge never reuses another's
ratings. A reply without a rating is retried (each attempt with its own seed, the attempt number
in the key), then recorded as unscorable: NaN, counted, never 0. A judge that cannot be reached
stops the run with a clear error after the generations are safely written; `thaibench judge
RUN_DIR --judge ...` resumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thaibench.canonical import canonical_json, sha256_text, short_id
from thaibench.errors import UserError
from thaibench.judge_parse import parse_choice, parse_rating
from thaibench.records import (
    GENERATIONS_FILE,
    JUDGEMENTS_FILE,
    SCHEMA_VERSION,
    JsonlAppender,
    now_iso,
    read_jsonl,
)
from thaibench.types import Generation, GenerationConfig, Messages, Request


@dataclass(frozen=True)
class JudgeRequest:
    """One thing to judge: `key` names it within a sample (e.g. "turn1")."""

    key: str
    messages: Messages
    kind: str = "rating"  # or "choice" (pairwise)


@dataclass(frozen=True)
class JudgeSettings:
    temperature: float = 0.0
    max_tokens: int = 2048
    max_attempts: int = 3
    seed: int = 0


def parse_judge_spec(spec: str) -> tuple[str, str, dict[str, Any]]:
    """`openai:MODEL@URL` -> ("openai", MODEL, {"base_url": URL}); `hf:PATH` -> ("hf", PATH, {})."""
    backend, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise UserError(f"--judge {spec!r}: expected BACKEND:MODEL, e.g. openai:gpt-4o@https://api.openai.com/v1 or hf:./judge")
    extra: dict[str, Any] = {}
    if backend == "openai":
        model, at, url = rest.rpartition("@")
        if not at or not model or not url.startswith(("http://", "https://")):
            raise UserError(f"--judge {spec!r}: an openai judge is openai:MODEL@URL")
        # A judge is a named service: its replies are cached under URL + model name (the point of a
        # fixed judge); a different URL or model is a different judge.
        rest, extra = model, {"base_url": url, "cache": True}
    return backend, rest, extra


@dataclass
class Judge:
    """A backend used as a judge, with its identity."""

    spec: str
    settings: JudgeSettings = field(default_factory=JudgeSettings)
    batch_size: int = 8
    _backend: Any = None

    @property
    def backend(self) -> Any:
        if self._backend is None:
            from thaibench.backends import BackendOptions, make_backend

            name, model, extra = parse_judge_spec(self.spec)
            self._backend = make_backend(name, model, BackendOptions(batch_size=self.batch_size, extra=extra))
        return self._backend

    def record(self, prompts_sha: str) -> dict[str, Any]:
        cand = self.backend.candidate()
        ident = {"model": cand.get("id"), "backend": self.backend.identity(),
                 "settings": {"temperature": self.settings.temperature, "max_tokens": self.settings.max_tokens},
                 "prompts_sha256": prompts_sha}
        return {"id": short_id(ident), "spec": self.spec, "name": cand.get("name"),
                "model_id": cand.get("id"), "digest": cand.get("digest"), "server": cand.get("server"),
                "prompts_sha256": prompts_sha, "settings": ident["settings"],
                "max_attempts": self.settings.max_attempts}


def _line_key(line: dict[str, Any]) -> tuple[str, int, str]:
    return (line["sample_id"], line["epoch"], line["key"])


def run_judge(tr: Any, items: Sequence[tuple[Any, int]], judge: Judge, data_dir: str | None, hooks: Any
              ) -> dict[str, Any]:
    """Judge every selected generation that lacks a judgement by this judge; return its record."""
    context, prompts_sha = tr.task.judge_context(data_dir)
    rec = judge.record(prompts_sha)
    _judge_all(tr, items, judge, rec, lambda sample, g: tr.task.judge_requests(sample, g, context), hooks,
               f"thaibench judge {tr.dir} --judge {judge.spec}")
    return rec


def run_pairwise(tr: Any, items: Sequence[tuple[Any, int]], judge: Judge, baseline_dir: Path,
                 data_dir: str | None, hooks: Any) -> dict[str, Any]:
    """Pairwise judgements against a baseline run of the same task, both orders (cancels position
    bias); the record's id covers the judge and the baseline run."""
    from thaibench.records import RUN_FILE, read_json
    from thaibench.run import latest_valid

    if not (Path(baseline_dir) / RUN_FILE).is_file():
        raise UserError(f"--pairwise {baseline_dir}: not a run directory")
    base_run = read_json(Path(baseline_dir) / RUN_FILE)
    if base_run["task"]["name"] != tr.task.name:
        raise UserError(f"--pairwise baseline is a {base_run['task']['name']} run, not {tr.task.name}")
    if not tr.task.pairwise_requests:
        raise UserError(f"task {tr.task.name} has no pairwise mode")
    base = latest_valid(list(read_jsonl(Path(baseline_dir) / GENERATIONS_FILE)))
    context, prompts_sha = tr.task.judge_context(data_dir)
    rec = judge.record(prompts_sha)
    rec = {**rec, "id": short_id({"judge": rec["id"], "baseline": base_run["run_id"]}), "mode": "pairwise",
           "baseline": {"run_id": base_run["run_id"], "candidate": base_run["candidate"], "dir": str(baseline_dir)}}

    def requests(sample: Any, g: dict[str, Any]) -> list[JudgeRequest]:
        other = base.get((sample.id, g["epoch"]))
        if other is None or other.get("error"):
            return []
        return tr.task.pairwise_requests(sample, g, other, context)

    _judge_all(tr, items, judge, rec, requests, hooks,
               f"thaibench judge {tr.dir} --judge {judge.spec} --pairwise {baseline_dir}")
    return rec


def _judge_all(tr: Any, items: Sequence[tuple[Any, int]], judge: Judge, rec: dict[str, Any],
               requests_for: Any, hooks: Any, resume_cmd: str) -> None:
    """The engine: cached judgements, retries of verdict-less replies, errors never counted."""
    from thaibench.run import latest_valid

    gens = latest_valid(list(read_jsonl(tr.dir / GENERATIONS_FILE)))
    done: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for line in read_jsonl(tr.dir / JUDGEMENTS_FILE):
        if line["judge_id"] == rec["id"]:
            done.setdefault(_line_key(line), []).append(line)
    pending: list[tuple[Any, int, JudgeRequest, str, int]] = []
    for sample, epoch in items:
        g = gens.get((sample.id, epoch))
        if g is None or g.get("error"):
            continue
        for req in requests_for(sample, g):
            psha = sha256_text(canonical_json(req.messages))[:16]
            prior = [x for x in done.get((sample.id, epoch, req.key), []) if x["prompt_sha"] == psha]
            if any(x.get("verdict") is not None for x in prior) or len(prior) >= judge.settings.max_attempts:
                continue
            pending.append((sample, epoch, req, psha, len(prior)))
    if not pending:
        return
    handle = hooks.start(f"judge {tr.task.name}", len(pending))
    failures: list[str] = []
    cfg = GenerationConfig(max_tokens=judge.settings.max_tokens, temperature=judge.settings.temperature)
    with JsonlAppender(tr.dir / JUDGEMENTS_FILE) as out:
        while pending:
            retry = []
            for i in range(0, len(pending), judge.batch_size):
                chunk = pending[i:i + judge.batch_size]
                reqs = [Request(r.messages, cfg, _seed(judge.settings.seed, s.id, e, r.key, a), f"{s.id}#{r.key}")
                        for s, e, r, _, a in chunk]
                for (sample, epoch, req, psha, attempt), gen in zip(chunk, judge.backend.generate(reqs), strict=True):
                    if gen.error:
                        failures.append(gen.error)
                        continue
                    verdict = parse_rating(gen.text) if req.kind == "rating" else parse_choice(gen.text)
                    out.write({"schema_version": SCHEMA_VERSION, "run_id": tr.run_id, "sample_id": sample.id,
                               "epoch": epoch, "key": req.key, "kind": req.kind, "judge_id": rec["id"],
                               "judge": rec["spec"], "prompt_sha": psha, "attempt": attempt,
                               "generation_sha": _text_sha(gens[(sample.id, epoch)]),
                               "prompt": req.messages, "reply": gen.text, "verdict": verdict, "time": now_iso()})
                    if verdict is None and attempt + 1 < judge.settings.max_attempts:
                        retry.append((sample, epoch, req, psha, attempt + 1))
                    else:
                        hooks.advance(handle, 1)
            pending = retry
    hooks.done(handle)
    if failures:
        raise UserError(f"{len(failures)} judge calls failed ({failures[0][:160]}); the generations are "
                        f"kept; re-run `{resume_cmd}` to resume")


def _text_sha(gen_line: dict[str, Any]) -> str:
    return sha256_text(gen_line.get("text") or "")[:16]


def _seed(base: int, sample_id: str, epoch: int, key: str, attempt: int) -> int:
    return int(sha256_text(f"{base}:{sample_id}:{epoch}:{key}:{attempt}")[:8], 16)


def attach_judgements(run_dir: Path, gens: dict[tuple[str, int], dict[str, Any]], judge_id: str) -> None:
    """Put this judge's verdicts into each generation's `extra["judgements"]` for the scorers:
    {key: {"verdict": value or None, "attempts": n}} (the first attempt with a verdict wins)."""
    for line in read_jsonl(Path(run_dir) / JUDGEMENTS_FILE):
        if line["judge_id"] != judge_id or (line["sample_id"], line["epoch"]) not in gens:
            continue
        g = gens[(line["sample_id"], line["epoch"])]
        if line.get("generation_sha") != _text_sha(g):
            continue  # a judgement of an earlier answer to this sample
        extra = g.setdefault("extra", {}) or {}
        g["extra"] = extra
        slot = extra.setdefault("judgements", {}).setdefault(line["key"], {"verdict": None, "attempts": 0})
        slot["attempts"] += 1
        if slot["verdict"] is None and line.get("verdict") is not None:
            slot["verdict"] = line["verdict"]


def pairwise_report(tr: Any, items: Sequence[tuple[Any, int]], judge: Judge, baseline_dir: Path,
                    data_dir: str | None, hooks: Any) -> dict[str, Any]:
    """Judge pairwise against a baseline and write `pairwise-<baseline run id>.json` (win rate per
    language and category; 1 win, 0.5 tie, 0 loss). A second view: results.json is untouched."""
    from thaibench.metrics import clustered_mean, per_sample
    from thaibench.records import write_json_atomic
    from thaibench.run import latest_valid
    from thaibench.scorers import get_scorer

    rec = run_pairwise(tr, items, judge, baseline_dir, data_dir, hooks)
    gens = latest_valid(list(read_jsonl(tr.dir / GENERATIONS_FILE)))
    wanted = {(s.id, e): s for s, e in items}
    gens = {k: g for k, g in gens.items() if k in wanted}
    attach_judgements(tr.dir, gens, rec["id"])
    scorer = get_scorer("mt_bench_pairwise")
    rows = []
    for key, g in gens.items():
        sc = scorer(wanted[key], Generation.from_dict(g))
        rows.append({"sample_id": key[0], "epoch": key[1], "lang": g["lang"], "pair_id": g["pair_id"],
                     "value": sc.value, "category": sc.details.get("category")})
    metrics = []
    for lang in sorted({r["lang"] for r in rows}):
        for cat in [None, *sorted({r["category"] for r in rows if r["lang"] == lang} - {None})]:
            sub = [r for r in rows if r["lang"] == lang and (cat is None or r["category"] == cat)]
            values, pairs, n_nan = per_sample(sub)
            m, se, n = clustered_mean(values, pairs)
            metrics.append({"name": "win_rate", "group": lang, "slice": cat, "value": m, "stderr": se,
                            "n": n, "n_nan": n_nan, "unit": "fraction"})
    report = {"schema_version": SCHEMA_VERSION, "run_id": tr.run_id, "created": now_iso(), "judge": rec,
              "metrics": metrics}
    write_json_atomic(tr.dir / f"pairwise-{rec['baseline']['run_id']}.json", report)
    return report
