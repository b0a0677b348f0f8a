"""Where a task's rows come from: a local mirror file, else the Hugging Face Hub.

Order: `--data-dir` / `THAIBENCH_DATA_DIR` (a folder laid out like the hub mirrors, one
sub-folder per dataset), then the hub by id through `datasets` (which uses its own cache and
honours HF_DATASETS_OFFLINE). When neither works the error says every place that was tried
and how to fix it. Rows are plain dicts; the task's loader turns them into Samples.

Example:
    DataSource(hub_id="HuggingFaceH4/MATH-500", local="math500/test.jsonl")
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thaibench.errors import DataNotFound, UserError

ENV_DATA_DIR = "THAIBENCH_DATA_DIR"


@dataclass(frozen=True)
class DataSource:
    """A dataset by hub id (with config and split) and its file name in a local mirror."""

    hub_id: str | None = None
    local: str | None = None
    hub_config: str | None = None
    hub_split: str = "test"
    # TSV files without a header (MGSM) name their columns here.
    columns: tuple[str, ...] = ()
    # Data this project wrote and ships inside the package: a path relative to thaibench/tasks.
    bundled: str | None = None

    def describe(self) -> str:
        return self.hub_id or self.local or self.bundled or "?"


def data_dirs(explicit: str | Path | None = None) -> list[Path]:
    dirs = []
    if explicit:
        dirs.append(Path(explicit))
    if os.environ.get(ENV_DATA_DIR):
        dirs.append(Path(os.environ[ENV_DATA_DIR]))
    return dirs


def read_file(path: Path, columns: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Read .jsonl, .json (a list or {"data": [...]}) or header-less .tsv rows."""
    if path.suffix == ".jsonl":
        rows = []
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        rows.append({"__malformed__": f"line {n}: {exc.msg}"})
        return rows
    if path.suffix == ".json":
        obj = json.loads(path.read_text(encoding="utf-8"))
        return obj if isinstance(obj, list) else obj.get("data", [obj])
    if path.suffix == ".tsv":
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            out = []
            for n, rec in enumerate(reader, 1):
                if len(rec) != len(columns):
                    out.append({"__malformed__": f"line {n}: {len(rec)} columns, expected {len(columns)}"})
                else:
                    out.append(dict(zip(columns, rec, strict=True)))
            return out
    raise UserError(f"unsupported data file type: {path}")


def load_rows(source: DataSource, data_dir: str | Path | None = None) -> tuple[list[dict[str, Any]], str]:
    """Return (rows, where) for a source; raise DataNotFound listing every place tried."""
    tried = []
    if source.bundled:
        from importlib.resources import files

        path = Path(str(files("thaibench.tasks").joinpath(source.bundled)))
        if path.is_file():
            return read_file(path, source.columns), f"bundled:{source.bundled}"
        tried.append(str(path))
    if source.local:
        for d in data_dirs(data_dir):
            path = d / source.local
            if path.is_file():
                return read_file(path, source.columns), str(path)
            tried.append(str(path))
    if source.hub_id:
        try:
            import datasets

            ds = datasets.load_dataset(source.hub_id, source.hub_config, split=source.hub_split)
            return [dict(r) for r in ds], f"hub:{source.hub_id}"
        except Exception as exc:  # offline, missing, gated: all mean "not here"
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            tried.append(f"hub {source.hub_id} ({first[:120]})")
    hint = (
        f"put the mirror file at <DIR>/{source.local} and pass --data-dir DIR or set {ENV_DATA_DIR}"
        if source.local
        else "connect to the Hugging Face Hub"
    )
    raise DataNotFound(f"data for {source.describe()} not found; looked in: {'; '.join(tried) or 'nowhere'}; {hint}")
