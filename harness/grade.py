"""Grading responses produced elsewhere (batch jobs, other harnesses, API exports).

A responses file is JSON lines, one response per line:

    {"id": "th/mgsm-000", "response": "<think>16-3-4=9, 9*2=18</think>คำตอบ: \\\\boxed{18}"}
    {"id": "en/mgsm-000", "response": "The answer is 18.", "reasoning": "16-3-4=9 ...", "model": "x"}
    {"id": "q1", "lang": "en", "target": "18", "response": "... \\\\boxed{18}"}

- `id` names a sample of the task (see `thaibench show` or the task's data for the ids); a line
  with an inline `target` is graded against it instead (then `id` is any name, `lang` is needed
  when the task has several languages, and `input`/`pair_id` are optional).
- `response` is the raw text, `<think>` trace included, or the answer alone with the trace in
  `reasoning`. `epoch` (default 0) numbers several responses to one sample. A line with an
  `error` (a failed call) is recorded as an error, never as a wrong answer. `finish_reason`,
  `prompt_tokens`, `completion_tokens` are used when present; every other field is kept in the
  generation line's `extra`.

Bad lines (not JSON, no response, unknown id, an id of a language not selected, a duplicate
(id, epoch)) are reported with their line numbers and the file is refused, so a partial file is
never reported as a result; `--skip-bad` grades the rest and records what was skipped.

The result is an ordinary run directory: candidate id = sha256 of the file (kind "responses"),
generations.jsonl (prompt: null, since the prompt used elsewhere is unknown; `source_line` set),
then scores and results through `thaibench.run.finish`, exactly as `score` makes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thaibench import __version__
from thaibench.canonical import canonical_json, sha256_text, short_id
from thaibench.errors import UserError
from thaibench.reasoning import split_reasoning
from thaibench.records import (
    GENERATIONS_FILE,
    RUN_FILE,
    SCHEMA_VERSION,
    JsonlAppender,
    generation_line,
    now_iso,
    read_json,
    read_jsonl,
    write_json_atomic,
)
from thaibench.run import Hooks, TaskRun, finish, latest_valid, run_dir_for
from thaibench.task import Task, split_of
from thaibench.types import Generation, Sample

KNOWN_FIELDS = ("id", "response", "reasoning", "target", "lang", "input", "pair_id", "epoch", "error",
                "finish_reason", "prompt_tokens", "completion_tokens")
SHOWN = 8  # line numbers shown per kind of problem


@dataclass
class Graded:
    """One usable line: the sample it answers and the generation built from it."""

    lineno: int
    sample: Sample
    epoch: int
    gen: Generation
    inline: bool


@dataclass
class ReadResult:
    items: list[Graded] = field(default_factory=list)
    problems: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, line number, detail)
    n_lines: int = 0
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)  # per language, set by grade_file

    def summary(self) -> str:
        """One paragraph: each kind of problem with its first line numbers."""
        kinds: dict[str, list[str]] = {}
        for kind, lineno, detail in self.problems:
            kinds.setdefault(kind, []).append(f"{lineno}" + (f" ({detail})" if detail else ""))
        parts = []
        for kind, where in kinds.items():
            more = f" and {len(where) - SHOWN} more" if len(where) > SHOWN else ""
            parts.append(f"{kind}: line{'s' if len(where) > 1 else ''} {', '.join(where[:SHOWN])}{more}")
        return "; ".join(parts)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def make_generation(row: dict[str, Any], think_opened: bool) -> Generation:
    """The Generation a line describes; the trace is split as for a local backend."""
    from thaibench.backends.openai import to_generation

    finish = row.get("finish_reason")
    if row.get("error"):
        return Generation(text=str(row.get("response") or ""), error=str(row["error"]), finish_reason=finish or "error")
    response, reasoning = row["response"], row.get("reasoning")
    if isinstance(reasoning, str) and reasoning.strip():
        gen = to_generation(response, reasoning, finish)
    else:
        sp = split_reasoning(response, opened_in_prompt=think_opened)
        gen = Generation(text=response, reasoning=sp.reasoning, answer=sp.answer, think_closed=sp.think_closed,
                         finish_reason=finish)
    for key in ("prompt_tokens", "completion_tokens"):
        if isinstance(row.get(key), int):
            setattr(gen, key, row[key])
    return gen


class SampleIndex:
    """The task's samples by id, loaded on first need (inline-target files need no data)."""

    def __init__(self, task: Task, langs: Sequence[str], data_dir: str | None) -> None:
        self.task, self.langs, self.data_dir = task, tuple(langs), data_dir
        self._by_id: dict[str, Sample] | None = None
        self._others: dict[str, Sample] | None = None
        self.sha: dict[str, str] = {}
        self.sizes: dict[str, int] = {}

    def get(self, sid: str) -> Sample | None:
        """The selected languages' sample with this id."""
        if self._by_id is None:
            self._by_id = {}
            for lang in self.langs:
                loaded = self.task.samples(lang, self.data_dir)
                self.sha[lang], self.sizes[lang] = loaded.data_sha256(), len(loaded.samples)
                self._by_id.update({s.id: s for s in loaded.samples})
        return self._by_id.get(sid)

    def other_lang(self, sid: str) -> str | None:
        """The language of a sample with this id among the languages NOT selected, if any."""
        if self._others is None:
            self._others = {}
            for lang in self.task.langs:
                if lang not in self.langs:
                    try:
                        self._others.update({s.id: s for s in self.task.samples(lang, self.data_dir).samples})
                    except UserError:  # that language's data is not here: the id is simply unknown
                        pass
        found = self._others.get(sid)
        return found.lang if found else None

    def example_ids(self) -> str:
        ids = list(self._by_id or {})[:2]
        return f"; ids look like {', '.join(repr(i) for i in ids)}" if ids else ""


def read_responses(path: Path, task: Task, langs: Sequence[str], data_dir: str | None,
                   think_opened: bool = False) -> tuple[ReadResult, SampleIndex]:
    """Parse and check every line; problems are collected, not raised."""
    index = SampleIndex(task, langs, data_dir)
    res = ReadResult()
    first: dict[tuple[str, int], int] = {}
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            res.n_lines += 1
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                res.problems.append(("not JSON", lineno, exc.msg))
                continue
            item = _read_row(row, lineno, task, langs, index, think_opened, res)
            if item is None:
                continue
            key = (item.sample.id, item.epoch)
            if key in first:
                res.problems.append(("duplicate id", lineno, f"{key[0]!r} epoch {key[1]} first on line {first[key]}"))
                continue
            first[key] = lineno
            res.items.append(item)
    return res, index


def _read_row(row: Any, lineno: int, task: Task, langs: Sequence[str], index: SampleIndex,
              think_opened: bool, res: ReadResult) -> Graded | None:
    if not isinstance(row, dict):
        res.problems.append(("not a JSON object", lineno, ""))
        return None
    if not isinstance(row.get("response"), str) and not row.get("error"):
        res.problems.append(("no `response` text", lineno, ""))
        return None
    epoch = row.get("epoch", 0)
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        res.problems.append(("bad `epoch`", lineno, repr(epoch)))
        return None
    rid = row.get("id")
    if "target" in row:
        lang = row.get("lang") or (langs[0] if len(langs) == 1 else None)
        if lang not in langs:
            res.problems.append(("inline target without a selected `lang`", lineno,
                                 f"lang {lang!r}; task has {', '.join(langs)}" if lang else ""))
            return None
        sid = str(rid) if rid is not None else f"line-{lineno}"
        sample = Sample(id=sid, lang=lang, input=row.get("input", ""), target=row["target"],
                        metadata={"pair_id": str(row.get("pair_id", sid))})
        inline = True
    else:
        if not isinstance(rid, (str, int)) or isinstance(rid, bool):
            res.problems.append(("no `id` (or inline `target`)", lineno, ""))
            return None
        found = index.get(str(rid))
        if found is None:
            other = index.other_lang(str(rid))
            if other:
                res.problems.append(("id of a language not selected", lineno, f"{str(rid)!r} is {other}"))
            else:
                res.problems.append(("unknown id", lineno, f"{str(rid)!r}{index.example_ids()}"))
            return None
        sample, inline = found, False
    gen = make_generation(row, think_opened)
    gen.extra = {k: v for k, v in row.items() if k not in KNOWN_FIELDS}
    return Graded(lineno, sample, epoch, gen, inline)


def responses_candidate(path: Path, sha: str, name: str | None) -> dict[str, Any]:
    parts = {"generator": "responses", "sha256": sha}
    return {"id": short_id(parts), "kind": "responses", "name": name or path.name, "file": str(path), "sha256": sha}


def data_info(items: Sequence[Graded], index: SampleIndex) -> dict[str, dict[str, Any]]:
    """Per language: the data sha256 finish() records (the task's data and/or the inline targets)."""
    out: dict[str, dict[str, Any]] = {}
    for lang in dict.fromkeys(it.sample.lang for it in items):
        mine = [it for it in items if it.sample.lang == lang]
        inline = [[it.sample.id, it.sample.target, it.sample.metadata] for it in mine if it.inline]
        shas = [index.sha[lang]] if any(not it.inline for it in mine) else []
        if inline:
            shas.append(sha256_text(canonical_json(inline)))
        out[lang] = {"sha256": shas[0] if len(shas) == 1 else sha256_text("+".join(shas)),
                     "graded": len({it.sample.id for it in mine}), "of": index.sizes.get(lang)}
    return out


def grade_file(path: Path, task: Task, langs: Sequence[str], out: Path, *, name: str | None = None,
               data_dir: str | None = None, think_opened: bool = False, skip_bad: bool = False,
               hooks: Hooks | None = None) -> tuple[TaskRun, ReadResult]:
    """Check the file, write the run directory's records, then score and aggregate via `finish`."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no such responses file: {path}")
    res, index = read_responses(path, task, langs, data_dir, think_opened)
    if res.problems and not skip_bad:
        raise UserError(f"{path}: {len(res.problems)} of {res.n_lines} lines are unusable, nothing was graded "
                        f"(fix them, or pass --skip-bad to grade the rest): {res.summary()}")
    if not res.items:
        raise UserError(f"{path}: no usable responses ({res.summary() or 'the file is empty'})")
    sha = file_sha256(path)
    cand = responses_candidate(path, sha, name)
    ident = {"candidate": cand["id"], "task": task.name, "task_version": task.version,
             "backend": {"name": "grade", "think_opened": think_opened}}
    run_id = short_id(ident)
    tr = TaskRun(run_dir_for(Path(out), cand["id"], task, run_id), run_id, task,
                 tuple(lang for lang in task.langs if any(it.sample.lang == lang for it in res.items)))
    data = res.coverage = data_info(res.items, index)
    record_path = tr.dir / RUN_FILE
    record = read_json(record_path) if record_path.exists() else {
        "schema_version": SCHEMA_VERSION, "run_id": run_id, "created": now_iso(), "thaibench_version": __version__,
        "identity": ident, "task": {"name": task.name, "version": task.version, "reasoning_lang": task.reasoning_lang},
        "generation": None, "data": {}}
    record.update(candidate=cand, data={**record.get("data", {}), **data},
                  backend={"name": "grade", "file": str(path), "sha256": sha, "lines": res.n_lines,
                           "think_opened": think_opened, "skipped_lines": len(res.problems),
                           "skipped": res.summary() or None})
    write_json_atomic(record_path, record)
    have = latest_valid(list(read_jsonl(tr.dir / GENERATIONS_FILE)))
    with JsonlAppender(tr.dir / GENERATIONS_FILE) as gens:
        for it in res.items:
            if (it.sample.id, it.epoch) in have:
                continue  # same file (same sha256): the line written before is this one
            line = generation_line(run_id, it.sample, it.epoch, None, None, it.gen, split_of(task.name, it.sample.pair_id))
            line["source_line"] = it.lineno
            if it.inline:
                line["sample"] = {"id": it.sample.id, "lang": it.sample.lang, "input": it.sample.input,
                                  "target": it.sample.target, "metadata": it.sample.metadata}
            gens.write(line)
            tr.generated += 1
            tr.errors += bool(it.gen.error)
    items = [(it.sample, it.epoch) for it in res.items]
    selection = {"split": "all", "limit": None, "epochs": max(it.epoch for it in res.items) + 1,
                 "source": "responses", "skipped_lines": len(res.problems)}
    return finish(tr, items, hooks or Hooks(), selection, data), res
