"""Reading finished run directories for boards and the gate (files only, never a model).

A board or a gate is given run directories or whole output folders; every folder holding
run.json below them is a run. A run without results.json did not finish and is skipped with a
note (its numbers would be partial). From each run we keep:

- the records: results.json (task, candidate, metrics, selection) and run.json (backend,
  generation settings, judge);
- the per-sample score lines of scores.jsonl, the last line per (sample_id, epoch, scorer)
  winning, because a re-score appends and never rewrites;
- the `input_sha` of every generation (the hash of its prompt messages and target), which is
  how "the same prompt" is checked across candidates;
- the candidate's lineage (generator, parents, params), from the candidate block of the
  records or from candidate.json next to the checkpoint.

Example: `load_runs(["thaibench-out"])` -> [RunData(task="mgsm", candidate={"id": ...}, ...)].

Quirk: `scorer_version` is kept per line; two versions of a scorer in one comparison are a
mismatch (see compare.py), not silently mixed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from thaibench.canonical import canonical_json, short_id
from thaibench.errors import UserError
from thaibench.records import GENERATIONS_FILE, RESULTS_FILE, RUN_FILE, SCORES_FILE, read_json, read_jsonl

# Param names read as "the merge ratio" of a sweep, in order of preference.
RATIO_KEYS = ("ratio", "t", "weight", "lambda", "alpha", "scale")
SCHEDULE_KEYS = ("schedule", "preset", "gradient", "layers")


class ScoreRow(NamedTuple):
    value: float  # NaN = unscorable
    lang: str
    pair_id: str
    split: str | None
    version: str


@dataclass
class RunData:
    """One finished run directory, as a board or a gate needs it."""

    dir: Path
    results: dict[str, Any]
    record: dict[str, Any]
    # scorer -> (sample_id, epoch) -> ScoreRow; compact, since a board may hold millions
    scores: dict[str, dict[tuple[str, int], ScoreRow]] = field(default_factory=dict)
    input_sha: dict[str, str] = field(default_factory=dict)

    @property
    def task(self) -> str:
        return self.results["task"]["name"]

    @property
    def task_version(self) -> str:
        return str(self.results["task"]["version"])

    @property
    def candidate(self) -> dict[str, Any]:
        return self.results.get("candidate") or self.record.get("candidate") or {}

    @property
    def candidate_id(self) -> str:
        return str(self.candidate.get("id"))

    @property
    def headline(self) -> tuple[str, str] | None:
        head = self.results["task"].get("headline")
        return (head[0], head[1]) if head else None

    @property
    def backend(self) -> dict[str, Any]:
        return self.record.get("backend") or {}

    @property
    def generation(self) -> dict[str, Any]:
        return self.record.get("generation") or {}

    @property
    def judge(self) -> Any:
        """The judge whose ratings the scores hold (results.json: a re-judged run is rewritten
        for its new judge), else the run record's."""
        return self.results.get("judge") or self.record.get("judge") or (self.record.get("task") or {}).get("judge")

    def judge_key(self) -> Any:
        """What identifies the judge for comparisons (its id when it has one)."""
        j = self.judge
        return j.get("id") or j if isinstance(j, dict) else j

    def judge_label(self) -> str | None:
        j = self.judge
        if j is None:
            return None
        return str(j.get("spec") or j.get("model") or j.get("id")) if isinstance(j, dict) else str(j)

    def metric(self, name: str, group: str) -> dict[str, Any] | None:
        """The whole-group metric (not a slice such as an MT-Bench category)."""
        for m in self.results.get("metrics", []):
            if m["name"] == name and m["group"] == group and m.get("slice") is None:
                return m
        return None

    def unit(self, scorer: str) -> str:
        for m in self.results.get("metrics", []):
            if m["name"] == scorer and m.get("slice") is None:
                return m.get("unit", "fraction")
        return "fraction"

    def raw_scores(self, scorer: str, keep: set[tuple[str, int]]) -> list[dict[str, Any]]:
        """Full score lines (details included) of one scorer for the (sample_id, epoch) pairs in
        `keep`, last line winning; read again from disk, since most boards never need them."""
        out: dict[tuple[str, int], dict[str, Any]] = {}
        for row in read_jsonl(self.dir / SCORES_FILE):
            key = (row["sample_id"], int(row["epoch"]))
            if row["scorer"] == scorer and key in keep:
                out[key] = row
        return list(out.values())

    def scorer_versions(self) -> dict[str, set[str]]:
        return {scorer: {r.version for r in rows.values()} for scorer, rows in self.scores.items()}


def read_scores(run_dir: Path) -> dict[str, dict[tuple[str, int], ScoreRow]]:
    """The last line per (sample_id, epoch, scorer) wins: a re-score appends, never rewrites."""
    out: dict[str, dict[tuple[str, int], ScoreRow]] = {}
    for row in read_jsonl(run_dir / SCORES_FILE):
        v = row.get("value")
        out.setdefault(row["scorer"], {})[(row["sample_id"], int(row["epoch"]))] = ScoreRow(
            float("nan") if v is None else float(v), str(row.get("lang")),
            str(row.get("pair_id", row["sample_id"])), row.get("split"), str(row.get("scorer_version")))
    return out


def read_input_shas(run_dir: Path) -> dict[str, str]:
    """sample_id -> input_sha of its latest error-free generation line."""
    out: dict[str, str] = {}
    for g in read_jsonl(run_dir / GENERATIONS_FILE):
        if g.get("input_sha") and not g.get("error"):
            out[g["sample_id"]] = g["input_sha"]
    return out


def load_run(run_dir: Path) -> RunData:
    run_dir = Path(run_dir)
    if not (run_dir / RESULTS_FILE).exists():
        raise UserError(f"{run_dir} has no results.json (the run did not finish; re-run it to resume)")
    return RunData(run_dir, read_json(run_dir / RESULTS_FILE), read_json(run_dir / RUN_FILE),
                   read_scores(run_dir), read_input_shas(run_dir))


def load_runs(paths: Iterable[str | Path], notes: list[str] | None = None) -> list[RunData]:
    """Every finished run at or below each path; unfinished ones are noted and skipped."""
    from thaibench.rundirs import find_run_dirs

    runs: list[RunData] = []
    seen: set[Path] = set()
    for p in paths:
        dirs = list(find_run_dirs(Path(p)))
        if not dirs:
            raise UserError(f"no run directories under {p}")
        for d in dirs:
            d = d.resolve()
            if d in seen:
                continue
            seen.add(d)
            if not (d / RESULTS_FILE).exists():
                if notes is not None:
                    notes.append(f"skipped {d}: no results.json (unfinished run)")
                continue
            runs.append(load_run(d))
    return runs


def sample_keys(run: RunData, scorer: str, langs: Iterable[str] | None, split: str) -> set[tuple[str, int]]:
    """The (sample_id, epoch) pairs this run scored with `scorer` in these languages and split
    (`split` "all" keeps every line)."""
    want = set(langs) if langs is not None else None
    return {key for key, row in run.scores.get(scorer, {}).items()
            if (want is None or row.lang in want) and (split == "all" or row.split == split)}


def per_sample(run: RunData, scorer: str, keep: set[tuple[str, int]],
               reducer: str = "mean") -> dict[tuple[str, str], tuple[float, str, str]]:
    """{(task, sample_id): (value, pair_id, lang)} over the (sample_id, epoch) pairs in `keep`,
    epochs reduced by `reducer` (mean or pass@k)."""
    acc: dict[str, list[float]] = {}
    meta: dict[str, tuple[str, str]] = {}
    for (sid, epoch), row in run.scores.get(scorer, {}).items():
        if (sid, epoch) not in keep:
            continue
        acc.setdefault(sid, []).append(row.value)
        meta[sid] = (row.pair_id, row.lang)
    out = {}
    for sid, vals in acc.items():
        out[(run.task, sid)] = (reduce_epochs(vals, reducer), *meta[sid])
    return out


def reduce_epochs(vals: list[float], reducer: str) -> float:
    """A sample's value from its epochs: `mean`, or `pass@k` (Chen et al. 2021, unbiased)."""
    ok = [v for v in vals if not math.isnan(v)]
    if not ok:
        return float("nan")
    if reducer.startswith("pass@"):
        k = int(reducer[5:])
        n, c = len(ok), sum(1 for v in ok if v >= 1.0)
        if n < k:
            return float("nan")
        if n - c < k:
            return 1.0
        return 1.0 - math.comb(n - c, k) / math.comb(n, k)
    return sum(ok) / len(ok)


# -- lineage ---------------------------------------------------------------------------------

def _candidate_json(candidate: dict[str, Any]) -> dict[str, Any] | None:
    path = candidate.get("path")
    if not path:
        return None
    f = Path(path) / "candidate.json"
    if f.is_file():
        try:
            return read_json(f)
        except (OSError, ValueError):
            return None
    return None


def _parents(raw: Any) -> list[dict[str, Any]]:
    out = []
    for p in raw or []:
        if isinstance(p, dict):
            ref = p.get("name") or p.get("ref") or p.get("path") or p.get("id")
            name = Path(str(ref)).name if str(ref).startswith(("/", ".")) else str(ref)
            out.append({"id": p.get("id"), "name": name, "role": p.get("role")})
        else:
            out.append({"id": str(p), "name": str(p), "role": None})
    return out


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _ratio(params: dict[str, Any]) -> tuple[float | None, str | None, str | None]:
    """(ratio, where it was found, schedule) from a spec's params.

    Understands plain keys (`ratio`, `t`, `weight`, ...), thaibench merge params (the second
    model's `weight` of a two-model merge, slerp's `parameters.t`) and schedules (a preset such
    as the paper's m3, a gradient, per-layer lists), which are shown instead of a ratio.
    """
    for k in RATIO_KEYS:
        if _num(params.get(k)):
            return float(params[k]), k, None
    candidates: list[tuple[Any, str]] = []
    glob = params.get("parameters") or {}
    if isinstance(glob, dict) and "t" in glob:
        candidates.append((glob["t"], "t"))
    models = params.get("models")
    if isinstance(models, list) and len(models) == 2 and isinstance(models[1], dict):
        candidates.append(((models[1].get("parameters") or {}).get("weight"), "ratio"))
    candidates += [(params[k], k) for k in ("ratio", *SCHEDULE_KEYS) if k in params]
    for value, key in candidates:
        if _num(value):
            return float(value), key, None
        if isinstance(value, str):
            return None, None, value
        if isinstance(value, dict) and value:
            kind, val = next(iter(value.items()))
            return None, None, str(val) if kind == "preset" else f"{kind} {canonical_json(val)}"
        if isinstance(value, list) and value:
            return None, None, f"gradient {canonical_json(value)}"
    return None, None, None


def _without_ratio(obj: Any) -> Any:
    """Params with every ratio-like value blanked: candidates of one sweep compare equal."""
    if isinstance(obj, dict):
        return {k: ("*" if k in (*RATIO_KEYS, "weight") else _without_ratio(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_without_ratio(v) for v in obj]
    return obj


def lineage_of(candidate: dict[str, Any]) -> dict[str, Any]:
    """{generator, parents, params, ratio, ratio_key, schedule, sweep}: how a candidate was made.

    Read from the candidate block of the records (`spec`, `lineage`, or generator/parents/params
    at its top level) and from candidate.json next to the checkpoint (written by `thaibench
    merge`: {"id", "spec": {generator, parents, params}, "lineage": {method, parents: [{id, ref,
    role}], ...}}). A plain checkpoint has generator "checkpoint" and no parents. `sweep` groups
    candidates that differ only in their ratio (same generator, parents and other params).
    """
    sources = [candidate]
    cj = _candidate_json(candidate)
    if cj is not None:
        sources.append(cj)
    spec: dict[str, Any] = next((s["spec"] for s in sources if isinstance(s.get("spec"), dict)), {})
    lin: dict[str, Any] = next((s["lineage"] for s in sources if isinstance(s.get("lineage"), dict)), {})
    top = next((s for s in sources if s.get("generator") and s.get("generator") != "checkpoint"), {})
    generator = (spec.get("generator") or lin.get("method") or lin.get("generator") or top.get("generator")
                 or "checkpoint")
    parents = _parents(lin.get("parents") or spec.get("parents") or top.get("parents")
                       or candidate.get("parents"))
    params = dict(spec.get("params") or lin.get("params") or top.get("params") or {})
    ratio, ratio_key, schedule = _ratio(params)
    sweep = None
    if ratio is not None and parents:
        sweep = short_id({"g": generator, "p": [p["id"] for p in parents], "rest": _without_ratio(params)}, 12)
    return {"generator": generator if parents or generator != "checkpoint" else candidate.get("kind") or generator,
            "parents": parents, "params": params, "ratio": ratio, "ratio_key": ratio_key,
            "schedule": schedule, "sweep": sweep}
