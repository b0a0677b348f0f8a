"""Merge parents: a checkpoint directory, a hub id, or a LoRA adapter merged onto its base on load.

A parent reference is what a config names:
- a local directory (`./typhoon2-70b`) or a hub id (`scb10x/typhoon2-70b`, `repo@revision`),
  resolved to a local snapshot (offline, only what is already cached);
- a PEFT LoRA adapter directory, merged onto the base its `adapter_config.json` names;
- `BASE+ADAPTER` (mergekit's spelling), the adapter merged onto an explicit base.

LoRA is merged per tensor while reading, `W + s * B @ A` for the rows asked for (s = alpha / r,
or alpha / sqrt(r) with rsLoRA; embeddings `(B @ A)^T` as PEFT does), so an adapter parent costs
no merged copy on disk and no more memory than a plain one. Tensors an adapter stores in full
(`modules_to_save`, trained biases, saved embedding layers) replace the base's. DoRA, fan-in-fan-out
and other PEFT variants are refused with the option's name.

Example:
    parent = open_parent("out/sft-lora")     # LoRA adapter over the base it names
    parent.source.read("model.layers.0.self_attn.q_proj.weight")   # merged weight, flat

Source: PEFT (https://github.com/huggingface/peft, Apache-2.0) LoRA layout and merge rule.
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from thaibench.errors import UserError
from thaibench.merge.stio import DTYPES, Checkpoint, FlatReader, TensorInfo, read_header

PEFT_PREFIX = "base_model.model."
REFUSED_PEFT_OPTIONS = ("use_dora", "fan_in_fan_out", "lora_bias", "layer_replication",
                        "trainable_token_indices", "target_parameters", "use_qalora")


def locate(ref: str) -> Path:
    """A local directory as is; a hub id (`repo` or `repo@revision`) as its local snapshot."""
    p = Path(ref).expanduser()
    if p.exists():
        if not p.is_dir():
            raise UserError(f"model path is not a directory: {p}")
        return p
    from thaibench.backends.hf import resolve_model_path

    repo, _, rev = ref.partition("@")
    return resolve_model_path(repo, rev or None)


@dataclass
class LoraModule:
    a: str                  # adapter tensor names
    b: str
    scale: float
    embedding: bool


class LoraCheckpoint(FlatReader):
    """A base checkpoint seen through a LoRA adapter: same tensor names, merged values."""

    def __init__(self, base: Checkpoint, adapter_dir: Path) -> None:
        self.base = base
        self.path = adapter_dir
        cfg = json.loads((adapter_dir / "adapter_config.json").read_text())
        if cfg.get("peft_type", "LORA") != "LORA":
            raise UserError(f"adapter {adapter_dir} is {cfg.get('peft_type')}; only LoRA adapters merge")
        for opt in REFUSED_PEFT_OPTIONS:
            if cfg.get(opt):
                raise UserError(f"adapter {adapter_dir} uses PEFT option {opt!r}, which merge does not support")
        wfile = adapter_dir / "adapter_model.safetensors"
        header, start = read_header(wfile)
        self.adapter = Checkpoint(adapter_dir, {
            k: TensorInfo(k, DTYPES[v["dtype"]], tuple(v["shape"]), wfile, start + v["data_offsets"][0])
            for k, v in header.items() if k != "__metadata__"})
        self.tensors: dict[str, TensorInfo] = dict(base.tensors)
        self.replaced: dict[str, str] = {}
        self.modules: dict[str, LoraModule] = {}
        alpha, rslora = float(cfg.get("lora_alpha", 8)), bool(cfg.get("use_rslora"))
        for key in self.adapter.tensors:
            name = key.removeprefix(PEFT_PREFIX)
            m = re.match(r"(.*)\.(lora_A|lora_embedding_A)(?:\.weight)?$", name)
            if m:
                mod, kind = m.group(1), m.group(2)
                bkey = key.replace("lora_embedding_A", "lora_embedding_B").replace("lora_A", "lora_B")
                if bkey not in self.adapter.tensors:
                    raise UserError(f"adapter {adapter_dir} has {key} but not {bkey}")
                r = self.adapter.tensors[key].shape[0]
                a = _pattern(cfg.get("alpha_pattern") or {}, mod, alpha)
                scale = a / math.sqrt(r) if rslora else a / r
                target = f"{mod}.weight"
                if target not in base.tensors:
                    raise UserError(f"adapter {adapter_dir} targets {target}, which the base lacks")
                self.modules[target] = LoraModule(key, bkey, scale, kind == "lora_embedding_A")
            elif "lora_" not in name:
                target = name.replace(".base_layer.", ".")
                if target not in base.tensors:
                    raise UserError(f"adapter {adapter_dir} stores {target}, which the base lacks")
                self.replaced[target] = key
        self._cache: tuple[str, torch.Tensor, torch.Tensor] | None = None
        self._lock = threading.Lock()

    def _ab(self, target: str) -> tuple[torch.Tensor, torch.Tensor]:
        with self._lock:
            if self._cache is None or self._cache[0] != target:
                mod = self.modules[target]
                a = self.adapter.read(mod.a).reshape(self.adapter.tensors[mod.a].shape).float()
                b = self.adapter.read(mod.b).reshape(self.adapter.tensors[mod.b].shape).float()
                self._cache = (target, a, b)
            return self._cache[1], self._cache[2]

    def read_into(self, name: str, start: int, stop: int, out: torch.Tensor) -> torch.Tensor:
        if name in self.replaced:   # the adapter's full copy is the new base of this module
            view = out[: (stop - start) * self.base.tensors[name].dtype.itemsize].view(self.base.tensors[name].dtype)
            view.copy_(self.adapter.read(self.replaced[name], start, stop))
        else:
            view = self.base.read_into(name, start, stop, out)
        mod = self.modules.get(name)
        if mod is None:
            return view
        rows, cols = self.base.tensors[name].shape
        r0, r1 = start // cols, -(-stop // cols)
        a, b = self._ab(name)
        delta = (b @ a[:, r0:r1]).T if mod.embedding else b[r0:r1] @ a
        delta = delta.reshape(-1)[start - r0 * cols: stop - r0 * cols] * mod.scale
        view.copy_(view.float() + delta)
        return view

    def close(self) -> None:
        self.base.close()
        self.adapter.close()


def _pattern(patterns: dict[str, Any], module: str, default: float) -> float:
    for pat, val in patterns.items():   # PEFT's rule: the pattern matches a suffix of the module
        if re.match(rf"(.*\.)?({pat})$", module):
            return float(val)
    return default


@dataclass
class Parent:
    """One opened parent: where it is, what its tensors are, its config and tokenizer folder."""

    ref: str
    path: Path                          # the weights' directory (the adapter's for a LoRA parent)
    source: Any                         # Checkpoint or LoraCheckpoint
    config: dict[str, Any]
    tokenizer_dir: Path
    base_path: Path | None = None       # the base under a LoRA adapter
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def tensors(self) -> dict[str, TensorInfo]:
        return self.source.tensors

    def close(self) -> None:
        self.source.close()


def open_parent(ref: str) -> Parent:
    """Open a parent reference (see module docstring); validates shards, reads only headers."""
    base_ref, plus, adapter_ref = ref.partition("+")
    if plus:
        adapter_dir, base_dir = locate(adapter_ref), locate(base_ref)
    else:
        path = locate(ref)
        if not (path / "adapter_config.json").is_file():
            return Parent(ref, path, Checkpoint.open(path), _config(path), path)
        adapter_dir = path
        base_name = json.loads((path / "adapter_config.json").read_text()).get("base_model_name_or_path")
        if not base_name:
            raise UserError(f"adapter {path} names no base model; write the parent as BASE+{ref}")
        base_dir = locate(base_name)
    lora = LoraCheckpoint(Checkpoint.open(base_dir), adapter_dir)
    has_tok = any((adapter_dir / f).is_file() for f in ("tokenizer.json", "tokenizer_config.json"))
    return Parent(ref, adapter_dir, lora, _config(base_dir), adapter_dir if has_tok else base_dir,
                  base_path=base_dir)


def _config(path: Path) -> dict[str, Any]:
    cfg = path / "config.json"
    if not cfg.is_file():
        raise UserError(f"no config.json in {path}")
    return json.loads(cfg.read_text())
