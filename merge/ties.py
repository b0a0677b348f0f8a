"""TIES merging: trim small task-vector entries, elect a sign per entry, merge the agreeing ones.

Paper: Yadav et al., "TIES-Merging: Resolving Interference When Merging Models", NeurIPS 2023,
https://arxiv.org/abs/2306.01708.

Task arithmetic (see `task_arithmetic.py`) with magnitude sparsification (keep the `density`
fraction of entries with the largest |x_i - base|), sign consensus by weighted sum, and
`normalize: true` by default (divide by the weights of the models that agree), as in mergekit.

Example: {method: ties, models: [thai, r1], base: llama-base,
          parameters: {weight: 0.5, density: 0.5}}

Known quirk: the top-k is exact over the whole tensor, computed in two reading passes so a 2 GB
embedding needs no 2 GB sort; entries tied at the threshold (common in bfloat16) are kept in flat
order, where mergekit's argsort leaves the choice unspecified.
"""

from __future__ import annotations

from thaibench.merge.generator import register_method
from thaibench.merge.task_arithmetic import TaskArithmetic


class Ties(TaskArithmetic):
    name = "ties"
    paper = "https://arxiv.org/abs/2306.01708"
    sparsify = "magnitude"
    consensus = True
    default_normalize = True


register_method(Ties())
