"""Merge methods as candidate generators: grid expansion into specs, and build to disk.

Each merge-method file calls `register_method(MethodClass())`, which registers a
`MergeGenerator` under the method's name in `thaibench.candidates.GENERATORS`.

`specs(models=[...], base=..., **grid)` takes every other thaibench merge-config key (`ratio`,
`parameters`, `out_dtype`, `seed`, ...) as a list of alternatives and returns one spec per
combination, in order. A bare scalar or string is one alternative; a per-layer list must be
wrapped (`ratio=[[0.1, 0.2, ...]]`), since a bare list means alternatives.

Example:
    gen = GENERATORS.get("dare_linear")
    specs = gen.specs(models=["./typhoon", "./r1"], base="./typhoon", ratio=["m1", "m2", "m3"])
    gen.build(specs[2], Path("out/m3"))
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from thaibench.candidates import GENERATORS, Candidate, CandidateSpec
from thaibench.merge.method import MergeMethod


class MergeGenerator:
    def __init__(self, method: MergeMethod) -> None:
        self.method = method
        self.name = method.name

    def specs(self, *, models: list[str], base: str | None = None, **grid: Any) -> list[CandidateSpec]:
        from thaibench.merge.spec import from_thaibench

        keys = sorted(grid)
        options = [v if isinstance(v, list) else [v] for v in (grid[k] for k in keys)]
        out = []
        for combo in itertools.product(*options):
            cfg: dict[str, Any] = {"method": self.name, "models": list(models), **dict(zip(keys, combo, strict=True))}
            if base is not None:
                cfg["base"] = base
            _, parents, params = from_thaibench(cfg)
            out.append(CandidateSpec(self.name, parents, params))
        return out

    def build(self, spec: CandidateSpec, out: Path, **options: Any) -> Candidate:
        from thaibench.merge.build import merge_to_disk

        return merge_to_disk(spec, Path(out), **options)


def register_method(method: MergeMethod) -> MergeGenerator:
    gen = MergeGenerator(method)
    GENERATORS.register(method.name, gen)
    return gen
