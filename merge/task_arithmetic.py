"""Task arithmetic, and the task-vector family it anchors (TIES, DARE): deltas from a base.

Paper: Ilharco et al., "Editing Models with Task Arithmetic", ICLR 2023,
https://arxiv.org/abs/2212.04089.

Every non-base model i contributes its task vector d_i = x_i - base, optionally sparsified
(TIES: keep the `density` fraction of largest |d_i|; DARE: keep each entry with probability
`density`), optionally rescaled to the L1 norm it had (`rescale`), weighted, optionally filtered by
sign consensus (TIES' elect step: entries whose sign agrees with the sign of the weighted sum),
summed, optionally divided by the weights that contributed (`normalize`), scaled by `lambda` and
added to the base:

    merged = base + lambda * sum_i w_i m_i s_i(d_i) / (normalize ? sum_i w_i m_i : 1)

This is mergekit 0.1.5's generalized task arithmetic (LGPL, read as a reference), with the same
parameters and defaults per method, so a mergekit config means the same here. Differences, on
purpose: sparsification works on chunks in bounded memory (TIES' top-k is an exact radix
select over two reading passes; of entries tied at the threshold the first in flat order are
kept), DARE masks come from a seeded per-chunk generator (`seed`), and outside
mergekit-compatible mode the arithmetic is float32 even for bfloat16 parents (mergekit computes
task vectors in the parents' dtype).

Example: {method: task_arithmetic, models: [thai, r1], base: llama-base,
          parameters: {weight: 1.0}}
"""

from __future__ import annotations

from typing import Any

import torch

from thaibench.merge.generator import register_method
from thaibench.merge.method import Chunk, MergeMethod, ParamSpec, TopK, chunk_seed, keep_mask

L1_EPS = 1e-7


class TaskArithmetic(MergeMethod):
    """Generalized task arithmetic; subclasses pick sparsification, consensus and defaults."""

    name = "task_arithmetic"
    paper = "https://arxiv.org/abs/2212.04089"
    base = "required"
    min_inputs = 2
    sparsify: str | None = None           # None | "magnitude" | "random"
    consensus: bool = False
    default_normalize = False
    default_rescale = False

    def __init__(self) -> None:
        self.params = (
            ParamSpec("weight", float, "non_base"),
            ParamSpec("density", float, "non_base", 1.0),
            ParamSpec("normalize", bool, "shared", self.default_normalize),
            ParamSpec("rescale", bool, "shared", self.default_rescale),
            ParamSpec("lambda", float, "shared", 1.0),
            ParamSpec("int8_mask", bool, "shared", False),   # memory saving in mergekit; no effect here
        )

    # which inputs are sparsified (density < 1) and how many passes that needs
    def _sparse(self, op: Any) -> list[int]:
        if self.sparsify is None:
            return []
        return [k for k in range(len(op.inputs)) if k != op.base and op.per_input[k]["density"] < 1]

    def elementwise(self, op: Any) -> bool:
        return not self._sparse(op)      # no masks, no statistics: each element on its own

    def passes(self, op: Any) -> int:
        sparse = self._sparse(op)
        if not sparse:
            return 0
        return (2 if self.sparsify == "magnitude" else 0) + (1 if op.shared["rescale"] else 0)

    def start(self, op: Any) -> dict[str, Any]:
        state: dict[str, Any] = {"l1": {k: [0.0, 0.0] for k in self._sparse(op)}, "scale": {}}
        if self.sparsify == "magnitude":
            n = op.merged
            state["topk"] = {k: TopK(max(1, int(op.per_input[k]["density"] * n)), n)
                             for k in self._sparse(op) if op.per_input[k]["density"] > 0}
        return state

    def _delta(self, op: Any, chunk: Chunk, k: int) -> torch.Tensor:
        return chunk.inputs[k].to(op.in_dtype) - chunk.inputs[op.base].to(op.in_dtype)

    def _mask(self, op: Any, state: Any, chunk: Chunk, k: int, delta: torch.Tensor) -> torch.Tensor:
        density = op.per_input[k]["density"]
        if density <= 0:
            return torch.zeros_like(delta, dtype=torch.bool)
        if self.sparsify == "magnitude":
            return state["topk"][k].mask(delta)
        p = density
        if op.compat and delta.dtype == torch.bfloat16:
            p = float(torch.tensor(density, dtype=torch.bfloat16))   # mergekit draws in bf16 on CPU
        return keep_mask(delta.numel(), p, chunk_seed(op.seed, op.name, k, chunk.index), delta.device)

    def accumulate(self, op: Any, state: Any, pass_index: int, chunk: Chunk) -> None:
        topk_passes = 2 if self.sparsify == "magnitude" else 0
        for k in self._sparse(op):
            delta = self._delta(op, chunk, k)
            if pass_index < topk_passes:
                if k in state["topk"]:
                    state["topk"][k].add(pass_index, delta)
            else:
                kept = delta * self._mask(op, state, chunk, k, delta)
                sums = state["l1"][k]
                sums[0] += float(delta.abs().sum(dtype=torch.float64))
                sums[1] += float(kept.abs().sum(dtype=torch.float64))

    def end_pass(self, op: Any, state: Any, pass_index: int) -> None:
        topk_passes = 2 if self.sparsify == "magnitude" else 0
        if pass_index < topk_passes:
            for t in state["topk"].values():
                t.end(pass_index)
            return
        for k, (before, after) in state["l1"].items():
            state["scale"][k] = None if before < L1_EPS or after < L1_EPS else before / after
        for t in state.get("topk", {}).values():
            t.rewind()        # the output pass masks exactly as the L1 pass did

    def apply(self, op: Any, state: Any, chunk: Chunk) -> torch.Tensor:
        base = chunk.inputs[op.base].to(op.in_dtype)
        ks = [k for k in range(len(op.inputs)) if k != op.base]
        sparse = set(self._sparse(op))
        deltas = base.new_empty((len(ks), base.numel()))
        for row, k in enumerate(ks):
            delta = self._delta(op, chunk, k)
            if k in sparse:
                delta = delta * self._mask(op, state, chunk, k, delta)
                scale = state["scale"].get(k)
                if op.shared["rescale"] and scale is not None:
                    delta = delta * scale
            deltas[row] = delta
        weights = torch.tensor([op.per_input[k]["weight"] for k in ks], dtype=deltas.dtype,
                               device=deltas.device).unsqueeze(-1)
        deltas.mul_(weights)
        if self.consensus:
            sign = deltas.sign()
            majority = (deltas.sum(dim=0) >= 0).to(deltas.dtype) * 2 - 1
            mask = sign == majority
            mixed = (deltas * mask).sum(dim=0)
            divisor = (weights * mask).sum(dim=0)
            divisor[divisor == 0] = 1
        else:
            mixed = deltas.sum(dim=0)
            divisor = weights.sum(dim=0)
            divisor[divisor.abs() < 1e-8] = 1
        if op.shared["normalize"]:
            mixed /= divisor
        if op.shared["lambda"] != 1:
            mixed *= op.shared["lambda"]
        return base + mixed


register_method(TaskArithmetic())
