"""The merge-method interface: per-tensor kernels that work on flat chunks in bounded memory.

A method merges one tensor at a time from its parents' copies of that tensor. It sees the tensor
as flat chunks of `CHUNK` elements (the same chunks whether the parents stream from disk or sit in
memory, so a candidate computed in memory is bit-identical to the one written to disk). Methods
that need whole-tensor statistics (SLERP's norms, TIES' top-k threshold, DARE's L1 rescale) ask
for `passes` over the chunks before the one that produces output; memory never holds more than a
few chunks, so a 2 GB embedding merges like a 64 KB norm.

Parameters follow mergekit's scopes (mergekit 0.1.5, LGPL-3.0, read as a reference only):
`shared` (one value per tensor), `input` (one per model), `non_base` (one per model other than the
base). Their values come resolved per tensor (see `thaibench.merge.params`).

Example (what the executor does for one tensor):
    state = method.start(op)
    for p in range(method.passes(op)):
        for chunk in chunks: method.accumulate(op, state, p, chunk)
    for chunk in chunks: out[chunk.start:chunk.stop] = method.apply(op, state, chunk)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import torch

CHUNK = 1 << 20          # elements per chunk: fixed, because DARE masks and reductions follow it
REQUIRED = object()


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: type                    # float or bool
    scope: str                    # "shared" | "input" | "non_base"
    default: Any = REQUIRED

    def check(self, value: Any, where: str) -> Any:
        from thaibench.errors import UserError

        if self.kind is bool:
            if not isinstance(value, bool):
                raise UserError(f"{where}: {self.name} must be true or false, not {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"{where}: {self.name} must be a number, not {value!r}")
        return float(value)


@dataclass
class Chunk:
    """Flat elements [start, stop) of one tensor from each input (stored dtype, 1-D)."""

    index: int
    start: int
    stop: int
    inputs: list[torch.Tensor]


class MergeMethod:
    """Base class; subclasses set the class attributes and implement `apply` (and passes)."""

    name: str = ""
    paper: str = ""
    base: str = "ignored"         # "ignored" | "required" | "endpoint" (slerp: defaults to model 0)
    min_inputs: int = 1
    max_inputs: int | None = None
    params: tuple[ParamSpec, ...] = ()

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    def passes(self, op: Any) -> int:
        return 0

    def elementwise(self, op: Any) -> bool:
        """True when each output element depends only on the same element of the inputs (no
        passes, no per-chunk randomness): then a whole tensor in one call gives the same bits as
        chunk by chunk, which is what the in-memory sweep relies on to skip the chunk loop."""
        return False

    def apply_into(self, op: Any, chunk: Chunk, out: torch.Tensor) -> None:
        """Write `apply`'s result for an elementwise `chunk` into `out` (any float dtype).
        Methods override it to compute straight into `out` when its dtype is the work dtype."""
        out.copy_(self.apply(op, None, chunk))

    def start(self, op: Any) -> Any:
        return None

    def accumulate(self, op: Any, state: Any, pass_index: int, chunk: Chunk) -> None:
        raise NotImplementedError

    def end_pass(self, op: Any, state: Any, pass_index: int) -> None:
        pass

    def apply(self, op: Any, state: Any, chunk: Chunk) -> torch.Tensor:
        raise NotImplementedError


_SCRATCH: dict[tuple[str, torch.dtype, torch.device], torch.Tensor] = {}


def scratch(slot: str, n: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """A reused 1-D work buffer of `n` elements (kernels run on one thread; a kernel's result may
    live in one, valid until that kernel's next call: the executor copies it out at once)."""
    key = (slot, dtype, device)
    buf = _SCRATCH.get(key)
    if buf is None or buf.numel() < n:
        buf = _SCRATCH[key] = torch.empty(max(n, CHUNK), dtype=dtype, device=device)
    return buf[:n]


def as_work(x: torch.Tensor, work: torch.dtype, slot: str) -> torch.Tensor:
    """`x` in the work dtype: itself, or converted into a scratch buffer (a vectorised copy; mixed
    dtype arithmetic takes slow scalar loops on the CPU)."""
    return x if x.dtype == work else scratch(slot, x.numel(), work, x.device).copy_(x)


def chunk_seed(seed: int, name: str, which: int, index: int) -> int:
    """A deterministic RNG seed for (merge seed, tensor, input, chunk)."""
    h = hashlib.sha256(f"{seed}\x00{name}\x00{which}\x00{index}".encode()).digest()
    return int.from_bytes(h[:8], "little") & ((1 << 63) - 1)


def _i64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


_GOLDEN, _M1, _M2 = _i64(0x9E3779B97F4A7C15), _i64(0xBF58476D1CE4E5B9), _i64(0x94D049BB133111EB)


def _lsr(z: torch.Tensor, k: int) -> torch.Tensor:
    """Logical right shift of int64 (torch's >> is arithmetic)."""
    return (z >> k) & ((1 << (64 - k)) - 1)


def keep_mask(n: int, p: float, seed: int, device: torch.device) -> torch.Tensor:
    """Keep-mask with P(keep) = p, the same bits on every device.

    A counter-based generator: splitmix64 (Steele et al., "Fast splittable pseudorandom number
    generators", OOPSLA 2014) of (seed, element index) in int64 tensor arithmetic (wrapping
    multiplication, logical shifts), two 24-bit uniforms per 64-bit output. A GPU merge and a CPU
    merge of the same DARE candidate are therefore bit-identical, and the GPU draws its masks in
    microseconds instead of waiting for a CPU generator.
    """
    threshold = int(round(p * (1 << 24)))
    z = torch.arange((n + 1) // 2, dtype=torch.int64, device=device).mul_(_GOLDEN).add_(_i64(seed))
    z ^= _lsr(z, 30)
    z.mul_(_M1)
    z ^= _lsr(z, 27)
    z.mul_(_M2)
    z ^= _lsr(z, 31)
    hi = _lsr(z, 40) < threshold
    lo = (_lsr(z, 16) & 0xFFFFFF) < threshold
    return torch.stack([hi, lo], dim=1).reshape(-1)[:n]


class TopK:
    """Exact k-largest selection of |x| over a tensor seen in chunks (radix select on float bits).

    Non-negative float32 values order like their int32 bit patterns, so two histogram passes
    (high 16 bits, then low 16 bits inside the chosen bucket) find the k-th largest value T
    exactly; elements above T are kept, and of the elements equal to T the first ones in flat
    order until k are reached (argsort leaves that choice unspecified).
    """

    def __init__(self, k: int, numel: int) -> None:
        self.k = k
        self.single = numel <= CHUNK        # one chunk: select directly, same rule, no histograms
        self.hist: torch.Tensor | None = None   # on the inputs' device, at the first chunk
        self.hi = -1
        self.threshold = -1
        self.quota = self.quota0 = 0   # elements equal to the threshold still to keep

    @staticmethod
    def bits(x: torch.Tensor) -> torch.Tensor:
        return x.abs().float().view(torch.int32)

    def add(self, pass_index: int, x: torch.Tensor) -> None:
        b = self.bits(x)
        if self.single:
            if pass_index == 0:
                self.threshold = int(torch.kthvalue(b, b.numel() - self.k + 1).values)
                self.quota = self.quota0 = self.k - int((b > self.threshold).sum())
            return
        if self.hist is None:
            self.hist = torch.zeros(1 << 16, dtype=torch.int64, device=b.device)
        if pass_index == 0:
            self.hist += torch.bincount(b >> 16, minlength=1 << 16)
        else:
            sel = b[(b >> 16) == self.hi]
            self.hist += torch.bincount(sel & 0xFFFF, minlength=1 << 16)

    def end(self, pass_index: int) -> None:
        if self.single:
            return
        counts = self.hist.flip(0).cumsum(0)        # counts of buckets >= each bucket, high first
        pos = int(torch.searchsorted(counts, torch.tensor([self.k], device=counts.device))[0])
        bucket = (1 << 16) - 1 - pos
        above = int(counts[pos - 1]) if pos > 0 else 0
        if pass_index == 0:
            self.hi = bucket
            self.k -= above       # k is now the rank inside the chosen high bucket
        else:
            self.threshold = (self.hi << 16) | bucket
            self.quota = self.quota0 = self.k - above
        self.hist.zero_()

    def rewind(self) -> None:
        """Start masking again from the first chunk (same tie quota)."""
        self.quota = self.quota0

    def mask(self, x: torch.Tensor) -> torch.Tensor:
        b = self.bits(x)
        keep = b > self.threshold
        eq = b == self.threshold
        if self.quota <= 0:
            return keep
        n_eq = int(eq.sum())
        if n_eq <= self.quota:
            self.quota -= n_eq
            return keep | eq
        first = eq & (eq.cumsum(0) <= self.quota)
        self.quota = 0
        return keep | first
