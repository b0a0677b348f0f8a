"""The data card: what went into an SFT data file and what every step removed.

Why: an SFT candidate's lineage names its data by the card's digest, and a reader of the board
must be able to see, per source, how many rows were read, skipped (and why), removed by each
filter and by deduplication, and how many were kept, with the languages of question, answer
and trace. The card holds no time stamps, so one config on one input gives one digest.

Example (abridged):
    {"rows": 1200, "data_sha256": "9c1...", "sources": [{"name": "stratos", "read": 1000,
      "skipped": {"unclosed_trace": 3}, "filters": {"trace_lang": 12}, "duplicates":
      {"exact": 4}, "selected": 981, "languages": {"question": {"en": 981}, ...}}], ...}
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thaibench.canonical import short_id

SCHEMA_VERSION = 1
CARD_FILE = "card.json"
DATA_FILE = "data.jsonl"


@dataclass
class SourceTally:
    """Counts for one source, filled as the build goes."""

    name: str
    origin: str
    origin_sha256: str | None = None
    read: int = 0
    skipped: Counter = field(default_factory=Counter)
    translated: int = 0
    translation_failed: int = 0
    filters: Counter = field(default_factory=Counter)
    duplicates: Counter = field(default_factory=Counter)
    available: int = 0
    wanted: int | None = None
    selected: int = 0
    languages: dict[str, Counter] = field(default_factory=lambda: {k: Counter() for k in ("question", "answer",
                                                                                           "trace")})

    def to_dict(self) -> dict[str, Any]:
        d = {"name": self.name, "origin": self.origin, "origin_sha256": self.origin_sha256, "read": self.read,
             "skipped": dict(sorted(self.skipped.items())), "filters": dict(sorted(self.filters.items())),
             "duplicates": dict(sorted(self.duplicates.items())), "available": self.available,
             "wanted": self.wanted, "selected": self.selected,
             "short_by": max(0, (self.wanted or 0) - self.selected),
             "languages": {k: dict(sorted(v.items())) for k, v in self.languages.items()}}
        if self.translated or self.translation_failed:
            d["translated"] = self.translated
            d["translation_failed"] = self.translation_failed
        return d


def make_card(config: dict[str, Any], config_id: str, tallies: list[SourceTally], rows: int,
              data_sha256: str, rules: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The card; `rules` are each source's effective filter settings (shown beside the counts)."""
    total_langs: dict[str, Counter] = {k: Counter() for k in ("question", "answer", "trace")}
    removed = []
    for t in tallies:
        for part, c in t.languages.items():
            total_langs[part].update(c)
        for reason, n in sorted(t.skipped.items()):
            removed.append({"source": t.name, "step": "parse", "rule": reason, "removed": n})
        if t.translation_failed:
            removed.append({"source": t.name, "step": "translate", "rule": "translation_failed",
                            "removed": t.translation_failed})
        for rule, n in sorted(t.filters.items()):
            value = rules.get(t.name, {}).get(rule)
            removed.append({"source": t.name, "step": "filter", "rule": rule, "value": value, "removed": n})
        for kind, n in sorted(t.duplicates.items()):
            removed.append({"source": t.name, "step": "dedup", "rule": kind, "removed": n})
    card = {"schema_version": SCHEMA_VERSION, "name": config["name"], "config_id": config_id,
            "config": config,
            "rows": rows, "data_file": DATA_FILE, "data_sha256": data_sha256,
            "sources": [t.to_dict() for t in tallies], "removed": removed,
            "languages": {k: dict(sorted(v.items())) for k, v in total_langs.items()}}
    card["digest"] = short_id(card)
    return card


def read_card(directory: Path) -> dict[str, Any] | None:
    p = Path(directory) / CARD_FILE
    if not p.is_file():
        return None
    card = json.loads(p.read_text(encoding="utf-8"))
    return card if card.get("schema_version") == SCHEMA_VERSION else None


def card_markdown(card: dict[str, Any]) -> str:
    lines = [f"# SFT data: {card['name']}", "",
             f"{card['rows']} rows; data sha256 `{card['data_sha256'][:16]}`; card digest `{card['digest']}`;"
             f" config `{card['config_id']}`", "",
             "| source | origin | read | skipped | filtered | duplicates | available | selected | short by |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in card["sources"]:
        lines.append(f"| {s['name']} | {s['origin']} | {s['read']} | {sum(s['skipped'].values())} | "
                     f"{sum(s['filters'].values())} | {sum(s['duplicates'].values())} | {s['available']} | "
                     f"{s['selected']} | {s['short_by']} |")
    lines += ["", "## Removed, step by step", "", "| source | step | rule | removed |", "|---|---|---|---:|"]
    lines += [f"| {r['source']} | {r['step']} | {r['rule']} | {r['removed']} |" for r in card["removed"]]
    lines += ["", "## Languages of the selected rows", "", "| part | counts |", "|---|---|"]
    for part, c in card["languages"].items():
        lines.append(f"| {part} | {', '.join(f'{k}: {v}' for k, v in c.items())} |")
    return "\n".join(lines) + "\n"
