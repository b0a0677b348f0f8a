"""The regression gate: is a candidate worse than a stored baseline, beyond noise and margin?

`thaibench gate --baseline A --candidate B` pairs the two on the samples both scored (same
(sample_id, epoch), scorable in both) and tests each metric: by default every task's headline
scorer in each language, plus "overall", the mean over those metrics that are fractions.

- Difference and 95% interval: cluster bootstrap of (candidate - baseline), clusters = pair_id,
  stratified per task (the same resamples for every metric of a task, so "overall" is paired too).
- Test: the exact McNemar test when both sides are 0/1 with one sample per cluster (binary
  accuracy, one epoch); otherwise a bootstrap test (z = difference / bootstrap SE). The gate
  asks a one-sided question, "is the candidate worse?", so the p-value is one-sided for a drop
  (an A/A comparison raises a false alarm in at most alpha of cases, Holm included); a rise is
  tested the same way, the other side, only to label improvements.
- Holm's correction over all the metrics tested.
- A regression is a drop larger than `--max-drop` (points of the metric: percentage points for
  fractions, rating points for 1-10 ratings) that is also significant (Holm p < alpha).
  Improvements never fail the gate.

Exit status: 0 no metric regresses, 1 one does, 2 unusable input (no shared samples, no common
task, different task versions, data, prompts, scorer versions, judges or generation settings
other than the seed; `--allow-mixed` downgrades the last group to flags).

Example report line (markdown, fit for a pull-request comment):
    | mgsm th math_equiv | 250 | 62.4 | 57.2 | -5.2 | [-7.6, -2.8] | McNemar b=19 c=6 | 0.0073 | 0.0146 | regression |

Quirk: the McNemar test ignores nothing here because it is only used when each cluster is one
sample; pooled (several languages per cluster) or multi-epoch metrics use the bootstrap.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from thaibench.leaderboards import stats
from thaibench.leaderboards.compare import candidate_label, find_mismatches
from thaibench.leaderboards.runs import RunData, per_sample, sample_keys


@dataclass(frozen=True)
class GateOptions:
    metrics: tuple[str, ...] = ()  # TASK[:LANG][/SCORER]; empty = headlines
    max_drop: float = 1.0
    alpha: float = 0.05
    n_boot: int = 2000
    seed: int = 0
    split: str = "all"
    allow_mixed: bool = False


@dataclass
class MetricTest:
    label: str
    task: str
    lang: str | None
    scorer: str
    unit: str
    n: int = 0
    n_clusters: int = 0
    baseline: float = float("nan")
    candidate: float = float("nan")
    diff: float = float("nan")  # in points
    ci: tuple[float, float] = (float("nan"), float("nan"))
    test: str = ""
    p: float = float("nan")  # one-sided, for a drop
    p_holm: float = float("nan")
    p_up: float = float("nan")  # one-sided, for a rise (labels improvements only)
    p_up_holm: float = float("nan")
    regression: bool = False
    verdict: str = ""


@dataclass
class GateResult:
    baseline: str
    candidate: str
    tests: list[MetricTest] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    options: GateOptions = GateOptions()

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 2
        return 1 if any(t.regression for t in self.tests) else 0


def paired_arrays(base: RunData, cand: RunData, scorer: str, langs: Sequence[str] | None, split: str
                  ) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """Per-sample values on shared (sample_id, epoch) pairs, scorable in both.
    Returns (baseline values, candidate values, cluster (pair_id) per sample, epochs used)."""
    shared = sample_keys(base, scorer, langs, split) & sample_keys(cand, scorer, langs, split)
    b = per_sample(base, scorer, shared)
    c = per_sample(cand, scorer, shared)
    keys = sorted(k for k in b if k in c and not math.isnan(b[k][0]) and not math.isnan(c[k][0]))
    epochs = len({ep for _, ep in shared}) if shared else 0
    return (np.array([b[k][0] for k in keys]), np.array([c[k][0] for k in keys]),
            [b[k][1] for k in keys], epochs)


def parse_metric(spec: str) -> tuple[str, str | None, str | None]:
    """`TASK[:LANG][/SCORER]` -> (task or "*", lang or None, scorer or None = headline)."""
    head, _, scorer = spec.partition("/")
    task, _, lang = head.partition(":")
    return task.strip() or "*", lang.strip() or None, scorer.strip() or None


def _one_candidate(runs: Sequence[RunData], side: str) -> list[str]:
    ids = sorted({r.candidate_id for r in runs})
    if len(ids) > 1:
        return [f"the {side} holds runs of {len(ids)} candidates ({', '.join(ids)}); "
                "name one candidate's folder or run directory"]
    out = []
    by_task: dict[str, set[str]] = defaultdict(set)
    for r in runs:
        by_task[r.task].add(str(r.results.get("run_id")))
    for task, run_ids in sorted(by_task.items()):
        if len(run_ids) > 1:
            out.append(f"the {side} holds {len(run_ids)} runs of task {task} ({', '.join(sorted(run_ids))}); "
                       "name one run directory")
    return out


def run_gate(baseline: Sequence[RunData], candidate: Sequence[RunData], opt: GateOptions | None = None) -> GateResult:
    opt = opt or GateOptions()
    res = GateResult(_name(baseline), _name(candidate), options=opt)
    res.problems += _one_candidate(baseline, "baseline") + _one_candidate(candidate, "candidate")
    b_by = {r.task: r for r in baseline}
    c_by = {r.task: r for r in candidate}
    common = sorted(set(b_by) & set(c_by))
    for t in sorted(set(b_by) ^ set(c_by)):
        res.notes.append(f"task {t} is only in the {'baseline' if t in b_by else 'candidate'}; not tested")
    if not common:
        res.problems.append("baseline and candidate share no task")
    if res.problems:
        return res
    role = {id(b_by[t]): "baseline" for t in common} | {id(c_by[t]): "candidate" for t in common}
    mism, notes = find_mismatches([r for t in common for r in (b_by[t], c_by[t])],
                                  one_run_per_candidate=False, label=lambda r: role[id(r)])
    res.notes += notes
    for m in mism:
        hard = m.what == "task versions" or m.what.startswith(("data", "prompts"))
        if hard or not opt.allow_mixed:
            res.problems.append(m.message())
        else:
            res.notes.append(f"MIXED (allowed): {m.message()}")
    if res.problems:
        return res
    wanted = _select(common, b_by, opt.metrics)
    if not wanted:
        res.problems.append("no metric matches " + ", ".join(opt.metrics))
        return res
    _test_all(res, wanted, b_by, c_by, opt)
    return res


def _name(runs: Sequence[RunData]) -> str:
    if not runs:
        return "?"
    c = runs[0].candidate
    return f"{candidate_label(c)} ({c.get('id')})"


def _select(common: list[str], b_by: dict[str, RunData], specs: Sequence[str]) -> list[tuple[str, str | None, str]]:
    """(task, lang, scorer) to test."""
    out: list[tuple[str, str | None, str]] = []
    for task in common:
        run = b_by[task]
        head = run.headline[0] if run.headline else None
        langs = list(run.results.get("langs") or [])
        if not specs:
            if head:
                out += [(task, lang, head) for lang in langs]
            continue
        for spec in specs:
            t, lang, scorer = parse_metric(spec)
            if t not in ("*", task):
                continue
            scorer = scorer or head
            if scorer is None or scorer not in run.scores:
                continue
            for lg in ([lang] if lang else langs):
                if (task, lg, scorer) not in out:
                    out.append((task, lg, scorer))
    return out


def _test_all(res: GateResult, wanted: list[tuple[str, str | None, str]], b_by: dict[str, RunData],
              c_by: dict[str, RunData], opt: GateOptions) -> None:
    cluster_ix: dict[str, dict[str, int]] = defaultdict(dict)
    data = []
    for task, lang, scorer in wanted:
        b, c, clusters, epochs = paired_arrays(b_by[task], c_by[task], scorer, [lang] if lang else None, opt.split)
        for p in clusters:
            cluster_ix[task].setdefault(p, len(cluster_ix[task]))
        data.append((task, lang, scorer, b, c, clusters, epochs))
    weights = {t: stats.resample_counts(len(ix), opt.n_boot, np.random.default_rng([opt.seed, zlib.crc32(t.encode())]))
               for t, ix in cluster_ix.items() if ix}
    overall_boot, overall_point = [], []
    for task, lang, scorer, b, c, clusters, epochs in data:
        unit = b_by[task].unit(scorer)
        mt = MetricTest(f"{task} {lang or 'all'} {scorer}", task, lang, scorer, unit)
        if len(b) == 0:
            res.problems.append(f"{mt.label}: no shared scorable samples between baseline and candidate")
            continue
        idx = np.array([cluster_ix[task][p] for p in clusters])
        boot = paired_test(mt, b, c, idx, weights[task], epochs)
        res.tests.append(mt)
        if unit == "fraction":
            overall_boot.append(boot)
            overall_point.append(mt.diff)
    if len(overall_point) > 1:
        ob = np.mean(overall_boot, axis=0)
        mt = MetricTest("overall (mean of the fraction metrics)", "*", None, "*", "fraction",
                        n=sum(t.n for t in res.tests if t.unit == "fraction"))
        mt.diff = float(np.mean(overall_point))
        mt.baseline = float(np.mean([t.baseline for t in res.tests if t.unit == "fraction"]))
        mt.candidate = float(np.mean([t.candidate for t in res.tests if t.unit == "fraction"]))
        lo, hi = stats.percentile_ci(ob)
        mt.ci, mt.test = (float(lo), float(hi)), "bootstrap"
        mt.p = stats.normal_p(mt.diff, float(np.std(ob)), one_sided=True)
        mt.p_up = stats.normal_p(-mt.diff, float(np.std(ob)), one_sided=True)
        res.tests.append(mt)
    for mt, ph, pu in zip(res.tests, stats.holm([t.p for t in res.tests]), stats.holm([t.p_up for t in res.tests]),
                          strict=True):
        decide(mt, ph, opt, pu)


def paired_test(mt: MetricTest, b: np.ndarray, c: np.ndarray, idx: np.ndarray, W: np.ndarray, epochs: int) -> np.ndarray:
    """Fill `mt` (means, difference, interval, test and p) from paired per-sample values.

    b, c: baseline and candidate values per shared sample; idx: each sample's cluster (a column
    of W, the (B, K) resample counts). Returns the resampled differences in points."""
    scale = 100.0 if mt.unit == "fraction" else 1.0
    S, N = stats.cluster_sums(np.vstack([c - b]), idx, W.shape[1])
    boot = ((W @ S.T) / np.maximum(W @ N.T, 1e-12))[:, 0] * scale
    mt.n, mt.n_clusters = len(b), len(set(idx.tolist()))
    mt.baseline, mt.candidate = float(b.mean() * scale), float(c.mean() * scale)
    mt.diff = float((c - b).mean() * scale)
    lo, hi = stats.percentile_ci(boot)
    mt.ci = (float(lo), float(hi))
    binary = epochs == 1 and mt.n_clusters == len(b) and set(np.unique(np.concatenate([b, c])).tolist()) <= {0.0, 1.0}
    if binary:
        nb = int(((b == 1) & (c == 0)).sum())
        nc = int(((b == 0) & (c == 1)).sum())
        mt.test = f"McNemar b={nb} c={nc}"
        mt.p, mt.p_up = stats.mcnemar_exact(nb, nc, one_sided=True), stats.mcnemar_exact(nc, nb, one_sided=True)
    else:
        se = float(np.std(boot))
        mt.test = "bootstrap"
        mt.p, mt.p_up = stats.normal_p(mt.diff, se, one_sided=True), stats.normal_p(-mt.diff, se, one_sided=True)
    return boot


def decide(mt: MetricTest, p_holm: float, opt: GateOptions, p_up_holm: float = float("nan")) -> None:
    """A regression: a drop beyond the margin that is also significant after Holm."""
    mt.p_holm, mt.p_up_holm = p_holm, p_up_holm
    dropped = p_holm < opt.alpha and mt.diff < 0
    mt.regression = dropped and -mt.diff > opt.max_drop
    if mt.regression:
        mt.verdict = "regression"
    elif dropped:
        mt.verdict = "drop within margin"
    elif p_up_holm < opt.alpha and mt.diff > 0:
        mt.verdict = "improvement"
    else:
        mt.verdict = "no significant change"


def _f(x: float, signed: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:+.1f}" if signed else f"{x:.1f}"


def _p(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.2g}" if x < 0.001 else f"{x:.4f}"


def _cell(text: str) -> str:
    """Markdown table cell: pipes and newlines from names would break the table."""
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """A name shown as inline code: a model name cannot add links, markup or lines."""
    return "`" + text.replace("`", "'").replace("\n", " ") + "`"


def report_markdown(res: GateResult) -> str:
    o = res.options
    if res.problems:
        head = "## thaibench gate: cannot compare (exit 2)"
    elif any(t.regression for t in res.tests):
        n = sum(t.regression for t in res.tests)
        head = f"## thaibench gate: REGRESSION in {n} of {len(res.tests)} metrics (exit 1)"
    else:
        head = f"## thaibench gate: no regression in {len(res.tests)} metrics (exit 0)"
    lines = [head, "",
             f"Baseline: {_code(res.baseline)}  \nCandidate: {_code(res.candidate)}  \n"
             f"Split: {o.split}; margin: a drop of more than {o.max_drop:g} points (percentage points for "
             f"accuracies); significance: Holm-adjusted p < {o.alpha:g} over the metrics tested; "
             f"{o.n_boot} cluster-bootstrap resamples (clusters = pair_id).", ""]
    for p in res.problems:
        lines.append(f"- **problem:** {_cell(p)}")
    if res.tests:
        lines += ["| metric | n | baseline | candidate | Δ | 95% CI | test | p (drop) | p (Holm) | verdict |",
                  "|---|---:|---:|---:|---:|---|---|---:|---:|---|"]
        for t in res.tests:
            verdict = f"**{t.verdict}**" if t.regression else t.verdict
            lines.append(f"| {_cell(t.label)} | {t.n} | {_f(t.baseline)} | {_f(t.candidate)} | {_f(t.diff, True)} | "
                         f"[{_f(t.ci[0], True)}, {_f(t.ci[1], True)}] | {t.test} | {_p(t.p)} | {_p(t.p_holm)} | {verdict} |")
    if res.notes:
        lines.append("")
        lines += [f"- {_cell(n)}" for n in res.notes]
    return "\n".join(lines) + "\n"


def result_dict(res: GateResult) -> dict[str, Any]:
    return {"kind": "thaibench.gate", "schema_version": 1, "baseline": res.baseline, "candidate": res.candidate,
            "exit_code": res.exit_code, "problems": res.problems, "notes": res.notes,
            "options": {"max_drop": res.options.max_drop, "alpha": res.options.alpha,
                        "resamples": res.options.n_boot, "split": res.options.split},
            "tests": [{**{k: getattr(t, k) for k in ("label", "task", "lang", "scorer", "unit", "n", "n_clusters",
                                                   "baseline", "candidate", "diff", "test", "p", "p_holm",
                                                   "p_up", "p_up_holm",
                                                   "regression", "verdict")}, "ci": list(t.ci)} for t in res.tests]}
