"""The run directory's files: the product's contract. Plain data, schema-versioned, no behaviour.

    <out>/runs/<candidate_id>/<task>@v<version>/<run_id>/
        run.json           what was run; written first
        generations.jsonl  one line per (sample_id, epoch); append-only, flushed per line
        scores.jsonl       one line per (sample_id, epoch, scorer, scorer_version)
        results.json       aggregates; written last and atomically: its presence means complete

JSON has no NaN: an unscorable value is written as null and read back as NaN. Text is UTF-8
with non-ASCII kept (Thai stays readable). Times are ISO-8601 UTC. Every line carries its own
ids; nothing is parsed out of file names. See README "Results files" for the field list.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

RUN_FILE = "run.json"
GENERATIONS_FILE = "generations.jsonl"
SCORES_FILE = "scores.jsonl"
RESULTS_FILE = "results.json"
JUDGEMENTS_FILE = "judgements.jsonl"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _clean(obj: Any) -> Any:
    """NaN/inf -> None, recursively, so files are strict JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def dumps(obj: Any, indent: int | None = None) -> str:
    return json.dumps(_clean(obj), ensure_ascii=False, indent=indent, allow_nan=False, default=str)


def nan_if_none(x: Any) -> float:
    return float("nan") if x is None else float(x)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write via a temp file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dumps(obj, indent=2) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


class JsonlAppender:
    """Append-only JSON lines, flushed (and fsynced) per line so a SIGKILL loses at most the
    line being written; a torn last line is ignored by `read_jsonl`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._repair(path)
        self._f = path.open("a", encoding="utf-8")

    @staticmethod
    def _repair(path: Path) -> None:
        # A kill mid-line leaves a torn tail without "\n": cut it so the next line starts clean.
        if path.exists() and path.stat().st_size:
            with path.open("rb+") as f:
                data = f.read()
                if not data.endswith(b"\n"):
                    f.truncate(data.rfind(b"\n") + 1)

    def write(self, obj: dict[str, Any]) -> None:
        self._f.write(dumps(obj) + "\n")
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the complete lines of a JSON-lines file; a torn final line is skipped."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue


def generation_line(run_id: str, sample: Any, epoch: int, seed: int, prompt: Any, gen: Any,
                    split: str) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "sample_id": sample.id,
        "epoch": epoch,
        "lang": sample.lang,
        "pair_id": sample.pair_id,
        "split": split,
        "seed": seed,
        "prompt": prompt,
        **gen.to_dict(),
        "time": now_iso(),
    }


def score_line(run_id: str, gline: dict[str, Any], scorer: Any, score: Any) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "sample_id": gline["sample_id"],
        "epoch": gline["epoch"],
        "lang": gline["lang"],
        "pair_id": gline["pair_id"],
        "split": gline.get("split"),
        "scorer": scorer.name,
        "scorer_version": scorer.version,
        "kind": scorer.kind,
        "value": score.value,
        "answer": score.answer,
        "explanation": score.explanation,
        "details": score.details,
    }
