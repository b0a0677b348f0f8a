"""DARE (linear): drop task-vector entries at random, rescale, add to the base.

Paper: Yu et al., "Language Models are Super Mario: Absorbing Abilities from Homologous Models
as a Free Lunch" (DARE), ICML 2024, https://arxiv.org/abs/2311.03099. The merge of the
Thai-reasoning recipe (arXiv:2502.09056) uses this method with its m1/m2/m3 layer schedules.

Task arithmetic (see `task_arithmetic.py`) where each entry of x_i - base is kept with
probability `density`, and with `rescale: true` (the default, as in mergekit) the kept entries are
scaled so the task vector keeps its L1 norm (mergekit's rule; the paper divides by density, which
agrees in expectation). No sign consensus; `normalize: false` by default.

Example (the paper's M3 with the language model as base):
    {method: dare_linear, models: [typhoon, r1], base: typhoon, ratio: m3,
     parameters: {density: 1.0}}

Masks come from a counter-based generator keyed by (seed, tensor, model, chunk), so a merge is
reproducible bit for bit on any machine and device (CPU or GPU); they differ from mergekit's,
which draws from torch's global generator in graph order - equal in distribution, not in bits.
"""

from __future__ import annotations

from thaibench.merge.generator import register_method
from thaibench.merge.task_arithmetic import TaskArithmetic


class DareLinear(TaskArithmetic):
    name = "dare_linear"
    paper = "https://arxiv.org/abs/2311.03099"
    sparsify = "random"
    default_rescale = True


register_method(DareLinear())
