"""Finding and reopening run directories (for show, rescore, judge, board and gate).

A run directory is any folder holding run.json; a finished one also holds results.json. These
helpers walk an output folder, load a run's records and rebuild the items a run covered, so
every later stage reads files only, never a model.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from thaibench.errors import UserError
from thaibench.records import GENERATIONS_FILE, RESULTS_FILE, RUN_FILE, read_json, read_jsonl
from thaibench.run import latest_valid


def find_run_dirs(root: Path) -> Iterator[Path]:
    """Every run directory at or below `root` (sorted, so output is stable)."""
    root = Path(root)
    if not root.exists():
        raise UserError(f"no such directory: {root}")
    if (root / RUN_FILE).is_file():
        yield root
        return
    for p in sorted(root.rglob(RUN_FILE)):
        yield p.parent


def load_results(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / RESULTS_FILE
    if not path.exists():
        raise UserError(f"{run_dir} has no results.json (the run did not finish; re-run it to resume)")
    return read_json(path)


def run_items(run_dir: Path, data_dir: str | None = None) -> tuple[Any, list[tuple[Any, int]], dict[str, Any]]:
    """(task, [(sample, epoch)], data info) for the generations a run directory holds."""
    from thaibench.task import get_task

    run = read_json(Path(run_dir) / RUN_FILE)
    task = get_task(run["task"]["name"])
    if task.version != run["task"]["version"]:
        raise UserError(f"{run_dir} was made by {task.name} v{run['task']['version']}; "
                        f"this thaibench has v{task.version}")
    from thaibench.types import Sample

    gens = latest_valid(list(read_jsonl(Path(run_dir) / GENERATIONS_FILE)))
    by_id = {}
    data = {}
    # Lines graded with an inline target (`thaibench grade`) carry their own sample.
    for g in gens.values():
        if isinstance(g.get("sample"), dict):
            d = g["sample"]
            by_id[d["id"]] = Sample(d["id"], d["lang"], d.get("input", ""), d.get("target"), d.get("metadata") or {})
    langs = sorted({g["lang"] for g in gens.values() if g["sample_id"] not in by_id}, key=task.langs.index)
    for lang in langs:
        loaded = task.samples(lang, data_dir)
        data[lang] = {"sha256": loaded.data_sha256()}
        by_id.update({s.id: s for s in loaded.samples})
    for lang in {g["lang"] for g in gens.values()} - set(langs):
        data[lang] = {"sha256": "inline"}
    items = []
    for (sid, epoch) in sorted(gens):
        if sid not in by_id:
            raise UserError(f"{run_dir}: sample {sid!r} is no longer in the task's data")
        items.append((by_id[sid], epoch))
    return task, items, data
