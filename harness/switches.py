"""Print the samples with the most code-switching, with the switched spans highlighted.

Reads scores.jsonl: `answer_lang_ok` and `reasoning_lang` keep their analyses in `details`
(`spans` as [{"start", "end", "lang", "script", "text"}] character offsets into the Generation
field named by `details["field"]`, and `rate`); generations.jsonl gives the text. Works on any
finished run without a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from thaibench.records import GENERATIONS_FILE, SCORES_FILE, read_jsonl
from thaibench.run import latest_valid

SPAN_SCORERS = ("answer_lang_ok", "reasoning_lang")


def worst(run_dir: Path, n: int) -> list[tuple[float, dict[str, Any], dict[str, Any]]]:
    """(switch rate, score line, generation line) of the n most-switched analysed texts."""
    gens = latest_valid(list(read_jsonl(run_dir / GENERATIONS_FILE)))
    ranked = []
    for s in read_jsonl(run_dir / SCORES_FILE):
        det = s.get("details") or {}
        key = (s["sample_id"], s["epoch"])
        if s["scorer"] in SPAN_SCORERS and det.get("spans") and key in gens:
            ranked.append((float(det.get("rate") or 0.0), s, gens[key]))
    ranked.sort(key=lambda t: (-t[0], t[1]["sample_id"], t[1]["scorer"]))
    return ranked[:n]


def print_switches(console: Any, run_dir: Path, n: int, context: int | None = 200) -> None:
    from thaibench.lang.render import highlight
    from thaibench.lang.spans import Span

    rows = worst(Path(run_dir), n)
    if not rows:
        console.print(f"{run_dir}: no code-switch spans recorded")
        return
    for rate, s, g in rows:
        field = s["details"].get("field", "answer")
        text = g.get(field) or ""
        spans = [Span(int(d["start"]), int(d["end"]), d.get("lang", "?"), d.get("script", "?"), d.get("text", ""))
                 for d in s["details"]["spans"] if 0 <= int(d["start"]) < int(d["end"]) <= len(text)]
        console.rule(f"{s['sample_id']} epoch {s['epoch']}  {field}  switch rate {rate:.3f}  "
                     f"({len(spans)} spans: {', '.join(sorted({sp.lang for sp in spans}))})")
        console.print(highlight(text, spans, context))
