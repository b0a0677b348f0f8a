"""Parents' content digests computed from the bytes the merge reads anyway.

A candidate's id needs each parent's checkpoint digest (`thaibench.identity`): the sha256 of
every weight file. Hashing 2 x 70 GB of parents in a second pass would double the merge's disk
reads, so the streaming merge feeds each shard's bytes to a hasher as it reads them: tensors
are processed in the first parent's file order, each file's header is hashed when it is opened
and each tensor's bytes when they are read, in order. A file whose bytes did not all arrive in
order (another layout, a LoRA parent, re-reads) is left to `identity.file_digest`, which
remembers what it hashed. Where `thaibench.identity` offers `cached_file_digest(path)` (the
remembered digest, or None, never hashing) and `remember_file_digest(path, sha256)`, a file
already known is not hashed again and a file hashed here is remembered for the next run.

The combination is `thaibench.identity.checkpoint_digest`'s (sha256 of the JSON list of
[file name, file sha256] over `identity.checkpoint_files`), which tests check against it.

Example:
    hashers = FileHashers(parents)         # before streaming
    hashers.feed(info.file, offset, view)  # from the reader threads
    hashers.parent_id(parent)              # after: the checkpoint candidate id
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import torch

from thaibench.merge.stio import Checkpoint


class _FileHash:
    def __init__(self, path: Path) -> None:
        self.size = path.stat().st_size
        self.h = hashlib.sha256()
        with path.open("rb") as f:             # the header: everything before the first tensor
            head = f.read(8)
            n = int.from_bytes(head, "little")
            self.h.update(head + f.read(n))
        self.pos = 8 + n
        self.lock = threading.Lock()

    def feed(self, offset: int, data: torch.Tensor) -> None:
        with self.lock:
            if offset == self.pos:            # in order: take it; a re-read or a jump is ignored
                self.h.update(memoryview(data.view(torch.uint8).numpy()))
                self.pos += data.numel() * data.element_size()

    def digest(self) -> str | None:
        return self.h.hexdigest() if self.pos == self.size else None


def _identity_hook(name: str) -> Any:
    from thaibench import identity

    return getattr(identity, name, None)


class FileHashers:
    """One in-order sha256 per shard of every plain safetensors parent not already known."""

    def __init__(self, parents: list[Any]) -> None:
        self.files: dict[Path, _FileHash] = {}
        self.known: dict[Path, str] = {}
        cached = _identity_hook("cached_file_digest")
        for p in parents:
            if isinstance(p.source, Checkpoint):
                for info in p.source.tensors.values():
                    if info.file in self.files or info.file in self.known:
                        continue
                    digest = cached(info.file) if cached is not None else None
                    if digest:
                        self.known[info.file] = digest
                    else:
                        self.files[info.file] = _FileHash(info.file)

    def feed(self, file: Path, offset: int, data: torch.Tensor) -> None:
        fh = self.files.get(file)
        if fh is not None:
            fh.feed(offset, data)

    def checkpoint_digest(self, path: Path) -> str:
        """identity.checkpoint_digest(path), using the shards hashed while streaming."""
        from thaibench.identity import checkpoint_files, file_digest

        remember = _identity_hook("remember_file_digest")
        parts = []
        for f in checkpoint_files(Path(path)):
            fh = self.files.get(f)
            d = self.known.get(f) or (fh.digest() if fh is not None else None)
            if d and fh is not None and remember is not None:
                remember(f, d)
            parts.append([f.name, d or file_digest(f)])
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def parent_id(self, parent: Any) -> str:
        from thaibench.candidates import CandidateSpec, parent_spec

        if not isinstance(parent.source, Checkpoint):
            return parent_spec(parent.ref).id
        return CandidateSpec("checkpoint", (), {"digest": self.checkpoint_digest(parent.path)}).id


def file_order(parent: Any) -> dict[str, tuple[str, int]]:
    """tensor name -> (file, offset) in the first parent: the order that reads every shard once."""
    if not isinstance(parent.source, Checkpoint):
        return {}
    return {n: (str(t.file), t.offset) for n, t in parent.source.tensors.items()}
