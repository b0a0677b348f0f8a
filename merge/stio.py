"""Safetensors read and write by byte range, without mmap, so merge memory stays bounded.

Format (https://github.com/huggingface/safetensors, Apache-2.0): 8 bytes little-endian header
length N, N bytes of JSON `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__"}`,
then the data; offsets are relative to byte 8 + N and tensors are row-major, so any flat element
range of a tensor is one contiguous byte range.

Why not `safe_open(...).get_slice`: it maps the whole file, and every page touched stays in the
process's resident set until the mapping closes, so merging a 2 GB embedding counts 2 GB per
parent against RSS. `os.preadv` into a reused buffer reads exactly the range asked for, from
several threads at once, and the kernel's page cache (not counted as RSS) does the caching.
Writing likewise: the header is computed up front from the plan (every output shape and dtype is
known before any data is merged), then data is written by offset as chunks finish.

Example:
    ckpt = Checkpoint.open(Path("models/typhoon"))        # validates shards, reads headers only
    ckpt.read("model.norm.weight", 0, 8192, buf)          # flat elements [0, 8192) into buf

Known quirks: `.bin` (pickle) checkpoints are refused (convert them to safetensors first);
a header larger than 100 MB is treated as corrupt (safetensors' own limit).
"""

from __future__ import annotations

import json
import math
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from thaibench.errors import UserError

DTYPES: dict[str, torch.dtype] = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
    "F8_E4M3": torch.float8_e4m3fn, "F8_E5M2": torch.float8_e5m2,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
MAX_HEADER = 100_000_000


def dtype_from_name(name: str) -> torch.dtype:
    """'bfloat16' / 'bf16' / 'BF16' / 'float32' ... -> torch dtype."""
    key = name.strip().lower()
    table = {"float32": torch.float32, "fp32": torch.float32, "f32": torch.float32,
             "bfloat16": torch.bfloat16, "bf16": torch.bfloat16, "float16": torch.float16,
             "fp16": torch.float16, "f16": torch.float16, "half": torch.float16,
             "float64": torch.float64, "fp64": torch.float64, "f64": torch.float64}
    if key not in table:
        raise UserError(f"unknown dtype {name!r}; use float32, bfloat16, float16 or float64")
    return table[key]


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dtype: torch.dtype
    shape: tuple[int, ...]
    file: Path
    offset: int             # absolute byte offset of the data in `file`

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.numel * self.dtype.itemsize


def read_header(path: Path) -> tuple[dict[str, Any], int]:
    """(header JSON, data start) of one safetensors file; UserError when missing or corrupt."""
    if not path.is_file():
        raise UserError(f"shard missing: {path}")
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise UserError(f"shard truncated (no header): {path}")
        (n,) = struct.unpack("<Q", head)
        if n > MAX_HEADER or 8 + n > size:
            raise UserError(f"shard truncated or corrupt (header of {n} bytes, file of {size}): {path}")
        try:
            header = json.loads(f.read(n))
        except ValueError:
            raise UserError(f"shard corrupt (header is not JSON): {path}") from None
    end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
    if 8 + n + end > size:
        raise UserError(f"shard truncated: {path} has {size} bytes, its header needs {8 + n + end}")
    return header, 8 + n


class FlatReader:
    """`read` for any source with `tensors` (name -> TensorInfo) and `read_into`."""

    tensors: dict[str, TensorInfo]

    def read_into(self, name: str, start: int, stop: int, out: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def read(self, name: str, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """Flat elements [start, stop) of a tensor in a fresh tensor (1-D)."""
        info = self.tensors[name]
        stop = info.numel if stop is None else stop
        buf = torch.empty((stop - start) * info.dtype.itemsize, dtype=torch.uint8)
        return self.read_into(name, start, stop, buf)


class Checkpoint(FlatReader):
    """The tensors of one safetensors checkpoint directory (single file or sharded with index)."""

    def __init__(self, path: Path, tensors: dict[str, TensorInfo]) -> None:
        self.path = path
        self.tensors = tensors
        self._fds: dict[Path, int] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> Checkpoint:
        path = Path(path)
        index = path / "model.safetensors.index.json"
        single = path / "model.safetensors"
        if index.is_file():
            try:
                weight_map = json.loads(index.read_text())["weight_map"]
            except (ValueError, KeyError):
                raise UserError(f"corrupt index (no weight_map): {index}") from None
            files = list(dict.fromkeys(weight_map.values()))
        elif single.is_file():
            weight_map, files = None, ["model.safetensors"]
        else:
            if any(path.glob("*.bin")) or any(path.glob("*.pt")):
                raise UserError(f"{path} holds pickle weights (.bin); convert it to safetensors first")
            raise UserError(f"no model.safetensors or model.safetensors.index.json in {path}")
        tensors: dict[str, TensorInfo] = {}
        for fname in files:
            fpath = path / fname
            header, start = read_header(fpath)
            for name, meta in header.items():
                if name == "__metadata__":
                    continue
                if meta["dtype"] not in DTYPES:
                    raise UserError(f"unsupported dtype {meta['dtype']} of {name} in {fpath}")
                b, e = meta["data_offsets"]
                info = TensorInfo(name, DTYPES[meta["dtype"]], tuple(meta["shape"]), fpath, start + b)
                if e - b != info.nbytes:
                    raise UserError(f"corrupt shard {fpath}: {name} has {e - b} bytes for shape {info.shape}")
                tensors[name] = info
        if weight_map is not None:
            missing = [n for n in weight_map if n not in tensors]
            if missing:
                raise UserError(f"index of {path} lists {missing[0]!r} but its shard "
                                f"{weight_map[missing[0]]} does not hold it")
        return cls(path, tensors)

    def _fd(self, file: Path) -> int:
        with self._lock:
            fd = self._fds.get(file)
            if fd is None:
                fd = self._fds[file] = os.open(file, os.O_RDONLY)
            return fd

    def read_into(self, name: str, start: int, stop: int, out: torch.Tensor) -> torch.Tensor:
        """Read flat elements [start, stop) of a tensor into the front of uint8 buffer `out`;
        return the view as the tensor's dtype (1-D)."""
        info = self.tensors[name]
        size = info.dtype.itemsize
        nbytes = (stop - start) * size
        view = out[:nbytes]
        mv = memoryview(view.numpy())
        pos, done = info.offset + start * size, 0
        fd = self._fd(info.file)
        while done < nbytes:
            got = os.preadv(fd, [mv[done:]], pos + done)
            if got <= 0:
                raise UserError(f"shard truncated while reading {name}: {info.file}")
            done += got
        return view.view(info.dtype)

    def close(self) -> None:
        with self._lock:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()


@dataclass(frozen=True)
class OutTensor:
    name: str
    dtype: torch.dtype
    shape: tuple[int, ...]

    @property
    def nbytes(self) -> int:
        n = self.dtype.itemsize
        for s in self.shape:
            n *= s
        return n


class ShardedWriter:
    """Writes a planned set of tensors into safetensors shards by (name, flat offset).

    The layout (which tensor goes in which shard, at which offset) is fixed at construction, so
    chunks can be written in any order from a writer thread; `finish()` fsyncs each shard and
    writes the index when there is more than one shard.
    """

    def __init__(self, out: Path, tensors: list[OutTensor], max_shard_bytes: int = 5 * 10**9,
                 metadata: dict[str, str] | None = None) -> None:
        self.out = out
        groups: list[list[OutTensor]] = [[]]
        size = 0
        for t in tensors:
            if groups[-1] and size + t.nbytes > max_shard_bytes:
                groups.append([])
                size = 0
            groups[-1].append(t)
            size += t.nbytes
        n = len(groups)
        names = (["model.safetensors"] if n == 1 else
                 [f"model-{i + 1:05d}-of-{n:05d}.safetensors" for i in range(n)])
        self.files = [out / nm for nm in names]
        self.where: dict[str, tuple[int, int, torch.dtype]] = {}   # name -> (fd, offset, dtype)
        self.weight_map: dict[str, str] = {}
        self.bytes_written = 0
        self.total_bytes = sum(t.nbytes for t in tensors)
        self._fds: list[int] = []
        for fname, group in zip(self.files, groups, strict=True):
            header: dict[str, Any] = {"__metadata__": {"format": "pt", **(metadata or {})}}
            off = 0
            for t in group:
                header[t.name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape),
                                  "data_offsets": [off, off + t.nbytes]}
                off += t.nbytes
            raw = json.dumps(header, separators=(",", ":")).encode()
            raw += b" " * (-len(raw) % 8)   # data starts 8-byte aligned
            fd = os.open(fname, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            self._fds.append(fd)
            self._pwrite(fd, struct.pack("<Q", len(raw)) + raw, 0)
            start = 8 + len(raw)
            for t in group:
                self.where[t.name] = (fd, start + header[t.name]["data_offsets"][0], t.dtype)
                self.weight_map[t.name] = fname.name
            os.ftruncate(fd, start + off)

    @staticmethod
    def _pwrite(fd: int, data: Any, pos: int) -> None:
        mv = memoryview(data).cast("B")
        done = 0
        while done < len(mv):
            done += os.pwrite(fd, mv[done:], pos + done)

    def write(self, name: str, start: int, values: torch.Tensor) -> None:
        """Write a contiguous 1-D chunk (already in the tensor's dtype) at flat element `start`."""
        fd, off, dtype = self.where[name]
        if values.dtype != dtype:
            raise ValueError(f"{name}: chunk is {values.dtype}, planned {dtype}")
        raw = values.contiguous().view(torch.uint8).numpy()
        self._pwrite(fd, raw, off + start * dtype.itemsize)
        self.bytes_written += raw.nbytes

    def finish(self) -> None:
        for fd in self._fds:
            os.fsync(fd)
            os.close(fd)
        self._fds.clear()
        if len(self.files) > 1:
            index = {"metadata": {"total_size": self.total_bytes}, "weight_map": self.weight_map}
            (self.out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")

    def abort(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds.clear()
