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

    def apply(self, op: Any, state: Any, chunk: Chunk) -> torch.Tensor:
        xs = [x.to(op.in_dtype) for x in chunk.inputs]     # no-op unless mergekit's `dtype` casts
        n, dev = xs[0].numel(), xs[0].device
        work = torch.float64 if xs[0].dtype == torch.float64 else torch.float32
        # mergekit: zeros(work).addcmul_(x_i, c_i) for each input, then div_(sum c). 0 + x0*c0 is
        # x0*c0 exactly, and converting to the work dtype first is exact, so this is the same
        # arithmetic with every operation in one dtype (vectorised).
        coefs = torch.tensor([p["weight"] for p in op.per_input], dtype=work, device=dev)
        result = scratch("linear.out", n, work, dev).copy_(xs[0])
        result.mul_(coefs[0:1])
        for x, c in zip(xs[1:], coefs[1:].split(1), strict=True):
            result.addcmul_(as_work(x, work, "linear.in"), c)
        if op.shared["normalize"]:
            total = coefs.sum()
            if float(total) != 1.0:     # dividing by exactly 1 changes nothing: skip the pass
                result.div_(total)
        return result.to(xs[0].dtype) if op.compat else result


register_method(Linear())
