"""The mergekit 0.1.5 config equivalent to a thaibench merge, written next to the weights.

`mergekit-yaml mergekit_config.yml OUT` reproduces the merge's tensors (to float rounding; DARE
masks are random in both tools, equal in distribution only). How thaibench-only settings are
spelled for mergekit:
- per-layer lists and presets become gradients as long as the layer stack (mergekit's gradient
  then lands on each knot); `1 - S` is applied to the values;
- per-component values become mergekit filters (`norm`, `embed_tokens`, `lm_head`, `self_attn`,
  `mlp`, in the order that keeps them disjoint);
- thaibench's boundary rule (final norm and lm_head take the last layer's value) becomes a filter
  on each of those tensor names holding that value, since mergekit would give them t = 0;
- float32 arithmetic becomes `dtype: float32` (mergekit computes task vectors in the load dtype),
  and the output dtype is written out.
No file is written when no mergekit config is equivalent: resized vocabularies, a filter inside
a filter, per-layer values combined with mergekit slices, or mixed output dtypes.

Example: to_mergekit(spec, plan, parents) -> "merge_method: linear\\nmodels: ..." or None
"""

from __future__ import annotations

from typing import Any

import yaml

from thaibench.merge.params import COMPONENTS, MERGEKIT_FILTERS, Position, evaluate, preset_values
from thaibench.merge.plan import MergePlan
from thaibench.merge.stio import dtype_name


class NotExpressible(Exception):
    pass


def _complement(v: Any) -> Any:
    if isinstance(v, list):
        if v and isinstance(v[0], dict):
            return [{**c, "value": _complement(c["value"])} for c in v]
        return [1 - x for x in v]
    return 1 - v


def _value(setting: Any, n_layers: int, nested: bool = False) -> Any:
    if isinstance(setting, (bool, int, float)):
        return setting
    (key, val), = setting.items()
    if key in ("gradient", "per_layer"):
        return list(val)
    if key == "preset":
        return preset_values(val, n_layers)
    if key == "one_minus":
        return _complement(_value(val, n_layers, nested))
    if nested:
        raise NotExpressible("a filter inside a filter")
    if key == "components":
        order = ["norms", "embeddings", "lm_head", "attention", "mlp"]
        out = [{"filter": MERGEKIT_FILTERS[c], "value": _value(val[c], n_layers, True)} for c in order if c in val]
        if "default" in val:
            out.append({"value": _value(val["default"], n_layers, True)})
        return out
    if key == "filters":
        return [({"filter": f} if f else {}) | {"value": _value(s, n_layers, True)} for f, s in val]
    raise NotExpressible(key)


def _setting(setting: Any, plan: MergePlan, boundary: list[Position]) -> Any:
    value = _value(setting, plan.n_layers)
    if isinstance(value, (bool, int, float)) or not boundary:
        return value
    pinned = [{"filter": pos.name, "value": v} for pos in boundary
              if (v := evaluate(setting, pos)) is not None]
    rest = value if isinstance(value, list) and value and isinstance(value[0], dict) else [{"value": value}]
    return pinned + rest


def _params(settings: Any, plan: MergePlan, boundary: list[Position]) -> dict[str, Any] | None:
    if not settings:
        return None
    return {k: _setting(v, plan, boundary) for k, v in settings.items()}


def _refs(spec: Any, parents: list[Any]) -> list[str]:
    out = []
    for ref, p in zip(spec.parents, parents, strict=True):
        out.append(ref if p.base_path is None or "+" in ref else f"{p.base_path}+{ref}")
    return out


def to_mergekit(spec: Any, plan: MergePlan, parents: list[Any]) -> str | None:
    try:
        return _to_mergekit(spec, plan, parents)
    except NotExpressible:
        return None


def _to_mergekit(spec: Any, plan: MergePlan, parents: list[Any]) -> str:
    p = spec.params
    compat = bool(p.get("mergekit_compat"))
    if p.get("resize_vocab") and plan.vocab_rows is not None:
        raise NotExpressible("resized vocabulary")
    boundary = [] if compat else [
        Position(op.name, None, plan.n_layers, 0, plan.n_layers, "last", False)
        for op in plan.ops if op.method is not None and _is_last_boundary(op.name)]
    if p.get("slices") and not compat:
        raise NotExpressible("slices with thaibench's boundary rule")
    refs = _refs(spec, parents)
    cfg: dict[str, Any] = {"merge_method": spec.generator}
    if p.get("base") is not None:
        cfg["base_model"] = refs[p["base"]]
    n_models = len(p["models"])
    if p.get("slices"):
        slices = []
        for sl in p["slices"]:
            srcs = []
            for i in range(n_models):
                src: dict[str, Any] = {"model": refs[i], "layer_range": list(sl["layers"])}
                own = (sl.get("models") or [{}] * n_models)[i].get("parameters") or p["models"][i].get("parameters")
                if own:
                    src["parameters"] = _params(own, plan, boundary)
                srcs.append(src)
            entry: dict[str, Any] = {"sources": srcs}
            if sl.get("parameters"):
                entry["parameters"] = _params(sl["parameters"], plan, boundary)
            slices.append(entry)
        cfg["slices"] = slices
    else:
        models = []
        for i in range(n_models):
            m: dict[str, Any] = {"model": refs[i]}
            own = p["models"][i].get("parameters")
            if own:
                m["parameters"] = _params(own, plan, boundary)
            models.append(m)
        cfg["models"] = models
    if p.get("parameters"):
        cfg["parameters"] = _params(p["parameters"], plan, boundary)
    float_ops = [op for op in plan.ops if op.method is not None]
    if compat:
        if p.get("dtype"):
            cfg["dtype"] = p["dtype"]
        if p.get("out_dtype"):
            cfg["out_dtype"] = p["out_dtype"]
    else:
        outs = {op.out_dtype for op in float_ops}
        if len(outs) != 1:
            raise NotExpressible("mixed output dtypes")
        cfg["dtype"] = dtype_name(float_ops[0].in_dtype)
        cfg["out_dtype"] = dtype_name(outs.pop())
    donor = p["base"] if p.get("base") is not None else 0
    if int(p.get("tokenizer_source", 0)) != donor:
        cfg["tokenizer_source"] = refs[int(p["tokenizer_source"])]
    head = ["# Equivalent mergekit 0.1.5 config, written by `thaibench merge`.",
            "# mergekit-yaml mergekit_config.yml OUT_DIR gives the same tensors (to float rounding)."]
    if getattr(plan.method, "sparsify", None) == "random":
        head.append("# DARE masks are random: mergekit draws them from torch's global generator "
                    "(--random-seed), so its tensors differ from these in value, not in distribution.")
    return "\n".join(head) + "\n" + yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True)


def _is_last_boundary(name: str) -> bool:
    from thaibench.merge.params import component, layer_index

    return layer_index(name) is None and component(name) != "embeddings"


__all__ = ["to_mergekit", "COMPONENTS"]
