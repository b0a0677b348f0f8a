"""Candidates: what is scored. A checkpoint, or a recipe applied to parent candidates.

A `CandidateSpec` is frozen `(generator, parents, params)`: the generator's name (`checkpoint`,
`linear`, `dare_linear`, `sft`, ...), its parents (candidate ids, or checkpoint references that
resolve to them) and its params (plain JSON). The candidate id is the short sha256 (16 hex) of
the canonical JSON of the generator, the parents' ids and the params, so it names the content
of a merge, never a path; a plain checkpoint's id is the one `thaibench.identity.checkpoint_id`
gives (a digest of its weight files, tokenizer, chat template, generation config).

A `Candidate` is a built spec: its id, spec, path (None while only in memory) and lineage (each
parent's id and reference). `candidate.json` next to the weights records them; the leaderboard
reads it to show how each row was made.

Generators are one-file plugins registered in `GENERATORS` (merge methods in thaibench.merge):
`specs(**grid)` expands a grid into specs, `build(spec, out)` writes the candidate.

Example:
    gen = GENERATORS.get("linear")
    spec, = gen.specs(models=["./thai", "./r1"], ratio=["m3"])
    cand = gen.build(spec, Path("out/m3"))       # cand.id == resolve_spec(spec).id
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from thaibench.canonical import canonical_json, short_id
from thaibench.errors import UserError
from thaibench.registry import Registry

SCHEMA_VERSION = 1
CANDIDATE_FILE = "candidate.json"
_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class CandidateSpec:
    generator: str
    parents: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parents", tuple(self.parents))
        # a private copy, round-tripped through JSON: the spec cannot change under its id
        object.__setattr__(self, "params", json.loads(canonical_json(dict(self.params))))

    def to_dict(self) -> dict[str, Any]:
        return {"generator": self.generator, "parents": list(self.parents), "params": dict(self.params)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CandidateSpec:
        return cls(d["generator"], tuple(d.get("parents", ())), d.get("params", {}))

    @property
    def id(self) -> str:
        """Id of this spec as written (parents as given); see `resolve_spec` for the content id."""
        if self.generator == "checkpoint":
            return short_id({"generator": "checkpoint", **self.params})
        return short_id(self.to_dict())

    def __hash__(self) -> int:
        return hash(canonical_json(self.to_dict()))


def is_candidate_id(ref: str) -> bool:
    return bool(_ID.match(ref)) and not Path(ref).exists()


def checkpoint_spec(path: Path, base: Path | None = None) -> CandidateSpec:
    """The spec of a checkpoint directory (a LoRA adapter with its base): content digests only."""
    from thaibench.identity import checkpoint_digest

    params: dict[str, Any] = {"digest": checkpoint_digest(Path(path))}
    if base is not None:
        params["base"] = checkpoint_digest(Path(base))
    return CandidateSpec("checkpoint", (), params)


def parent_spec(ref: str) -> CandidateSpec:
    """The checkpoint spec a parent reference resolves to (directory, hub id, LoRA adapter)."""
    from thaibench.merge.sources import locate

    base_ref, plus, adapter_ref = ref.partition("+")
    if plus:
        return checkpoint_spec(locate(adapter_ref), locate(base_ref))
    path = locate(ref)
    cfg = path / "adapter_config.json"
    if cfg.is_file():
        base = json.loads(cfg.read_text()).get("base_model_name_or_path")
        if not base:
            raise UserError(f"adapter {path} names no base model")
        return checkpoint_spec(path, locate(base))
    return checkpoint_spec(path)


def resolve_spec(spec: CandidateSpec) -> CandidateSpec:
    """The same spec with every parent reference replaced by its candidate id."""
    parents = tuple(p if is_candidate_id(p) else parent_spec(p).id for p in spec.parents)
    return CandidateSpec(spec.generator, parents, spec.params)


@dataclass
class Candidate:
    id: str
    spec: CandidateSpec                       # parents as candidate ids
    path: Path | None = None                  # None: in memory only
    lineage: dict[str, Any] = field(default_factory=dict)
    out_dtype: str | None = None
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "id": self.id, "spec": self.spec.to_dict(),
                "parents": list(self.spec.parents), "lineage": self.lineage,
                "out_dtype": self.out_dtype, "created": self.created}

    def write(self, directory: Path | None = None) -> Path:
        """Write candidate.json into `directory` (default: the candidate's path); return its path."""
        directory = Path(directory or self.path or ".")
        target = directory / CANDIDATE_FILE
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(target)   # its presence means the candidate is complete
        return target

    @classmethod
    def read(cls, directory: Path) -> Candidate:
        target = Path(directory) / CANDIDATE_FILE
        try:
            d = json.loads(target.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"no {CANDIDATE_FILE} in {directory}") from None
        if d.get("schema_version") != SCHEMA_VERSION:
            raise UserError(f"{target}: schema_version {d.get('schema_version')} is not {SCHEMA_VERSION}")
        return cls(d["id"], CandidateSpec.from_dict(d["spec"]), Path(directory), d.get("lineage", {}),
                   d.get("out_dtype"), d.get("created", ""))

    @classmethod
    def from_checkpoint(cls, path: Path) -> Candidate:
        """A plain checkpoint as a candidate (generator "checkpoint", no parents)."""
        spec = checkpoint_spec(Path(path))
        return cls(spec.id, spec, Path(path), {"parents": []})


@runtime_checkable
class CandidateGenerator(Protocol):
    name: str

    def specs(self, **grid: Any) -> list[CandidateSpec]: ...

    def build(self, spec: CandidateSpec, out: Path) -> Candidate: ...


class CheckpointGenerator:
    """`checkpoint`: an existing model directory is a candidate as it is (nothing is written)."""

    name = "checkpoint"

    def specs(self, **grid: Any) -> list[CandidateSpec]:
        paths = grid.pop("path", None) or grid.pop("paths", None)
        if grid or not paths:
            raise UserError("checkpoint specs take path=[DIR, ...] only")
        return [checkpoint_spec(Path(p)) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]

    def build(self, spec: CandidateSpec, out: Path) -> Candidate:
        cand = Candidate.from_checkpoint(Path(out))
        if cand.id != spec.id:
            raise UserError(f"{out} is not checkpoint {spec.id} (its content gives {cand.id})")
        return cand


GENERATORS: Registry[CandidateGenerator] = Registry("candidate generator", ("thaibench.merge",))
GENERATORS.register("checkpoint", CheckpointGenerator())
