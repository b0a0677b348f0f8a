"""Read a source's raw rows: a local file or directory, or a Hugging Face Hub dataset id.

Why both: the recipe names its data by hub id (`bespokelabs/Bespoke-Stratos-17k`), but these
machines (and many clusters) are offline, so the same config must also run on a local mirror.
A `path` that exists on disk is read locally (.jsonl, .json, .parquet, .csv, or a directory of
them, in name order); anything else is a hub id loaded with `datasets.load_dataset(id, split=,
revision=)`, whose offline failure becomes a one-line error saying how to point at a mirror.

Example:
    rows = read_rows("bespokelabs/Bespoke-Stratos-17k", split="train", limit=100)
    rows = read_rows("./mirror/stratos.jsonl")

Quirks: `limit` stops reading early (a quick build reads only what it needs); a torn last line
of a JSONL file (a killed writer) is an error naming the line, not a silent skip.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from thaibench.errors import UserError

SUFFIXES = (".jsonl", ".json", ".parquet", ".csv")


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise UserError(f"{path}:{n}: not a JSON line ({exc})") from None


def _file(path: Path) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _jsonl(path)
    elif suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), None)
        if not isinstance(data, list):
            raise UserError(f"{path}: expected a JSON list of rows (or an object holding one)")
        yield from data
    elif suffix in (".parquet", ".csv"):
        import datasets

        ds = datasets.load_dataset(suffix[1:], data_files=str(path), split="train")
        yield from ds
    else:
        raise UserError(f"{path}: unsupported data file (use {', '.join(SUFFIXES)})")


def is_local(origin: str) -> bool:
    return Path(origin).expanduser().exists()


def read_rows(origin: str, split: str = "train", limit: int | None = None,
              revision: str | None = None) -> list[dict[str, Any]]:
    p = Path(origin).expanduser()
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES)
        if not files:
            raise UserError(f"{p}: no data files ({', '.join(SUFFIXES)}) in this directory")
        rows: Iterator[dict[str, Any]] = (r for f in files for r in _file(f))
    elif p.exists():
        rows = _file(p)
    else:
        rows = _hub(origin, split, revision)
    return [dict(r) for r in islice(rows, limit)]


def _hub(origin: str, split: str, revision: str | None) -> Iterator[dict[str, Any]]:
    if origin.startswith((".", "/", "~")) or origin.count("/") != 1:
        raise UserError(f"data source {origin!r} is neither a local file nor a hub id (owner/name)")
    import datasets

    try:
        ds = datasets.load_dataset(origin, split=split, revision=revision)
    except Exception as exc:  # the hub raises many types; all mean "cannot load it here"
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise UserError(f"could not load hub dataset {origin!r} ({first}); offline? point the source's "
                        "`path:` at a local mirror file") from None
    return iter(ds)


def origin_digest(origin: str) -> str | None:
    """sha256 of a local source file (None for a hub id or a directory): recorded on the card."""
    p = Path(origin).expanduser()
    if not p.is_file():
        return None
    h = hashlib.sha256()
    with p.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
