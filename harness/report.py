"""Terminal tables from results.json files (used by `score` and `show`).

One row per task: the headline metric in Thai and English and the TH-EN gap, then the language
columns (Lang: answers in the expected language; Think: a reasoning trace exists; CS: mean
code-switch rate), then the share of unclosed traces and of answers cut off at the token limit,
which decide whether a low score means "wrong" or "ran out of budget".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def _metric(results: dict[str, Any], name: str, group: str) -> dict[str, Any] | None:
    for m in results.get("metrics", []):
        if m["name"] == name and m["group"] == group:
            return m
    return None


def fmt(m: dict[str, Any] | None, signed: bool = False) -> str:
    if m is None:
        return "-"
    v = m.get("value")
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return f"n/a (0/{m.get('n', 0) + m.get('n_nan', 0)})"
    scale = 100.0 if m.get("unit", "fraction") == "fraction" else 1.0
    se = m.get("stderr")
    body = f"{v * scale:+.1f}" if signed else f"{v * scale:.1f}"
    if se is not None and not signed:
        body += f" ±{1.96 * se * scale:.1f}"
    return body


def _share(stats: dict[str, Any], key: str) -> str:
    vals = [s.get(key) for s in stats.values() if s.get(key) is not None]
    ns = [s.get("n", 0) - s.get("errors", 0) for s in stats.values() if s.get(key) is not None]
    if not vals or not sum(ns):
        return "-"
    return f"{100 * sum(v * n for v, n in zip(vals, ns, strict=True)) / sum(ns):.0f}%"


def headline_name(results: dict[str, Any]) -> str:
    head = (results.get("task") or {}).get("headline")
    if head:
        return head[0]
    acc = [m["name"] for m in results.get("metrics", []) if m.get("kind") != "lang"]
    return acc[0] if acc else "-"


def results_table(all_results: Sequence[dict[str, Any]], title: str | None = None) -> Any:
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in ("task", "metric", "TH", "EN", "TH-EN", "Lang TH", "Think", "CS rate", "unclosed",
                "cut-off", "n", "errors"):
        table.add_column(col, justify="left" if col in ("task", "metric") else "right")
    for r in all_results:
        name = headline_name(r)
        stats = r.get("generation_stats", {})
        n = sum(s.get("n", 0) for s in stats.values())
        think = _metric(r, "think_present", "th") or _metric(r, "think_present", "en")
        cs = _metric(r, "code_switch_rate", "th") or _metric(r, "code_switch_rate", "en")
        label = r["task"]["name"] + ("" if r.get("complete", True) else " (incomplete)")
        table.add_row(
            label, name, fmt(_metric(r, name, "th")), fmt(_metric(r, name, "en")),
            fmt(_metric(r, name, "th-en"), signed=True), fmt(_metric(r, "answer_lang_ok", "th")),
            fmt(think), fmt(cs), _share(stats, "think_unclosed"), _share(stats, "finish_length"),
            str(n), str(r.get("errors", 0)),
        )
    return table
