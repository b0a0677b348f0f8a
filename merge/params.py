"""Merge parameter settings: scalars, per-layer lists, gradients, presets, per-component values.

A *setting* says what value a merge parameter (`weight`, `t`, `density`, ...) takes for each
tensor. It is plain JSON, so it is part of a candidate's id, and it is normalised into one
tagged form so that two spellings of the same schedule give the same id:

| written                                   | normalised                               |
|-------------------------------------------|------------------------------------------|
| `0.5`, `true`                             | `0.5`, `true`                            |
| `[0.0, 0.5, 1.0]` (mergekit gradient)     | `{"gradient": [0.0, 0.5, 1.0]}`          |
| `{"per_layer": [...]}` (one per layer)    | `{"per_layer": [...]}`                   |
| `"m3"` / `{"preset": "m3"}`               | `{"preset": "m3"}`                       |
| `{"attention": 0.3, "mlp": 0.7, ...}`     | `{"components": {...}}`                  |
| mergekit `[{"filter": "mlp", "value": x}]`| `{"filters": [["mlp", x], [null, y]]}`   |
| (internal) `1 - S`                        | `{"one_minus": S}`                       |

Gradients interpolate exactly as mergekit 0.1.5 does (`mergekit.config.evaluate_setting`): a
tensor at relative depth t in [0, 1] (layer i of n: t = i / (n - 1)) reads position
t * (len - 1) of the list, linearly between neighbours. A gradient as long as the layer stack is
therefore a per-layer list; thaibench computes the position with integers so that such a list
is reproduced exactly (mergekit's float t can land one ulp short of a knot).

Presets are the layer schedules of the merge recipe in Pipatanakul et al., "Adapting
Language-Specific LLMs to a Reasoning Model in One Day via Model Merging - An Open Recipe"
(arXiv:2502.09056, SCB 10X). Each gives the reasoning model's share per layer, for any depth:
- `m1`: 0.25 everywhere; `m2`: 0.75 everywhere;
- `m3`: 0.75 up to the paper's breakpoint, then falling linearly to 0.125 at the last layer. The
  paper's 80-layer model has the breakpoint at layer 53 (0.75 on layers 0-53, 0.125 at layer 79);
  other depths put it at the same relative depth, round(53 * (n - 1) / 79).
The paper merges with mergekit's `dare_linear`, which needs a base model that the paper does not
name. A share of the reasoning model only reads as "x% reasoning model" when the base is the
language-specific model itself (then `base + x (reasoning - base)` = `(1 - x) thai + x reasoning`),
so the presets assume that base: the first model of a two-model merge.

Tensors outside the layer stack (embeddings, final norm, lm_head) have no layer of their own.
mergekit silently gives them the value at t = 0 (the first value of a gradient). thaibench's
default policy gives each the value of the layer it talks to: embeddings that of the first layer,
final norm and lm_head that of the last layer, so an M3 merge keeps the language model's output
head as it keeps its last layers. `mergekit_compat: true` restores mergekit's rule. Both can be
overridden per component (`embeddings`, `lm_head`, `norms`).

Components (from tensor names of Llama/Qwen-style checkpoints): `norms` (any `*norm*` module,
including the final norm), `attention` (`self_attn`/`attn`/`attention`), `mlp` (`mlp`,
`feed_forward`), `embeddings` (`embed_tokens`/`wte`), `lm_head`; `default` covers the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from thaibench.errors import UserError

COMPONENTS = ("attention", "mlp", "norms", "embeddings", "lm_head", "default")
PRESETS = ("m1", "m2", "m3")
# mergekit filters (substring of the tensor name) that select the same tensors as a component,
# in the order that keeps them disjoint for Llama/Qwen names ("norm" before "self_attn" so that
# a Qwen3 `self_attn.q_norm` is a norm in both).
MERGEKIT_FILTERS = {"norms": "norm", "embeddings": "embed_tokens", "lm_head": "lm_head",
                    "attention": "self_attn", "mlp": "mlp"}

_LAYER_RE = re.compile(r"(?:^|\.)(?:layers|h|blocks)\.(\d+)\.")


def layer_index(name: str) -> int | None:
    """Index of the decoder layer a tensor belongs to, or None outside the layer stack."""
    m = _LAYER_RE.search(name)
    return int(m.group(1)) if m else None


def component(name: str) -> str:
    """The component a tensor belongs to (see module docstring)."""
    parts = name.split(".")
    module = parts[-2] if len(parts) >= 2 else name
    if "norm" in module:
        return "norms"
    if layer_index(name) is None:
        if "embed" in name or module == "wte":
            return "embeddings"
        if name.startswith("lm_head") or module in ("lm_head", "output"):
            return "lm_head"
        return "default"
    if any(k in parts for k in ("self_attn", "attn", "attention")):
        return "attention"
    if any(k in parts for k in ("mlp", "feed_forward")):
        return "mlp"
    return "default"


def preset_values(name: str, n_layers: int) -> list[float]:
    """The per-layer reasoning-model share of a paper preset for a stack of `n_layers`."""
    if name == "m1":
        return [0.25] * n_layers
    if name == "m2":
        return [0.75] * n_layers
    if name == "m3":
        last = n_layers - 1
        if last <= 0:
            return [0.75] * n_layers
        brk = round(53 * last / 79)
        vals = []
        for i in range(n_layers):
            if i <= brk:
                vals.append(0.75)
            else:  # linear from 0.75 at the breakpoint to 0.125 at the last layer
                vals.append(0.75 + (0.125 - 0.75) * (i - brk) / (last - brk))
        return vals
    raise UserError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")


def normalize(setting: Any, where: str) -> Any:
    """Validate a setting as written by a user and return its normalised JSON form."""
    if isinstance(setting, bool) or isinstance(setting, (int, float)):
        return setting
    if isinstance(setting, str):
        if setting.lower() in PRESETS:
            return {"preset": setting.lower()}
        raise UserError(f"{where}: {setting!r} is neither a number nor a preset ({', '.join(PRESETS)})")
    if isinstance(setting, list):
        if not setting:
            raise UserError(f"{where}: an empty list is not a setting")
        if all(isinstance(v, dict) and "value" in v for v in setting):
            filters = []
            for v in setting:
                extra = set(v) - {"value", "filter"}
                if extra:
                    raise UserError(f"{where}: unknown key {sorted(extra)[0]!r} in a filtered value")
                f = v.get("filter")
                filters.append([None if f in (None, "*") else str(f), normalize(v["value"], where)])
            return {"filters": filters}
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in setting):
            raise UserError(f"{where}: a gradient must be a list of numbers")
        return {"gradient": list(setting)}
    if isinstance(setting, dict):
        if len(setting) == 1:
            (key, val), = setting.items()
            if key in ("gradient", "per_layer"):
                if not (isinstance(val, list) and val and all(
                        isinstance(v, (int, float)) and not isinstance(v, bool) for v in val)):
                    raise UserError(f"{where}: {key} must be a non-empty list of numbers")
                return {key: list(val)}
            if key == "preset":
                return normalize(str(val), where)
            if key == "one_minus":
                return {"one_minus": normalize(val, where)}
            if key in ("filters", "components"):
                return _normalize_tagged(key, val, where)
        unknown = [k for k in setting if k not in COMPONENTS]
        if unknown:
            raise UserError(f"{where}: unknown component {unknown[0]!r}; known: {', '.join(COMPONENTS)}")
        return {"components": {k: normalize(v, f"{where}.{k}") for k, v in sorted(setting.items())}}
    raise UserError(f"{where}: unsupported value {setting!r}")


def _normalize_tagged(key: str, val: Any, where: str) -> Any:
    if key == "filters":
        return {"filters": [[f, normalize(v, where)] for f, v in val]}
    return normalize(dict(val), where) if val else {"components": {}}


def one_minus(setting: Any) -> Any:
    """The setting 1 - S (the first model's share when S is the last model's)."""
    if isinstance(setting, (int, float)) and not isinstance(setting, bool):
        return 1 - setting
    return {"one_minus": setting}


@dataclass(frozen=True)
class Position:
    """Where a tensor sits: its layer (None outside the stack) and the slice it is read in."""

    name: str
    layer: int | None       # global layer index
    n_layers: int           # layers in the whole stack
    slice_start: int        # first global layer of the slice that positions this tensor
    slice_len: int          # layers in that slice
    boundary: str           # "first" (embeddings), "last" (final norm, lm_head) or "layer"
    mergekit_compat: bool

    def depth(self) -> tuple[int, int]:
        """(numerator, denominator) of the relative depth t within the slice."""
        if self.layer is None:
            if self.mergekit_compat or self.boundary == "first":
                return (0, 1)
            return (1, 1)
        if self.slice_len <= 1:
            return (1, 1)  # mergekit: a one-layer slice sits at t = 1
        return (self.layer - self.slice_start, self.slice_len - 1)

    def global_layer(self) -> int:
        if self.layer is not None:
            return self.layer
        if self.mergekit_compat or self.boundary == "first":
            return self.slice_start
        return self.slice_start + self.slice_len - 1


def evaluate(setting: Any, pos: Position) -> Any:
    """The value of a normalised setting for one tensor; None when no filter/component matches."""
    if setting is None or isinstance(setting, (bool, int, float)):
        return setting
    (key, val), = setting.items()
    if key == "gradient":
        return _gradient(val, pos)
    if key == "per_layer":
        return _per_layer(val, pos)
    if key == "preset":
        return _per_layer(preset_values(val, pos.n_layers), pos)
    if key == "one_minus":
        inner = evaluate(val, pos)
        return None if inner is None else 1 - inner
    if key == "components":
        comp = component(pos.name)
        if comp in val:
            return evaluate(val[comp], pos)
        return evaluate(val.get("default"), pos)
    if key == "filters":
        for flt, sub in val:
            if flt is None or flt in pos.name:
                return evaluate(sub, pos)
        return None
    raise ValueError(f"not a normalised setting: {setting!r}")


def _per_layer(values: list[float], pos: Position) -> float:
    if len(values) != pos.n_layers:
        raise UserError(f"a per-layer list has {len(values)} values for {pos.n_layers} layers")
    return values[pos.global_layer()]


def _gradient(values: list[float], pos: Position) -> float:
    if len(values) == 1:
        return values[0]
    num, den = pos.depth()
    if pos.mergekit_compat:
        # mergekit 0.1.5, bit for bit: float t, then int() of t * (len - 1)
        t = num / den
        scaled = t * (len(values) - 1)
        i0 = int(scaled)
        i1 = min(len(values) - 1, i0 + 1)
        frac = scaled - i0
        return (1 - frac) * values[i0] + frac * values[i1]
    # the same interpolation with an exact knot position
    top = num * (len(values) - 1)
    i0, rem = divmod(top, den)
    if rem == 0:
        return values[i0]
    frac = rem / den
    return (1 - frac) * values[i0] + frac * values[i0 + 1]


def schedule(setting: Any, n_layers: int, name_template: str = "model.layers.{}.mlp.up_proj.weight",
             mergekit_compat: bool = False) -> list[float]:
    """The per-layer values of a setting over a whole stack (for display and tests)."""
    setting = normalize(setting, "schedule")
    return [evaluate(setting, Position(name_template.format(i), i, n_layers, 0, n_layers, "layer",
                                       mergekit_compat)) for i in range(n_layers)]
