"""Example samples for a candidate's page: prompt, reasoning, answer, switched spans marked.

For each of a candidate's runs a few samples are picked, in this order: the sample with the
highest code-switch rate that has spans (the `code_switch_rate` scorer keeps them in
`details.spans` as [{"start", "end", ...}] character offsets into `details.field`, "answer" by
default), then one the headline scorer marks wrong and one it marks right, Thai first, from the
board's split when it has any. Texts are cut to a few thousand characters so that a page stays
small, and the spans are turned into segments `[[text, marked], ...]` here, in Python, so that
the page never does offset arithmetic (JavaScript counts UTF-16 units, Python code points).

Example segment list: [["คำตอบคือ ", false], ["the answer is", true], [" 42", false]].
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from thaibench.leaderboards.runs import RunData
from thaibench.records import GENERATIONS_FILE, SCORES_FILE

SPAN_SCORER = "code_switch_rate"  # ranks the samples (its value is the answer's switch rate)
# Scorers whose details carry spans, each over the Generation field named in details["field"].
SPAN_SOURCES = ("answer_lang_ok", "reasoning_lang")
MAX_CHARS = 4000


def segments(text: str, spans: list[dict[str, Any]] | None) -> list[list[Any]]:
    """Split `text` into [text, marked] pieces; bad or overlapping spans are clipped, not trusted."""
    marks = sorted((int(s.get("start", 0)), int(s.get("end", 0))) for s in spans or []
                   if isinstance(s, dict) and isinstance(s.get("start"), int) and isinstance(s.get("end"), int))
    out: list[list[Any]] = []
    pos = 0
    for start, end in marks:
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        if start > pos:
            out.append([text[pos:start], False])
        out.append([text[start:end], True])
        pos = end
    if pos < len(text):
        out.append([text[pos:], False])
    return out


def _cut(text: str | None) -> tuple[str, int]:
    text = text or ""
    return (text, 0) if len(text) <= MAX_CHARS else (text[:MAX_CHARS], len(text) - MAX_CHARS)


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, list):
        return "\n\n".join(f"[{m.get('role', '?')}] {m.get('content', '')}" for m in prompt if isinstance(m, dict))
    return str(prompt or "")


def pick(run: RunData, split: str, per_run: int = 3) -> list[tuple[str, int]]:
    """(sample_id, epoch) keys of the examples to show for one run."""
    head = run.headline[0] if run.headline else None
    rows = run.scores.get(head or "", {})
    in_split = [k for k, r in rows.items() if split == "all" or r.split == split] or list(rows)
    order = sorted(in_split, key=lambda k: (rows[k].lang != "th", k))
    chosen: list[tuple[str, int]] = []
    cs = run.scores.get(SPAN_SCORER, {})
    switched = [k for k in cs if cs[k].value == cs[k].value and cs[k].value > 0]
    if switched:
        chosen.append(max(switched, key=lambda k: (cs[k].value, k)))
    for want in (0.0, 1.0):
        k = next((k for k in order if rows[k].value == want and k not in chosen), None)
        if k is not None:
            chosen.append(k)
    for k in order:
        if len(chosen) >= per_run:
            break
        if k not in chosen:
            chosen.append(k)
    return chosen[:per_run]


def _lines_about(path: Path, sample_ids: set[str]) -> Iterator[dict[str, Any]]:
    """The complete JSON lines of `path` that mention one of `sample_ids`. A line is parsed only
    when the JSON-encoded id occurs in it (quotes inside strings are escaped, so the filter never
    misses a line; the parsed line is checked exactly by the caller). Saves decoding long traces."""
    tokens = [json.dumps(s, ensure_ascii=False) for s in sample_ids]
    tokens += [json.dumps(s) for s in sample_ids]
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break
            if any(t in line for t in tokens):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue


def examples_for(run: RunData, split: str, per_run: int = 3) -> list[dict[str, Any]]:
    keys = pick(run, split, per_run)
    if not keys:
        return []
    want = set(keys)
    ids = {sid for sid, _ in keys}
    gens: dict[tuple[str, int], dict[str, Any]] = {}
    for g in _lines_about(Path(run.dir) / GENERATIONS_FILE, ids):
        k = (g["sample_id"], int(g["epoch"]))
        if k in want and (k not in gens or not g.get("error")):
            gens[k] = g
    spans: dict[tuple[str, int], dict[str, Any]] = {}
    marks: dict[tuple[tuple[str, int], str], list[dict[str, Any]]] = {}
    for s in _lines_about(Path(run.dir) / SCORES_FILE, ids):
        k = (s["sample_id"], int(s["epoch"]))
        if k not in want:
            continue
        det = s.get("details") or {}
        if s.get("scorer") == SPAN_SCORER or (s.get("scorer") == "answer_lang_ok" and k not in spans):
            spans[k] = det
        if s.get("scorer") in SPAN_SOURCES and det.get("spans"):
            marks[(k, det.get("field", "answer"))] = det["spans"]
    head = run.headline[0] if run.headline else None
    out = []
    for k in keys:
        g = gens.get(k)
        if g is None:
            continue
        det = spans.get(k, {})
        field = det.get("field", "answer") if det.get("field") in ("answer", "reasoning", "text") else "answer"
        texts = {}
        for name in ("reasoning", "answer"):
            text, more = _cut(g.get(name))
            marked = marks.get((k, name)) or (det.get("spans") if name == field else None)
            texts[name] = {"segments": segments(text, marked), "more": more}
        hv = run.scores.get(head or "", {}).get(k)
        prompt, more = _cut(_prompt_text(g.get("prompt")))
        out.append({"task": run.task, "sample_id": k[0], "epoch": k[1], "lang": g.get("lang"),
                    "prompt": prompt, "prompt_more": more, **texts,
                    "headline": {"scorer": head, "value": None if hv is None or math.isnan(hv.value) else hv.value},
                    "switch_rate": det.get("rate"),
                    "n_spans": sum(len(marks.get((k, f)) or []) for f in ("answer", "reasoning")) or len(det.get("spans") or []),
                    "finish_reason": g.get("finish_reason"), "think_closed": g.get("think_closed"),
                    "error": g.get("error")})
    return out
