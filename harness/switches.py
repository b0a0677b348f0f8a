"""Print the samples with the most code-switching, with the switched spans highlighted.

Reads scores.jsonl (the `code_switch_rate` scorer keeps the spans in `details["spans"]` as
[{"start", "end", "lang"|"script", ...}] character offsets into the scored text) and
generations.jsonl for the text, so it works on any finished run without a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from thaibench.records import GENERATIONS_FILE, SCORES_FILE, read_jsonl
from thaibench.run import latest_valid

SPAN_SCORERS = ("code_switch_rate", "answer_lang_ok")


def highlighted(text: str, spans: list[dict[str, Any]]) -> Any:
    from rich.text import Text

    out = Text(text)
    for s in spans:
        start, end = int(s.get("start", 0)), int(s.get("end", 0))
        if 0 <= start < end <= len(text):
            out.stylize("bold black on yellow", start, end)
    return out


def worst(run_dir: Path, n: int) -> list[tuple[float, dict[str, Any], dict[str, Any]]]:
    gens = latest_valid(list(read_jsonl(run_dir / GENERATIONS_FILE)))
    best: dict[tuple[str, int], dict[str, Any]] = {}
    for s in read_jsonl(run_dir / SCORES_FILE):
        if s["scorer"] in SPAN_SCORERS and (s.get("details") or {}).get("spans"):
            key = (s["sample_id"], s["epoch"])
            if key not in best or s["scorer"] == SPAN_SCORERS[0]:
                best[key] = s
    ranked = []
    for key, s in best.items():
        rate = (s.get("details") or {}).get("rate", s.get("value") or 0.0)
        if key in gens:
            ranked.append((float(rate or 0.0), s, gens[key]))
    ranked.sort(key=lambda t: (-t[0], t[1]["sample_id"]))
    return ranked[:n]


def print_switches(console: Any, run_dir: Path, n: int) -> None:
    rows = worst(Path(run_dir), n)
    if not rows:
        console.print(f"{run_dir}: no code-switch spans recorded")
        return
    for rate, s, g in rows:
        field = (s.get("details") or {}).get("field", "answer")
        text = g.get(field) or ""
        console.rule(f"{s['sample_id']} epoch {s['epoch']}  rate {rate:.3f}  ({field})")
        console.print(highlighted(text, s["details"]["spans"]))
