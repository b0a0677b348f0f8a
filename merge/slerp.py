"""SLERP: spherical linear interpolation between two models, tensor by tensor.

Reference: Shoemake, "Animating rotation with quaternion curves", SIGGRAPH 1985
(https://doi.org/10.1145/325165.325242); used for model merging by mergekit
(https://en.wikipedia.org/wiki/Slerp is mergekit's reference link).

Each tensor is flattened to one vector; with theta the angle between the two normalised vectors,

    merged = sin((1 - t) theta) / sin(theta) * x0 + sin(t theta) / sin(theta) * x1

falling back to linear interpolation when the vectors are nearly parallel (|cos theta| > 0.9995).
t = 0 gives the first model (`base`, by default the first listed) and t = 1 the second, exactly.

Example: {method: slerp, models: [typhoon, r1], parameters: {t: [0, 0.5, 0.3, 0.7, 1]}}

Norms and the dot product follow mergekit 0.1.5 exactly (norms of 2^20-element partial norms,
then the dot of the normalised vectors), so float32 results match mergekit's to rounding; this
needs two reading passes over a tensor before the output pass.
"""

from __future__ import annotations

from typing import Any

import torch

from thaibench.merge.generator import register_method
from thaibench.merge.method import Chunk, MergeMethod, ParamSpec

PART = 1 << 20           # mergekit's _CHUNK_ELEMENTS: partial norms over 2^20 elements
DOT_THRESHOLD, EPS = 0.9995, 1e-8


class Slerp(MergeMethod):
    name = "slerp"
    paper = "https://doi.org/10.1145/325165.325242"
    base = "endpoint"
    min_inputs = max_inputs = 2
    params = (ParamSpec("t", float, "shared"),)

    def passes(self, op: Any) -> int:
        return 2

    def start(self, op: Any) -> dict[str, Any]:
        return {"na": [], "nb": [], "dot": []}

    def _pair(self, op: Any, chunk: Chunk) -> tuple[torch.Tensor, torch.Tensor, torch.dtype]:
        a = chunk.inputs[op.base].to(op.in_dtype)
        b = chunk.inputs[1 - op.base].to(op.in_dtype)
        work = torch.float64 if a.dtype == torch.float64 else torch.float32
        return a, b, work

    def accumulate(self, op: Any, state: Any, pass_index: int, chunk: Chunk) -> None:
        a, b, work = self._pair(op, chunk)
        for s in range(0, a.numel(), PART):
            x = a[s:s + PART].to(work).reshape(1, -1)
            y = b[s:s + PART].to(work).reshape(1, -1)
            if pass_index == 0:
                state["na"].append(torch.linalg.vector_norm(x, dim=1, keepdim=True))
                state["nb"].append(torch.linalg.vector_norm(y, dim=1, keepdim=True))
            else:
                x, y = x / state["norm_a"], y / state["norm_b"]
                state["dot"].append((x * y).sum(dim=1, keepdim=True))

    def end_pass(self, op: Any, state: Any, pass_index: int) -> None:
        if pass_index == 0:
            na = torch.linalg.vector_norm(torch.stack(state.pop("na")), dim=0)
            nb = torch.linalg.vector_norm(torch.stack(state.pop("nb")), dim=0)
            state["norm_a"] = torch.where(na > EPS, na, 1)
            state["norm_b"] = torch.where(nb > EPS, nb, 1)
            return
        work = state["norm_a"].dtype
        dot = torch.stack(state.pop("dot")).sum(dim=0).clamp(-1, 1)
        t = torch.tensor([op.shared["t"]], dtype=work, device=dot.device).reshape(-1, 1)
        linear = dot.abs() > DOT_THRESHOLD
        theta = torch.acos(torch.where(linear, 0, dot))
        sin_theta = torch.sin(theta)
        state["coef_a"] = torch.where(linear, 1 - t, torch.sin((1 - t) * theta) / sin_theta)
        state["coef_b"] = torch.where(linear, t, torch.sin(t * theta) / sin_theta)

    def apply(self, op: Any, state: Any, chunk: Chunk) -> torch.Tensor:
        a, b, work = self._pair(op, chunk)
        x, y = a.to(work).reshape(1, -1), b.to(work).reshape(1, -1)
        result = (state["coef_a"] * x + state["coef_b"] * y).reshape(-1)
        return result.to(a.dtype) if op.compat else result


register_method(Slerp())
