"""Run one miniature build in its own process: `python -m thaibench.mini.worker OUT < recipe.json`.

Why a separate process: the build sets process-wide torch state (thread count, deterministic
algorithms) that the caller should not inherit, and OpenMP reads its waiting policy only when it
starts. With the default (spinning) policy, two training threads on a machine shared with other
work ran 2-8x slower than with `OMP_WAIT_POLICY=PASSIVE` (950 vs 417 ms a step on 2 busy
cores); `thaibench.mini.cache.run_build` starts this worker with the passive policy.

Protocol: the recipe as JSON on stdin; one JSON line per progress event on stdout,
`{"stage": "base", "step": 100, "total": 1200, "loss": 0.71}`, then `{"manifest": {...}}`.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from thaibench.mini.build import build_world
from thaibench.mini.recipe import Recipe


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    recipe = Recipe.from_dict(json.loads(sys.stdin.read()))

    def progress(stage: str, step: int, total: int, loss: float) -> None:
        loss_out = None if math.isnan(loss) else round(loss, 4)
        print(json.dumps({"stage": stage, "step": step, "total": total, "loss": loss_out}), flush=True)

    manifest = build_world(recipe, out, progress)
    print(json.dumps({"manifest": manifest}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
