"""MergePlan: every output tensor mapped to one operation, usable on disk and in memory.

The plan is computed from a candidate's params (see `thaibench.merge.spec`) and the parents'
tensor headers alone, before any weight is read: which parents feed each tensor (tied `lm_head`
read from `embed_tokens`), every parameter resolved for that tensor's layer and component, the
output dtype, and which rows are merged or copied when vocabularies are resized. Executing it is
separate: `stream.run` streams parents from disk to shards; `merge_into` computes a candidate
in place into an existing state dict (a model loaded once), chunk by chunk, in the output dtype,
which is what the ratio sweep does for each candidate. Both run the same kernels (elementwise
methods in memory on whole tensors, which gives the same bits as chunk by chunk), so a candidate
computed in memory is byte-identical to the one written to disk.

Example:
    plan = MergePlan.build(GENERATORS.get("linear").method, spec.params, metas)
    plan.merge_into(model.state_dict(), [thai_sd, reasoning_sd])   # weights now the candidate's
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from thaibench.errors import UserError
from thaibench.merge.method import CHUNK, REQUIRED, Chunk, MergeMethod
from thaibench.merge.params import Position, component, evaluate, layer_index
from thaibench.merge.stio import dtype_from_name

EMBED, HEAD = "model.embed_tokens.weight", "lm_head.weight"
PIECE = 1 << 26          # elements per call of an elementwise kernel in memory (scratch bound)


@dataclass(frozen=True)
class ParentMeta:
    """What planning needs from a parent: tensor dtypes/shapes and its config."""

    tensors: Mapping[str, tuple[torch.dtype, tuple[int, ...]]]
    config: Mapping[str, Any]

    @classmethod
    def from_state_dict(cls, sd: Mapping[str, torch.Tensor], config: Mapping[str, Any]) -> ParentMeta:
        return cls({k: (v.dtype, tuple(v.shape)) for k, v in sd.items()}, config)

    @classmethod
    def of(cls, parent: Any) -> ParentMeta:
        """From an opened parent (`thaibench.merge.sources.Parent`): its headers and config."""
        return cls({k: (t.dtype, t.shape) for k, t in parent.tensors.items()}, parent.config)


@dataclass(frozen=True)
class TensorOp:
    name: str
    shape: tuple[int, ...]
    out_dtype: torch.dtype
    method: MergeMethod | None          # None: copy inputs[0] (non-float buffers)
    inputs: tuple[int, ...]             # parent indices
    sources: tuple[str, ...]            # tensor name read from each input (tied lm_head -> embed)
    base: int | None                    # position of the base within `inputs`
    shared: Mapping[str, Any]
    per_input: tuple[Mapping[str, Any], ...]
    in_dtype: torch.dtype               # dtype the kernel computes from
    compat: bool
    seed: int
    merged: int                         # flat elements merged; the rest copied from `copy_from`
    copy_from: int | None = None

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    def chunks(self) -> list[tuple[int, int]]:
        return [(s, min(s + CHUNK, self.merged)) for s in range(0, self.merged, CHUNK)]

    def tail_chunks(self) -> list[tuple[int, int]]:
        return [(s, min(s + CHUNK, self.numel)) for s in range(self.merged, self.numel, CHUNK)]


def n_layers_of(meta: ParentMeta) -> int:
    cfg = meta.config.get("text_config", meta.config)
    n = cfg.get("num_hidden_layers") or cfg.get("n_layer")
    seen = [i for i in (layer_index(k) for k in meta.tensors) if i is not None]
    if n is None:
        n = max(seen) + 1 if seen else 0
    if seen and max(seen) >= n:
        raise UserError(f"config says {n} layers but tensors name layer {max(seen)}")
    return int(n)


@dataclass
class MergePlan:
    method: MergeMethod
    ops: list[TensorOp]
    n_layers: int
    tied_output: bool                   # no lm_head in the output (all parents tie it)
    vocab_rows: int | None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, method: MergeMethod, params: Mapping[str, Any], metas: Sequence[ParentMeta]) -> MergePlan:
        from thaibench.merge.spec import input_layout

        n_models = len(params["models"])
        inputs, base_pos = input_layout(method, params, len(metas))
        compat = bool(params.get("mergekit_compat"))
        n_layers = n_layers_of(metas[0])
        slices = params.get("slices") or [{"layers": [0, n_layers], "parameters": None, "models": None}]
        if slices[-1]["layers"][1] != n_layers:
            raise UserError(f"slices cover layers 0-{slices[-1]['layers'][1]}, the models have {n_layers}")
        names = _output_names(metas)
        vocab = _vocab_rows(metas, params)
        out_default = dtype_from_name(params["out_dtype"]) if params.get("out_dtype") else None
        load_dtype = dtype_from_name(params["dtype"]) if params.get("dtype") else None
        ops = []
        for name in names:
            srcs = tuple(name if name in metas[i].tensors else EMBED for i in inputs)
            dtypes = [metas[i].tensors[s][0] for i, s in zip(inputs, srcs, strict=True)]
            shapes = [metas[i].tensors[s][1] for i, s in zip(inputs, srcs, strict=True)]
            shape = shapes[0]
            merged = math.prod(shape)
            copy_from = None
            if name in (EMBED, HEAD) and vocab is not None:
                rows, common, src = vocab
                shape = (rows, *shape[1:])
                merged = common * (merged // shapes[0][0])
                copy_from = src
            elif any(s != shape for s in shapes):
                raise UserError(f"shapes differ for {name}: " + ", ".join(str(list(s)) for s in shapes))
            if not all(d.is_floating_point for d in dtypes):
                ops.append(TensorOp(name, shape, dtypes[0], None, inputs, srcs, None, {}, (), dtypes[0],
                                    compat, 0, merged, copy_from))
                continue
            promoted = dtypes[0]
            for d in dtypes[1:]:
                promoted = torch.promote_types(promoted, d)
            if compat:
                in_dtype = load_dtype or promoted
                out_dtype = out_default or in_dtype
            else:
                in_dtype = torch.float64 if promoted == torch.float64 else torch.float32
                out_dtype = out_default or dtypes[0]
            pos = _position(name, n_layers, slices, compat)
            sl = _slice_of(pos, slices)
            shared, per_input = _resolve(method, params, sl, pos, inputs, base_pos, n_models)
            ops.append(TensorOp(name, shape, out_dtype, method, inputs, srcs, base_pos, shared, per_input,
                                in_dtype, compat, int(params.get("seed", 0)), merged, copy_from))
        return cls(method, ops, n_layers, HEAD not in names, vocab[0] if vocab else None)

    def op(self, name: str) -> TensorOp:
        return next(o for o in self.ops if o.name == name)

    # -- in memory ---------------------------------------------------------------------------
    def merge_into(self, target: Mapping[str, torch.Tensor], parents: Sequence[Mapping[str, torch.Tensor]],
                   names: Sequence[str] | None = None) -> None:
        """Compute the candidate into `target` (e.g. a model's state_dict).

        `parents` are the parents' state dicts (in their stored dtypes, any device); target
        tensors must have the planned shapes; values are cast to each target tensor's dtype.
        NaN/Inf are looked for once, after every tensor is written (one device sync); a merge
        that made any refuses with the parent or tensor to blame, as on disk.
        """
        ops = self.ops
        if names is not None:       # one pass over the plan: a caller may ask for groups of many names
            wanted = set(names)
            ops = [o for o in self.ops if o.name in wanted]
            if len(ops) != len(wanted):
                raise KeyError(f"not in the plan: {sorted(wanted - {o.name for o in ops})[:3]}")
        sums: list[tuple[TensorOp, list[torch.Tensor], torch.Tensor]] = []
        for op in ops:
            out = target[op.name].view(-1)
            flats = [parents[i][s].reshape(-1) for i, s in zip(op.inputs, op.sources, strict=True)]
            if op.method is not None and op.method.elementwise(op):
                # Elementwise kernels give the same bits on any split of the tensor, so big pieces
                # (bounded scratch) replace the 1M-element chunks, and the finite check is one sum
                # per tensor, read back once per candidate (one device sync, not one per chunk).
                for a in range(0, op.merged, PIECE):
                    b = min(a + PIECE, op.merged)
                    op.method.apply_into(op, Chunk(0, a, b, [f[a:b] for f in flats]), out[a:b])
            else:
                run_op(op, lambda a, b, fl=flats: [f[a:b] for f in fl],
                       lambda a, v, o=out: o[a:a + v.numel()].copy_(v), check=False)
            if op.method is not None:
                sums.append((op, flats, out[:op.merged].sum(dtype=torch.float32)))
            for a, b in op.tail_chunks():
                out[a:b].copy_(parents[op.copy_from][op.name].reshape(-1)[a:b])
        if sums and not bool(torch.isfinite(torch.stack([s for _, _, s in sums])).all()):
            from thaibench.merge.stream import check_finite

            for op, flats, _ in sums:      # a finite tensor whose sum overflows passes here
                check_finite(target[op.name].view(-1)[:op.merged], op, [f[:op.merged] for f in flats],
                             [f"#{k}" for k in op.inputs])

    def merge_tensor(self, name: str, parents: Sequence[Mapping[str, torch.Tensor]]) -> torch.Tensor:
        op = self.op(name)
        out = torch.empty(op.shape, dtype=op.out_dtype)
        self.merge_into({name: out}, parents, [name])
        return out


def run_op(op: TensorOp, read: Any, write: Any, check: bool = True) -> None:
    """Execute one op over its merged region: `read(a, b)` gives the inputs' flat chunks,
    `write(a, values)` stores a result chunk (any float dtype; cast by the writer). `check=False`
    leaves the NaN/Inf check to the caller (in memory: once per candidate, not per chunk)."""
    if op.method is None:
        first = None
        for a, b in op.chunks():
            xs = read(a, b)
            if any(not torch.equal(x, xs[0]) for x in xs[1:]):
                raise UserError(f"non-float tensor {op.name} differs between parents; it cannot be merged")
            first = xs[0]
            write(a, first)
        return
    m = op.method
    state = m.start(op)
    for p in range(m.passes(op)):
        for i, (a, b) in enumerate(op.chunks()):
            m.accumulate(op, state, p, Chunk(i, a, b, read(a, b)))
        m.end_pass(op, state, p)
    from thaibench.merge.stream import check_finite

    for i, (a, b) in enumerate(op.chunks()):
        chunk = Chunk(i, a, b, read(a, b))
        values = m.apply(op, state, chunk)
        if check:
            check_finite(values, op, chunk.inputs, [f"#{k}" for k in op.inputs])
        write(a, values)


def _output_names(metas: Sequence[ParentMeta]) -> list[str]:
    names = list(metas[0].tensors)
    if any(HEAD in m.tensors for m in metas) and HEAD not in names:
        names.append(HEAD)
    for i, m in enumerate(metas):
        for n in names:
            if n not in m.tensors and not (n == HEAD and EMBED in m.tensors):
                raise UserError(f"architectures differ: parent {i} has no tensor {n}")
        extra = [n for n in m.tensors if n not in names]
        if extra:
            raise UserError(f"architectures differ: parent {i} has tensor {extra[0]} that parent 0 lacks")
    return names


def _vocab_rows(metas: Sequence[ParentMeta], params: Mapping[str, Any]) -> tuple[int, int, int] | None:
    """(output rows, rows merged, parent the extra rows come from) when embedding sizes differ."""
    rows = [m.tensors[EMBED][1][0] for m in metas if EMBED in m.tensors]
    if len(set(rows)) <= 1:
        return None
    if not params.get("resize_vocab"):
        raise UserError("vocabularies differ: embedding rows " + ", ".join(map(str, rows))
                        + "; pass --resize-vocab (resize_vocab: true) to keep the tokenizer source's")
    src = int(params.get("tokenizer_source", 0))
    return metas[src].tensors[EMBED][1][0], min(rows), src


def _position(name: str, n_layers: int, slices: list[dict], compat: bool) -> Position:
    layer = layer_index(name)
    boundary = "layer" if layer is not None else ("first" if component(name) == "embeddings" else "last")
    if layer is not None:
        sl = next(s for s in slices if s["layers"][0] <= layer < s["layers"][1])
    else:
        sl = slices[0] if boundary == "first" else slices[-1]
    a, b = sl["layers"]
    return Position(name, layer, n_layers, a, b - a, boundary, compat)


def _slice_of(pos: Position, slices: list[dict]) -> dict:
    return next(s for s in slices if s["layers"][0] == pos.slice_start)


def _resolve(method: MergeMethod, params: Mapping[str, Any], sl: Mapping[str, Any], pos: Position,
             inputs: tuple[int, ...], base_pos: int | None, n_models: int) -> tuple[dict, tuple[dict, ...]]:
    def first(sources: list[Any], spec: Any, where: str) -> Any:
        for settings in sources:
            if settings and spec.name in settings:
                value = evaluate(settings[spec.name], pos)
                if value is not None:
                    return spec.check(value, where)
        if spec.default is REQUIRED:
            raise UserError(f"{method.name} needs parameter {spec.name!r} for {where}")
        return spec.default

    glob, slice_params = params.get("parameters"), sl.get("parameters")
    shared = {p.name: first([slice_params, glob], p, pos.name) for p in method.params if p.scope == "shared"}
    per_input = []
    for k, parent in enumerate(inputs):
        vals = {}
        for p in method.params:
            if p.scope == "shared" or (p.scope == "non_base" and k == base_pos):
                continue
            own = []
            if parent < n_models:
                if sl.get("models"):
                    own.append(sl["models"][parent].get("parameters"))
                own.append(params["models"][parent].get("parameters"))
            vals[p.name] = first([*own, slice_params, glob], p, f"{pos.name} of model {parent}")
        per_input.append(vals)
    return shared, tuple(per_input)
