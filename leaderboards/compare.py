"""Which runs may be ranked (or gated) together, and why not.

Two runs of the same task are comparable only when the things that change the numbers agree:
task version, data (sha256 per language), prompts (the generation lines' `input_sha` on the
samples both runs have: a changed prompt template or target changes it), generation settings
(run.json `generation`, the seed excepted: it changes which answers are drawn, not what is
measured), scorer versions, and the judge of a judged task. A different backend
(a parent scored with vLLM, the merges with hf) does not make numbers incomparable by itself:
it is shown beside the row, never refused. One candidate with two runs of one task is also a
mismatch: which one to show would be a guess.

Example: `find_mismatches(runs)` -> [Mismatch(task="mgsm", what="generation settings", ...)].
`--allow-mixed` turns mismatches into loud flags carried into every output.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thaibench.canonical import canonical_json
from thaibench.leaderboards.runs import RunData


def candidate_label(candidate: dict[str, Any]) -> str:
    """A short display name: the given name, an absolute path shortened to its last part."""
    name = str(candidate.get("label") or candidate.get("name") or candidate.get("id") or "?")
    return Path(name).name if name.startswith("/") and Path(name).name else name


@dataclass(frozen=True)
class Mismatch:
    task: str
    what: str
    # [(value shown to the user, [candidate labels])]
    groups: tuple[tuple[str, tuple[str, ...]], ...]

    def message(self) -> str:
        parts = "; ".join(f"{v}: {', '.join(c)}" for v, c in self.groups)
        return f"task {self.task}: {self.what} differ ({parts})"

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "what": self.what, "message": self.message(),
                "groups": [{"value": v, "candidates": list(c)} for v, c in self.groups]}


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else canonical_json(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _distinct(task: str, what: str, values: Sequence[tuple[Any, str]]) -> Mismatch | None:
    groups: dict[str, list[str]] = defaultdict(list)
    for value, who in values:
        groups[_short(value, 10_000)].append(who)
    if len(groups) < 2:
        return None
    return Mismatch(task, what, tuple((_short(v), tuple(sorted(set(c)))) for v, c in sorted(groups.items())))


def _settings(gen: dict[str, Any]) -> dict[str, Any]:
    # The seed changes which answers are drawn, not what is measured: A/A runs with different
    # seeds are comparable (and greedy decoding ignores it).
    return {k: v for k, v in gen.items() if k != "seed"}


def find_mismatches(runs: Sequence[RunData], one_run_per_candidate: bool = True,
                    label: Callable[[RunData], str] | None = None) -> tuple[list[Mismatch], list[str]]:
    """(mismatches, notes) over all runs, grouped by task. Notes say what differs harmlessly.
    The gate compares a candidate with itself (A/A) and passes `one_run_per_candidate=False`."""
    by_task: dict[str, list[RunData]] = defaultdict(list)
    for r in runs:
        by_task[r.task].append(r)
    mismatches: list[Mismatch] = []
    notes: list[str] = []
    for task, rs in sorted(by_task.items()):
        who = {id(r): label(r) if label else candidate_label(r.candidate) for r in rs}
        per_cand: dict[str, list[RunData]] = defaultdict(list)
        for r in rs:
            per_cand[r.candidate_id].append(r)
        for _cid, dup in sorted(per_cand.items()):
            # Copies of one run (same run id, e.g. an artifact next to a fresh output) are one run.
            ids = sorted({str(r.results.get("run_id")) for r in dup})
            if len(ids) > 1 and one_run_per_candidate:
                mismatches.append(Mismatch(task, "runs of one candidate", tuple(
                    (f"run {i}", (who[id(dup[0])],)) for i in ids)))
            elif len(dup) > 1:
                notes.append(f"task {task}: {len(dup)} copies of run {ids[0]} of {who[id(dup[0])]}; "
                             "the newest is used")
        checks: list[Mismatch | None] = [
            _distinct(task, "task versions", [(r.task_version, who[id(r)]) for r in rs]),
            _distinct(task, "generation settings", [(_settings(r.generation), who[id(r)]) for r in rs]),
        ]
        langs = sorted({lang for r in rs for lang in (r.results.get("data") or {})})
        for lang in langs:
            checks.append(_distinct(task, f"data ({lang})", [(r.results["data"][lang], who[id(r)])
                                                             for r in rs if lang in (r.results.get("data") or {})]))
        versions = {id(r): r.scorer_versions() for r in rs}
        for s in sorted({s for v in versions.values() for s in v}):
            checks.append(_distinct(task, f"scorer versions ({s})", [
                (",".join(sorted(versions[id(r)][s])), who[id(r)]) for r in rs if s in versions[id(r)]]))
            for r in rs:
                if len(versions[id(r)].get(s, ())) > 1:
                    checks.append(Mismatch(task, f"scorer versions within one run ({s})",
                                           ((",".join(sorted(versions[id(r)][s])), (who[id(r)],)),)))
        if any(r.judge for r in rs):
            m = _distinct(task, "judges", [(r.judge_key() or "none", who[id(r)]) for r in rs])
            if m is not None:
                labels = {_short(r.judge_key() or "none"): r.judge_label() or "none" for r in rs}
                m = Mismatch(task, m.what, tuple((labels.get(v, v), c) for v, c in m.groups))
            checks.append(m)
        checks.append(_prompt_mismatch(task, rs, who))
        mismatches.extend(m for m in checks if m is not None)
        backends = _distinct(task, "backends", [({k: r.backend.get(k) for k in ("name", "version", "dtype")},
                                                  who[id(r)]) for r in rs])
        if backends is not None:
            notes.append(backends.message().replace(" differ (", " differ, shown not refused ("))
    return mismatches, notes


def _prompt_mismatch(task: str, rs: Sequence[RunData], who: dict[int, str]) -> Mismatch | None:
    """Runs whose prompts differ on samples they share (input_sha = hash of messages + target)."""
    ref: dict[str, str] = {}
    owner: dict[str, str] = {}
    bad: dict[tuple[str, str], int] = defaultdict(int)
    for r in rs:
        for sid, sha in r.input_sha.items():
            if sid not in ref:
                ref[sid], owner[sid] = sha, who[id(r)]
            elif ref[sid] != sha:
                bad[(owner[sid], who[id(r)])] += 1
    if not bad:
        return None
    groups = tuple((f"{n} shared samples with different prompts", (a, b)) for (a, b), n in sorted(bad.items()))
    return Mismatch(task, "prompts", groups)
