"""Linear merge: a weighted average of the models' tensors.

Paper: Wortsman et al., "Model soups: averaging weights of multiple fine-tuned models improves
accuracy without increasing inference time", ICML 2022, https://arxiv.org/abs/2203.05482.

    merged = sum_i w_i * x_i / sum_i w_i        (normalize: true, the default)
    merged = sum_i w_i * x_i                    (normalize: false)

Example (the paper's M3 schedule, reasoning model second):
    {method: linear, models: [typhoon, r1], ratio: m3}

The arithmetic is mergekit 0.1.5's, operation for operation (accumulate in float32, or float64 for
float64 inputs, then divide), so float32 results equal mergekit's bit for bit; in
mergekit-compatible mode the result is also rounded to the input dtype before `out_dtype`, as
mergekit does. A base model is not used (mergekit ignores it for this method too).
"""

from __future__ import annotations

from typing import Any

import torch

from thaibench.merge.generator import register_method
from thaibench.merge.method import Chunk, MergeMethod, ParamSpec, as_work, scratch


class Linear(MergeMethod):
    name = "linear"
    paper = "https://arxiv.org/abs/2203.05482"
    base = "ignored"
    params = (ParamSpec("weight", float, "input"), ParamSpec("normalize", bool, "shared", True))

    def elementwise(self, op: Any) -> bool:
        return True

    def apply(self, op: Any, state: Any, chunk: Chunk) -> torch.Tensor:
        return self._combine(op, chunk, None)

    def apply_into(self, op: Any, chunk: Chunk, out: torch.Tensor) -> None:
        work = torch.float64 if op.in_dtype == torch.float64 else torch.float32
        if op.compat or out.dtype != work:
            out.copy_(self._combine(op, chunk, None))
        else:
            self._combine(op, chunk, out)      # straight into the model's tensor: no scratch, no copy

    def _combine(self, op: Any, chunk: Chunk, out: torch.Tensor | None) -> torch.Tensor:
        xs = [x.to(op.in_dtype) for x in chunk.inputs]     # no-op unless mergekit's `dtype` casts
        n, dev = xs[0].numel(), xs[0].device
        work = torch.float64 if xs[0].dtype == torch.float64 else torch.float32
        # mergekit: zeros(work).addcmul_(x_i, c_i) for each input, then div_(sum c). 0 + x0*c0 is
        # x0*c0 exactly, and converting to the work dtype first is exact, so this is the same
        # arithmetic with every operation in one dtype (vectorised). Writing into `out` runs the
        # same kernels on the same values, so the bits do not depend on where the result lands.
        coefs, total, divide = _coefficients(tuple(p["weight"] for p in op.per_input), work, dev)
        if out is None:
            result = scratch("linear.out", n, work, dev).copy_(xs[0])
            result.mul_(coefs[0:1])
        else:
            result = torch.mul(as_work(xs[0], work, "linear.in0"), coefs[0:1], out=out)
        for x, c in zip(xs[1:], coefs[1:].split(1), strict=True):
            result.addcmul_(as_work(x, work, "linear.in"), c)
        if op.shared["normalize"] and divide:
            result.div_(total)
        return result.to(xs[0].dtype) if op.compat else result


_COEFS: dict[tuple, tuple[torch.Tensor, torch.Tensor, bool]] = {}


def _coefficients(weights: tuple[float, ...], work: torch.dtype, dev: torch.device) -> tuple:
    """(weights, their sum, whether dividing by it changes anything) as tensors on `dev`.

    Made on the CPU (the same sum on every device; testing it against 1 needs no device sync)
    and kept per (weights, dtype, device): a sweep reuses a handful of weight sets, so a GPU merge
    does not stop for a host-to-device copy at every tensor."""
    key = (weights, work, str(dev))
    hit = _COEFS.get(key)
    if hit is None:
        host = torch.tensor(weights, dtype=work)
        total = host.sum()
        hit = _COEFS[key] = (host.to(dev), total.to(dev), float(total) != 1.0)
        if len(_COEFS) > 4096:       # a bound, for processes that merge endlessly many weight sets
            _COEFS.pop(next(iter(_COEFS)))
    return hit


register_method(Linear())
