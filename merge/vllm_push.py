"""Sweep candidates pushed into a running vLLM engine: the engine loads once, each candidate's
weights are computed on the engine's GPUs and handed to its model, never written or re-read.

This is how RL trainers refresh a vLLM engine between rollouts (a worker extension whose method
runs inside every vLLM worker, reached with `LLM.collective_rpc`); here the weights come from
the merge instead of a trainer. Each worker opens the parents (safetensors headers; tensors are
read once, then kept on the worker's GPU, or on the host with `keep="host"` for parents that do
not fit twice beside the engine), builds the candidate's `MergePlan`, computes its tensors in
groups of about `GROUP_BYTES` (one device sync per group) and passes them to the model's own
`load_weights`, which fuses q/k/v and gate/up and shards them for tensor parallelism exactly as
when vLLM loads a checkpoint. The prefix cache is reset after each push: cached keys and values
were computed with the previous weights.

Example:
    engine = SweepEngine(["./typhoon", "./r1"], {"dtype": "bfloat16", "tensor_parallel_size": 2})
    llm = engine.activate(candidate)      # candidate's weights now in the engine
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from thaibench.errors import UserError

EXTENSION = "thaibench.merge.vllm_push.CandidateLoader"
GROUP_BYTES = 1 << 30


class _OnDevice(Mapping):
    """A parent's tensors kept on the host, each moved to `device` when a merge reads it."""

    def __init__(self, tensors: Mapping[str, Any], device: Any) -> None:
        self.tensors, self.device = tensors, device

    def __getitem__(self, name: str) -> Any:
        return self.tensors[name].to(self.device, non_blocking=True)

    def __iter__(self) -> Iterator[str]:
        return iter(self.tensors)

    def __len__(self) -> int:
        return len(self.tensors)


def candidate_tensors(shared: Any, spec: Any, device: Any, keep: str = "device") -> Iterator[tuple[str, Any]]:
    """(name, tensor) for every tensor of the candidate `spec`, computed on `device` from the
    parents `shared` (a `SharedParents`) in groups of about GROUP_BYTES."""
    import torch

    plan = shared.plan(spec)
    sds = shared.state_dicts()
    parents = sds if keep == "device" else [_OnDevice(sd, device) for sd in sds]
    group: list[Any] = []
    size = 0
    for i, op in enumerate(plan.ops):
        group.append(op)
        size += op.numel * op.out_dtype.itemsize
        if size < GROUP_BYTES and i + 1 < len(plan.ops):
            continue
        out = {o.name: torch.empty(o.shape, dtype=o.out_dtype, device=device) for o in group}
        with torch.no_grad():
            plan.merge_into(out, parents, [o.name for o in group])
        yield from out.items()
        group, size = [], 0


class CandidateLoader:
    """vLLM worker extension (`worker_extension_cls`): its methods run in every worker process,
    where `self.model_runner.model` is the engine's model and `self.device` its GPU."""

    def thaibench_load_candidate(self, spec_json: str, keep: str = "device") -> int:
        from thaibench.candidates import CandidateSpec
        from thaibench.merge.sweep import SharedParents

        spec = CandidateSpec.from_dict(json.loads(spec_json))
        shared = getattr(self, "_thaibench_parents", None)
        if shared is None or shared.refs != list(spec.parents):
            if shared is not None:
                shared.close()
            device = "cpu" if keep == "host" else self.device
            shared = self._thaibench_parents = SharedParents(list(spec.parents), str(device), None)
        loaded = self.model_runner.model.load_weights(candidate_tensors(shared, spec, self.device, keep))
        return len(loaded) if loaded is not None else -1


class SweepEngine:
    """One vLLM engine for a whole sweep, started from a parent's checkpoint (any parent: every
    weight is replaced before the first candidate generates), with the loader extension."""

    def __init__(self, models: Sequence[str], llm_args: Mapping[str, Any], tokenizer_source: int = 0,
                 keep: str = "device") -> None:
        if int(llm_args.get("data_parallel_size", 1)) != 1:
            raise UserError("a vllm sweep runs one engine; spread candidates over machines with --shard I/N")
        if keep not in ("device", "host"):
            raise UserError(f"--keep-parents must be device or host, not {keep!r}")
        self.models = list(models)
        self.llm_args = dict(llm_args)
        self.source = tokenizer_source
        self.keep = keep
        self._llm: Any = None
        self.active: str | None = None
        self.pushes = 0

    def _paths(self, index: int) -> tuple[Any, Any]:
        """(weights folder, tokenizer folder) of parent `index` (a LoRA parent's base weights)."""
        from thaibench.merge.sources import open_parent

        src = open_parent(self.models[index])
        src.close()
        return src.base_path or src.path, src.tokenizer_dir

    def tokenizer_dir(self, index: int) -> Any:
        return self._paths(index)[1]

    def _start(self) -> Any:
        if self._llm is None:
            from vllm import LLM

            weights, tok = self._paths(self.source)
            self._llm = LLM(model=str(weights), tokenizer=str(tok), seed=0, worker_extension_cls=EXTENSION,
                            **self.llm_args)
        return self._llm

    def activate(self, cand: Any) -> Any:
        """The engine with `cand`'s weights (pushed now unless already active)."""
        llm = self._start()
        if self.active != cand.id:
            self.active = None
            spec = json.dumps(cand.spec.to_dict())
            counts = llm.collective_rpc("thaibench_load_candidate", args=(spec, self.keep))
            if any(c == 0 for c in counts):
                raise RuntimeError(f"vllm loaded no weights for {cand.label}")
            llm.reset_prefix_cache()       # cached keys/values belong to the previous weights
            self.active = cand.id
            self.pushes += 1
        return llm

    def close(self) -> None:
        self._llm = None
        self.active = None


def merged_backend(engine: SweepEngine, cand: Any, options: Any) -> Any:
    """The vllm backend over the shared engine, set to `cand`'s weights before it generates."""
    src = int(cand.spec.params.get("tokenizer_source") or 0)
    be = _engine_backend(engine, cand, str(engine.tokenizer_dir(src)), options)
    be.model = cand.label
    be._candidate = cand.record()
    return be


def parent_backend(engine: SweepEngine, index: int, options: Any) -> Any:
    """Parent `index` scored on the shared engine (a second engine in one process would not fit
    beside the first): its weights are pushed as the linear merge at ratio `index` (0: the first
    parent, 1: the second), which equals the parent's tensors; its runs are filed under the
    parent's own checkpoint id, as `thaibench score --backend vllm PARENT` files them."""
    from thaibench.merge.sweep import sweep_candidates

    if index not in (0, 1) or len(engine.models) != 2:
        raise UserError("parents are scored on a sweep engine for two-parent sweeps only")
    [push] = sweep_candidates(engine.models, ["linear"], [float(index)], out_dtype=engine.llm_args.get("dtype"))
    return _engine_backend(engine, push, engine.models[index], options)


def _engine_backend(engine: SweepEngine, push: Any, path: str, options: Any) -> Any:
    from thaibench.backends.vllm import VLLMBackend

    class EngineBackend(VLLMBackend):
        """The vllm backend whose engine is the sweep's, holding `push`'s weights when it generates."""

        def _start(self) -> None:
            self._llm = engine.activate(push)

        def info(self) -> dict[str, Any]:
            return {**super().info(), "in_memory_merge": True, "weights_pushed": True}

        def close(self) -> None:
            self._llm = None           # the engine stays up for the next candidate

    return EngineBackend(path, options)
