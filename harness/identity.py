"""Content identity of checkpoints, computed cheaply and remembered.

A checkpoint's id covers each weight file's content digest, the tokenizer files, the chat
template and generation_config.json (and config.json), so two different merges written to the
same path are never confused and a changed weight invalidates every cache. Hashing 140 GB on
every run is not acceptable, so each large file's full sha256 is computed once and remembered
in `<cache>/digests.json`, keyed by (real path, size, inode, ctime_ns, mtime_ns, sha256 of the
first 64 KiB — the safetensors header lives there). Any change to a file changes its ctime, so
a rewritten file is re-hashed; a file merely read is not.

Example:
    checkpoint_digest(Path("out/merge-m3"))  -> "9f2c...": 64 hex digits
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from thaibench.canonical import short_id
from thaibench.errors import UserError

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".npz")
META_NAMES = (
    "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt", "tokenizer.model",
    "chat_template.jinja", "chat_template.json", "adapter_config.json", "preprocessor_config.json",
)
SMALL = 1 << 20
_LOCK = threading.Lock()


def cache_dir() -> Path:
    base = os.environ.get("THAIBENCH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "thaibench")
    return Path(base)


def _digest_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(16 << 20):
            h.update(chunk)
    return h.hexdigest()


def _quick_key(path: Path) -> str:
    st = path.stat()
    with path.open("rb") as f:
        head = hashlib.sha256(f.read(65536)).hexdigest()[:16]
    return f"{st.st_size}:{st.st_ino}:{st.st_ctime_ns}:{st.st_mtime_ns}:{head}"


def file_digest(path: Path) -> str:
    """Full content sha256 of one file, from the remembered table when the file is unchanged."""
    path = path.resolve()
    if path.stat().st_size <= SMALL:
        return _digest_file(path)
    table_path = cache_dir() / "digests.json"
    key = _quick_key(path)
    with _LOCK:
        table = _read_table(table_path)
        entry = table.get(str(path))
        if entry and entry.get("key") == key:
            return entry["sha256"]
    digest = _digest_file(path)
    with _LOCK:
        table = _read_table(table_path)
        table[str(path)] = {"key": key, "sha256": digest}
        _write_table(table_path, table)
    return digest


def cached_file_digest(path: Path) -> str | None:
    """The remembered full digest of `path` when its quick key still matches; never hashes."""
    path = Path(path).resolve()
    if path.stat().st_size <= SMALL:
        return None
    with _LOCK:
        entry = _read_table(cache_dir() / "digests.json").get(str(path))
    return entry["sha256"] if entry and entry.get("key") == _quick_key(path) else None


def remember_file_digest(path: Path, sha256: str) -> None:
    """Store a digest computed elsewhere (e.g. by a merge that streamed the file's bytes anyway)."""
    path = Path(path).resolve()
    if path.stat().st_size <= SMALL:
        return
    table_path = cache_dir() / "digests.json"
    with _LOCK:
        table = _read_table(table_path)
        table[str(path)] = {"key": _quick_key(path), "sha256": sha256}
        _write_table(table_path, table)


def _read_table(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_table(path: Path, table: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(table, indent=0))
    os.replace(tmp, path)


def checkpoint_files(path: Path) -> list[Path]:
    """The files that define a checkpoint's behaviour (weights, tokenizer, templates, configs)."""
    files = []
    for p in sorted(path.iterdir()):
        if p.is_file() and (p.suffix in WEIGHT_SUFFIXES or p.name in META_NAMES
                            or p.name.endswith(".index.json")):
            files.append(p)
    return files


def checkpoint_digest(path: Path) -> str:
    """sha256 over (name, content digest) of every defining file of a checkpoint directory."""
    path = Path(path)
    if not path.is_dir():
        raise UserError(f"not a model directory: {path}")
    files = checkpoint_files(path)
    if not any(p.suffix in WEIGHT_SUFFIXES for p in files):
        raise UserError(f"no weight files (*.safetensors, *.bin) in model directory {path}")
    parts = [[p.name, file_digest(p)] for p in files]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def checkpoint_id(path: Path) -> str:
    """Short (16 hex) candidate id of a local checkpoint."""
    return short_id({"generator": "checkpoint", "digest": checkpoint_digest(path)})
