"""The `mini` suite's held-out items, written by the generator into the package's task data.

Three files under `thaibench/tasks/data/` (shipped with the package, read by `tasks/mini.py`):
`mini_multi.jsonl` (2-3 operations: the model must write intermediate results to get them
right), `mini_single.jsonl` (one operation: answerable directly) and `mini_chat.jsonl` (general
instructions, scored for answer language only). One row per pair, both languages in the row.

The rows are a pure function of `HELDOUT_SEED` and the generator; a test regenerates them and
compares with the shipped files, so they cannot drift from the training data's held-out bucket.
Regenerate after changing the generator with:

    python -m thaibench.mini.heldout tasks/data

Example row: {"pair_id": "mini-1f0c...", "family": "word", "steps": 2, "target": "9",
              "prompt_th": "มาลีมีแอปเปิล 7 ผล ...", "prompt_en": "Malee has 7 apples. ...", ...}
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from thaibench.mini.generator import Item, held_out, n_eval_general

HELDOUT_SEED = 4242
N_SINGLE, N_MULTI = 100, 200
FILES = {"multi": "mini_multi.jsonl", "single": "mini_single.jsonl", "chat": "mini_chat.jsonl"}


def _row(it: Item) -> dict[str, Any]:
    return {"pair_id": it.pair_id, "kind": it.kind, "family": it.family, "steps": it.steps, "target": it.target,
            "prompt_th": it.prompt["th"], "prompt_en": it.prompt["en"],
            "answer_th": it.answer["th"], "answer_en": it.answer["en"]}


def heldout_rows() -> dict[str, list[dict[str, Any]]]:
    """{"multi": rows, "single": rows, "chat": rows}: every general item of the eval bucket."""
    items = held_out(HELDOUT_SEED, N_SINGLE, N_MULTI, n_eval_general())
    return {
        "multi": [_row(it) for it in items if it.kind == "math" and it.steps >= 2],
        "single": [_row(it) for it in items if it.kind == "math" and it.steps == 1],
        "chat": [_row(it) for it in items if it.kind == "general"],
    }


def render(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def write(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, rows in heldout_rows().items():
        path = out_dir / FILES[kind]
        path.write_text(render(rows), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for p in write(Path(sys.argv[1] if len(sys.argv) > 1 else "tasks/data")):
        print(p)
