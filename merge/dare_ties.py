"""DARE-TIES: DARE's random drop and rescale, then TIES' sign consensus.

Paper: Yu et al., "Language Models are Super Mario: Absorbing Abilities from Homologous Models
as a Free Lunch", ICML 2024, https://arxiv.org/abs/2311.03099 (DARE), combined with the sign
election of Yadav et al., https://arxiv.org/abs/2306.01708 (TIES), as mergekit defines it.

Task arithmetic (see `task_arithmetic.py`) with random sparsification (keep probability
`density`), L1 rescale on by default, sign consensus by weighted sum, `normalize: false` by
default (mergekit's defaults for dare_ties).

Example: {method: dare_ties, models: [thai, r1], base: llama-base,
          parameters: {weight: 0.5, density: 0.7}, seed: 1}

Masks are seeded per (seed, tensor, model, chunk); see `dare_linear.py`.
"""

from __future__ import annotations

from thaibench.merge.generator import register_method
from thaibench.merge.task_arithmetic import TaskArithmetic


class DareTies(TaskArithmetic):
    name = "dare_ties"
    paper = "https://arxiv.org/abs/2311.03099"
    sparsify = "random"
    consensus = True
    default_rescale = True


register_method(DareTies())
