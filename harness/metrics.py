"""Metrics: score rows of one scorer in one language group -> MetricValue.

A metric is a registered function `(rows) -> list[MetricValue-like tuples]`; tasks name the
metrics each scorer gets (default `mean`). Rows are the scores.jsonl dicts. With k samples per
prompt (epochs) a sample's value is the mean over its epochs first. The standard error is
clustered on `pair_id` (items that share a pair are not independent draws), which for one
language with one sample per pair reduces to the usual sample standard error. NaN values
(unscorable) are excluded and counted in `n_nan`; a group with no scored samples is NaN with n=0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from thaibench.registry import Registry
from thaibench.types import MetricValue

MetricFn = Callable[[Sequence[dict[str, Any]], str, str], list[MetricValue]]
METRICS: Registry[MetricFn] = Registry("metric", ("thaibench.scorers",))


def metric(name: str) -> Callable[[MetricFn], MetricFn]:
    def wrap(fn: MetricFn) -> MetricFn:
        return METRICS.register(name, fn)

    return wrap


def _value(row: dict[str, Any]) -> float:
    v = row.get("value")
    return float("nan") if v is None else float(v)


def per_sample(rows: Iterable[dict[str, Any]], value: Callable[[dict[str, Any]], float] = _value
               ) -> tuple[dict[str, float], dict[str, str], int]:
    """Average epochs per sample. Returns ({sample_id: value}, {sample_id: pair_id}, n_nan)."""
    acc: dict[str, list[float]] = defaultdict(list)
    pairs: dict[str, str] = {}
    nan_samples: set[str] = set()
    for r in rows:
        v = value(r)
        pairs[r["sample_id"]] = str(r.get("pair_id", r["sample_id"]))
        if math.isnan(v):
            nan_samples.add(r["sample_id"])
        else:
            acc[r["sample_id"]].append(v)
    values = {sid: sum(vs) / len(vs) for sid, vs in acc.items()}
    return values, pairs, len(nan_samples - set(values))


def clustered_mean(values: dict[str, float], pairs: dict[str, str]) -> tuple[float, float | None, int]:
    """Mean and cluster-robust standard error (clusters = pair_id)."""
    n = len(values)
    if n == 0:
        return float("nan"), None, 0
    mean = sum(values.values()) / n
    clusters: dict[str, float] = defaultdict(float)
    for sid, v in values.items():
        clusters[pairs.get(sid, sid)] += v - mean
    g = len(clusters)
    if g < 2:
        return mean, None, n
    var = (g / (g - 1)) * sum(c * c for c in clusters.values()) / (n * n)
    return mean, math.sqrt(var), n


@metric("mean")
def mean_metric(rows: Sequence[dict[str, Any]], scorer: str, group: str, unit: str = "fraction"
                ) -> list[MetricValue]:
    values, pairs, n_nan = per_sample(rows)
    m, se, n = clustered_mean(values, pairs)
    return [MetricValue(scorer, group, m, se, n, unit, n_nan)]


def gap(th: MetricValue, en: MetricValue) -> MetricValue:
    """TH - EN difference; stderr assumes independence (conservative for paired items)."""
    se = None
    if th.stderr is not None and en.stderr is not None:
        se = math.sqrt(th.stderr**2 + en.stderr**2)
    return MetricValue(th.name, "th-en", th.value - en.value, se, min(th.n, en.n), th.unit)


def generation_stats(gen_rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per language: counts, errors, share of unclosed traces and of answers cut off at the
    token limit, mean completion tokens. Shown beside every score."""
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for g in gen_rows:
        by[g["lang"]].append(g)
    out = {}
    for lang, gs in sorted(by.items()):
        ok = [g for g in gs if not g.get("error")]
        n = len(ok)
        toks = [g["completion_tokens"] for g in ok if g.get("completion_tokens") is not None]
        out[lang] = {
            "n": len(gs),
            "errors": len(gs) - n,
            "think_present": (sum(g.get("think_closed") is not None for g in ok) / n) if n else None,
            "think_unclosed": (sum(g.get("think_closed") is False for g in ok) / n) if n else None,
            "finish_length": (sum(g.get("finish_reason") == "length" for g in ok) / n) if n else None,
            "mean_completion_tokens": (sum(toks) / len(toks)) if toks else None,
        }
    return out
