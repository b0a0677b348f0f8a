"""The ratio sweep: many merge candidates scored without writing them to disk.

In-memory mode loads the parents once (as state dicts, on the scoring device) and ONE model
object; each candidate's weights are computed in place into that object (`MergePlan.merge_into`,
chunk by chunk, in the output dtype) when its first batch is generated, then scored through the
ordinary pipeline. Nothing is written but the run directories. Because a candidate's id is its
content id (generator, parent ids, params), its run directories are content-addressed: a killed
sweep restarts where it stopped (a candidate whose runs are complete is not even merged), and
shards of one sweep (`--shard I/N`) on different machines combine with no extra step.
`--save` writes chosen candidates with the streaming merge, byte-identical to what was scored.

Disk mode (`--disk`) is for models that do not fit in memory twice: the parents are read once
and all K candidates are written in one pass (thaibench.merge.stream), then scored one by one.

Example:
    thaibench sweep --models ./thai ./r1 --ratios 0,0.25,0.5,0.75,1 --presets m1,m2,m3 --suite mini
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thaibench.backends import BackendOptions
from thaibench.backends.hf import HFBackend
from thaibench.candidates import CandidateSpec, resolve_spec
from thaibench.errors import UserError


@dataclass(frozen=True)
class SweepCandidate:
    """A spec with its content id and a short human label ("linear 0.3", "linear m3")."""

    spec: CandidateSpec
    id: str
    label: str

    def record(self) -> dict[str, Any]:
        resolved = resolve_spec(self.spec)
        parents = [{"id": pid, "ref": ref, "role": "base" if ref == self.spec.params.get("base") else None}
                   for pid, ref in zip(resolved.parents, self.spec.parents, strict=True)]
        return {"id": self.id, "kind": "merge", "name": self.label, "spec": resolved.to_dict(),
                "lineage": {"method": self.spec.generator, "parents": parents, "params": dict(self.spec.params)},
                "in_memory": True, "cacheable": True}


def sweep_candidates(models: Sequence[str], methods: Sequence[str], ratios: Sequence[Any],
                     base: str | None = None, out_dtype: str | None = None) -> list[SweepCandidate]:
    """Every (method, ratio) combination as a candidate; ratios are numbers or preset names."""
    from thaibench.candidates import GENERATORS

    out = []
    for method in methods:
        gen = GENERATORS.get(method)
        grid: dict[str, Any] = {"ratio": list(ratios)}
        if out_dtype:
            grid["out_dtype"] = out_dtype
        for spec, ratio in zip(gen.specs(models=list(models), base=base, **grid), ratios, strict=True):
            cid = resolve_spec(spec).id
            label = f"{method} {ratio:g}" if isinstance(ratio, (int, float)) else f"{method} {ratio}"
            out.append(SweepCandidate(spec, cid, label))
    return out


def parse_ratios(ratios: str | None, presets: str | None, grid: str | None) -> list[Any]:
    """`--ratios 0.1,0.5`, `--presets m1,m3`, `--grid 0:1:0.1` (inclusive) -> one list."""
    out: list[Any] = []
    try:
        out += [float(x) for x in (ratios or "").split(",") if x.strip()]
        if grid:
            lo, hi, step = (float(x) for x in grid.split(":"))
            n = int(round((hi - lo) / step))
            out += [round(lo + i * step, 10) for i in range(n + 1)]
    except ValueError:
        raise UserError(f"bad ratio list: --ratios {ratios!r} --grid {grid!r} (numbers; grid is LO:HI:STEP)") from None
    out += [p.strip() for p in (presets or "").split(",") if p.strip()]
    if not out:
        raise UserError("name some candidates: --ratios, --grid or --presets")
    return list(dict.fromkeys(out))


def shard(items: Sequence[SweepCandidate], spec: str | None) -> list[SweepCandidate]:
    """`--shard I/N`: the candidates whose position in id order is I modulo N."""
    if not spec:
        return list(items)
    try:
        i, n = (int(x) for x in spec.split("/"))
        if not 0 <= i < n:
            raise ValueError
    except ValueError:
        raise UserError(f"--shard {spec!r}: expected I/N with 0 <= I < N") from None
    ordered = sorted(items, key=lambda c: c.id)
    return [c for k, c in enumerate(ordered) if k % n == i]


class SharedParents:
    """The parents' tensors, loaded once, and one model object that takes each candidate's weights."""

    def __init__(self, models: Sequence[str], device: str, dtype: str | None) -> None:
        from thaibench.merge.plan import ParentMeta
        from thaibench.merge.sources import open_parent

        self.refs = list(models)
        self.device = device
        self.dtype = dtype
        self._parents = [open_parent(r) for r in models]
        self._metas = [ParentMeta.of(p) for p in self._parents]      # headers, read by open_parent
        self._sds: list[dict[str, Any]] | None = None
        self._model: Any = None
        self.active: str | None = None
        self.merges = 0

    def tokenizer_dir(self, index: int) -> Path:
        return self._parents[index].tokenizer_dir

    def state_dicts(self) -> list[dict[str, Any]]:
        """The parents' tensors on this object's device, read from disk on first use only."""
        if self._sds is None:
            sds = []
            for p in self._parents:
                mapped = _mapped(p) if str(self.device) == "cpu" else None
                sds.append(mapped or {name: p.source.read(name).view(info.shape).to(self.device)
                                      for name, info in p.tensors.items()})
            self._sds = sds
        return self._sds

    def plan(self, spec: CandidateSpec) -> Any:
        """A candidate's merge plan from the parents' headers, read once."""
        from thaibench.merge import checks
        from thaibench.merge.plan import MergePlan

        if list(spec.parents) != self.refs:
            raise UserError(f"candidate parents {list(spec.parents)} are not this sweep's {self.refs}")
        checks.check_parents(self._parents, dict(spec.params))     # headers only: cheap
        return MergePlan.build(_method_of(spec), spec.params, self._metas)

    def activate(self, cand: SweepCandidate) -> Any:
        """The shared model with `cand`'s weights (computed now unless already active)."""
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM

        if self.active == cand.id:
            return self._model
        plan = self.plan(cand.spec)
        if self._model is None:
            from transformers.initialization import no_init_weights

            src = self._parents[int(cand.spec.params.get("tokenizer_source") or 0)]
            cfg = AutoConfig.from_pretrained(src.base_path or src.path)
            with no_init_weights():     # every weight is overwritten by the merge: skip random init
                model = AutoModelForCausalLM.from_config(cfg, dtype=getattr(torch, self.dtype))
            model.to(self.device).eval()
            sd = model.state_dict()
            planned = {op.name for op in plan.ops}
            filled = {sd[k].data_ptr() for k in planned if k in sd}
            unset = [k for k, v in sd.items() if k not in planned and v.data_ptr() not in filled]
            if unset:
                raise UserError(f"the model has tensors the parents' checkpoints lack: {', '.join(unset[:3])}")
            self._model = model
        with torch.no_grad():
            plan.merge_into(self._model.state_dict(), self.state_dicts())
        self.active = cand.id
        self.merges += 1
        return self._model

    def close(self) -> None:
        for p in self._parents:
            p.close()


def _mapped(parent: Any) -> dict[str, Any] | None:
    """A plain checkpoint's tensors as read-only views of its files (safetensors' memory map): on
    the CPU the merge reads them straight from the page cache, with no copy of either parent.
    None for LoRA parents (their tensors are computed while reading)."""
    from safetensors import safe_open

    from thaibench.merge.stio import Checkpoint

    if not isinstance(parent.source, Checkpoint):
        return None
    out: dict[str, Any] = {}
    for file in dict.fromkeys(info.file for info in parent.tensors.values()):
        with safe_open(str(file), framework="pt", device="cpu") as fh:
            out.update({k: fh.get_tensor(k) for k in fh.keys() if k in parent.tensors})
    return out


class MergedBackend(HFBackend):
    """The hf backend over the shared model, set to one candidate's weights on first use."""

    def __init__(self, shared: SharedParents, cand: SweepCandidate, options: BackendOptions) -> None:
        self.shared = shared
        self.cand = cand
        self.model = cand.label
        self.options = options
        self.path = shared.tokenizer_dir(int(cand.spec.params.get("tokenizer_source") or 0))
        self.base = None
        self.batch_size = options.batch_size
        self._model = None
        self._tok = None
        self._candidate = cand.record()

    def _load(self) -> None:
        if self._model is None or self.shared.active != self.cand.id:
            self._load_tokenizer()
            self._tok.padding_side = "left"
            if self._tok.pad_token is None:
                self._tok.pad_token = self._tok.eos_token
            self._model = self.shared.activate(self.cand)

    def info(self) -> dict[str, Any]:
        return {**super().info(), "in_memory_merge": True}


def write_candidates(cands: Sequence[SweepCandidate], root: Path) -> list[Path]:
    """Disk mode: read the parents ONCE and write every candidate not yet on disk in one pass.

    Each candidate lands in `root/<id>` with the same files `thaibench merge` writes
    (weights, tokenizer, config, merge configs, candidate.json). Returns the directories."""
    from thaibench.candidates import parent_spec
    from thaibench.merge.build import candidate_record, open_plan, write_side_files
    from thaibench.merge.plan import MergePlan, ParentMeta
    from thaibench.merge.stio import ShardedWriter
    from thaibench.merge.stream import plan_outputs, run

    dirs = [Path(root) / c.id for c in cands]
    todo = [(c, d) for c, d in zip(cands, dirs, strict=True) if not (d / "candidate.json").exists()]
    if not todo:
        return dirs
    refs = {c.spec.parents for c, _ in todo}
    if len(refs) != 1:
        raise UserError("one disk pass needs candidates of the same parents")
    method, parents, first_plan, _ = open_plan(todo[0][0].spec)
    try:
        metas = [ParentMeta.of(p) for p in parents]
        plans = [first_plan] + [MergePlan.build(_method_of(c.spec), c.spec.params, metas) for c, _ in todo[1:]]
        writers = []
        for (c, d), plan in zip(todo, plans, strict=True):
            if d.exists():
                for f in d.iterdir():
                    f.unlink()
            d.mkdir(parents=True, exist_ok=True)
            writers.append(ShardedWriter(d, plan_outputs(plan), 5 * 10**9, {"thaibench_generator": c.spec.generator}))
        stats = run(plans, parents, writers)
        ids = {ref: parent_spec(ref).id for ref in todo[0][0].spec.parents}
        for (c, d), plan, w in zip(todo, plans, writers, strict=True):
            w.finish()
            write_side_files(c.spec, plan, parents, d)
            candidate_record(c.spec, plan, _method_of(c.spec), ids, d, stats).write(d)
    finally:
        for p in parents:
            p.close()
    return dirs


def _method_of(spec: CandidateSpec) -> Any:
    from thaibench.candidates import GENERATORS

    return GENERATORS.get(spec.generator).method
