"""Merge configs: thaibench's own format and mergekit YAML, both read into one candidate spec.

thaibench config (YAML or JSON):

    method: dare_linear                 # linear | task_arithmetic | ties | dare_linear | dare_ties | slerp
    models: [./typhoon2-70b, ./r1-distill-70b]   # or [{model: REF, parameters: {...}}, ...]
    base: ./typhoon2-70b                # required by task_arithmetic, ties, dare_*; slerp's t=0 end
    ratio: m3                           # two models: the LAST model's share (weights 1-r, r; slerp t=r)
    parameters: {density: 1.0}          # method parameters; any value may be a schedule
    tokenizer_source: ./typhoon2-70b    # tokenizer, chat template, generation config (default: model 0)
    out_dtype: bfloat16                 # default: the first model's dtype
    mergekit_compat: false              # true: mergekit 0.1.5's exact arithmetic and boundary rule
    resize_vocab: false                 # true: merge the shared rows, copy the rest from tokenizer_source
    seed: 0                             # DARE masks

A mergekit YAML (it has `merge_method`) is read as mergekit reads it and runs in mergekit-compatible
mode, so existing configs give mergekit's tensors; keys this merge does not implement (`modules`,
`tokenizer`, `chat_template`, `residual_weight`, layer ranges that rearrange layers, ...) are
errors naming the key, never ignored.

The normalised params (JSON, part of the candidate id) name parents by position, never by path:
`models[i]` is `parents[i]`; a base that is not one of the models is the last parent.
"""

from __future__ import annotations

from typing import Any

from thaibench.errors import UserError
from thaibench.merge.params import normalize, one_minus

TB_KEYS = ("method", "models", "base", "ratio", "parameters", "tokenizer_source", "out_dtype", "dtype",
           "mergekit_compat", "resize_vocab", "seed", "slices")
MK_KEYS = ("merge_method", "models", "slices", "base_model", "dtype", "out_dtype", "parameters",
           "tokenizer_source")
MK_UNSUPPORTED = ("modules", "tokenizer", "chat_template")


def _method(name: str) -> Any:
    from thaibench.candidates import GENERATORS

    if name not in GENERATORS or not hasattr(GENERATORS.get(name), "method"):
        known = [n for n in GENERATORS.names() if hasattr(GENERATORS.get(n), "method")]
        raise UserError(f"unknown merge method {name!r}; known: {', '.join(known)}")
    return GENERATORS.get(name).method


def _check_params(method: Any, settings: Any, where: str, per_model: bool) -> dict[str, Any] | None:
    if settings is None:
        return None
    if not isinstance(settings, dict):
        raise UserError(f"{where}: parameters must be a mapping")
    out = {}
    for key, val in settings.items():
        spec = method.param(key)
        if spec is None:
            known = ", ".join(p.name for p in method.params)
            raise UserError(f"{where}: unknown parameter {key!r} for {method.name} (known: {known})")
        if per_model and spec.scope == "shared":
            raise UserError(f"{where}: {key!r} is shared by all models; set it under top-level parameters")
        out[key] = normalize(val, f"{where}.{key}")
    return out


def _model_entries(models: Any, where: str) -> list[tuple[str, Any]]:
    if not isinstance(models, list) or not models:
        raise UserError(f"{where}: `models` must be a non-empty list")
    out = []
    for m in models:
        if isinstance(m, str):
            out.append((m, None))
        elif isinstance(m, dict) and "model" in m:
            extra = set(m) - {"model", "parameters"}
            if extra:
                raise UserError(f"{where}: unknown key {sorted(extra)[0]!r} in a model entry")
            out.append((str(m["model"]), m.get("parameters")))
        else:
            raise UserError(f"{where}: a model entry is a reference or {{model: REF, parameters: ...}}")
    return out


def _parents(refs: list[str], base: str | None) -> tuple[tuple[str, ...], int | None]:
    if len(set(refs)) != len(refs):
        raise UserError("a model is listed twice")
    if base is None:
        return tuple(refs), None
    if base in refs:
        return tuple(refs), refs.index(base)
    return (*refs, base), len(refs)


def _tokenizer_source(value: Any, parents: tuple[str, ...], base: int | None) -> int:
    if value is None:
        return 0
    if value == "base":
        if base is None:
            raise UserError("tokenizer_source: base, but no base model is named")
        return base
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(parents):
        return value
    if value == "union":
        raise UserError("tokenizer_source: union is not supported; name one parent (and --resize-vocab)")
    if str(value) not in parents:
        raise UserError(f"tokenizer_source {value!r} is not one of the models or the base")
    return parents.index(str(value))


def from_thaibench(cfg: dict[str, Any]) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """(method, parent refs, normalised params) of a thaibench merge config."""
    unknown = [k for k in cfg if k not in TB_KEYS]
    if unknown:
        raise UserError(f"unknown key {unknown[0]!r} in merge config; known: {', '.join(TB_KEYS)}")
    if "method" not in cfg:
        raise UserError("merge config needs `method`")
    method = _method(str(cfg["method"]))
    entries = _model_entries(cfg.get("models"), "merge config")
    parents, base = _parents([r for r, _ in entries], cfg.get("base"))
    models = [{"parameters": _check_params(method, p, f"models[{i}].parameters", True)}
              for i, (_, p) in enumerate(entries)]
    glob = _check_params(method, cfg.get("parameters"), "parameters", False) or {}
    if "ratio" in cfg:
        ratio = normalize(cfg["ratio"], "ratio")
        if len(entries) != 2:
            raise UserError(f"ratio needs exactly two models, got {len(entries)}")
        if method.name == "slerp":
            if "t" in glob:
                raise UserError("set either ratio or parameters.t, not both")
            glob["t"] = ratio
        else:
            if any("weight" in (m["parameters"] or {}) for m in models) or "weight" in glob:
                raise UserError("set either ratio or weight, not both")
            models[0]["parameters"] = {**(models[0]["parameters"] or {}), "weight": one_minus(ratio)}
            models[1]["parameters"] = {**(models[1]["parameters"] or {}), "weight": ratio}
    compat = bool(cfg.get("mergekit_compat", False))
    if cfg.get("dtype") is not None and not compat:
        raise UserError("dtype is mergekit's load-time cast (mergekit_compat: true); "
                        "thaibench computes in float32 - set out_dtype for the result")
    params = {
        "models": models, "base": base, "parameters": glob,
        "slices": _tb_slices(method, cfg.get("slices"), len(entries)),
        "tokenizer_source": _tokenizer_source(cfg.get("tokenizer_source"), parents, base),
        "out_dtype": cfg.get("out_dtype"), "dtype": cfg.get("dtype"), "mergekit_compat": compat,
        "resize_vocab": bool(cfg.get("resize_vocab", False)), "seed": int(cfg.get("seed", 0)),
    }
    validate(method, params, len(parents))
    return method.name, parents, params


def _tb_slices(method: Any, slices: Any, n_models: int) -> list[dict] | None:
    """`slices` in thaibench's own form (as thaibench_merge.json writes it for a mergekit config):
    [{layers: [a, b], parameters: {...}, models: [{parameters: {...}}, ...]}, ...]."""
    if slices is None:
        return None
    out, end = [], 0
    for i, sl in enumerate(slices if isinstance(slices, list) else [None]):
        if not isinstance(sl, dict) or set(sl) - {"layers", "parameters", "models"}:
            raise UserError(f"slices[{i}] must be {{layers: [a, b], parameters: ..., models: [...]}}")
        a, b = sl.get("layers") or (None, None)
        if a != end or not isinstance(b, int) or b <= a:
            raise UserError(f"slices[{i}]: layers must continue from layer {end}")
        models = sl.get("models") or [{"parameters": None}] * n_models
        if len(models) != n_models:
            raise UserError(f"slices[{i}]: one entry per model ({n_models}) in models")
        out.append({"layers": [a, b],
                    "parameters": _check_params(method, sl.get("parameters"), f"slices[{i}].parameters", False),
                    "models": [{"parameters": _check_params(method, (m or {}).get("parameters"),
                                                            f"slices[{i}].models[{j}].parameters", True)}
                               for j, m in enumerate(models)]})
        end = b
    return out


def from_mergekit(cfg: dict[str, Any]) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """(method, parent refs, normalised params) of a mergekit YAML, in mergekit-compatible mode."""
    for key in cfg:
        if key in MK_UNSUPPORTED:
            raise UserError(f"mergekit key {key!r} is not supported by thaibench merge")
        if key not in MK_KEYS:
            raise UserError(f"unknown mergekit key {key!r}")
    method = _method(str(cfg["merge_method"]))
    if ("models" in cfg) == ("slices" in cfg):
        raise UserError("a mergekit config needs exactly one of `models` or `slices`")
    slices = None
    if "slices" in cfg:
        entries, slices = _mk_slices(method, cfg["slices"], cfg.get("base_model"))
    else:
        entries = _model_entries(cfg["models"], "models")
    if method.base != "ignored" and not cfg.get("base_model"):
        raise UserError(f"{method.name} needs a base model: mergekit requires `base_model` for it")
    parents, base = _parents([r for r, _ in entries], cfg.get("base_model"))
    models = [{"parameters": _check_params(method, p, f"models[{i}].parameters", True)}
              for i, (_, p) in enumerate(entries)]
    tok = cfg.get("tokenizer_source")
    params = {
        "models": models, "base": base,
        "parameters": _check_params(method, cfg.get("parameters"), "parameters", False) or {},
        "slices": slices,
        "tokenizer_source": _tokenizer_source(tok, parents, base) if tok is not None else (base or 0),
        "out_dtype": cfg.get("out_dtype"), "dtype": cfg.get("dtype"), "mergekit_compat": True,
        "resize_vocab": False, "seed": 0,
    }
    validate(method, params, len(parents))
    return method.name, parents, params


def _mk_slices(method: Any, slices: Any, base_model: Any) -> tuple[list[tuple[str, Any]], list[dict]]:
    if not isinstance(slices, list) or not slices:
        raise UserError("`slices` must be a non-empty list")
    refs: list[str] | None = None
    out, end = [], 0
    for i, sl in enumerate(slices):
        for key in sl:
            if key not in ("sources", "parameters", "base_model"):
                raise UserError(f"slices[{i}]: key {key!r} is not supported by thaibench merge")
        if sl.get("base_model") not in (None, base_model):
            raise UserError(f"slices[{i}].base_model differs from base_model; not supported")
        srcs = sl.get("sources") or []
        ranges = {tuple(s.get("layer_range", ())) for s in srcs}
        these = [str(s.get("model")) for s in srcs]
        if len(ranges) != 1 or refs not in (None, these):
            raise UserError(f"slices[{i}]: layer_range must be the same for every source, and every "
                            "slice must list the same models (rearranging layers is not supported)")
        (a, b), = ranges
        if a != end or b <= a:
            raise UserError(f"slices[{i}]: layer_range [{a}, {b}] must continue from layer {end}")
        for s in srcs:
            extra = set(s) - {"model", "layer_range", "parameters"}
            if extra:
                raise UserError(f"slices[{i}].sources: key {sorted(extra)[0]!r} is not supported")
        refs, end = these, b
        out.append({"layers": [a, b],
                    "parameters": _check_params(method, sl.get("parameters"), f"slices[{i}].parameters", False),
                    "models": [{"parameters": _check_params(method, s.get("parameters"),
                                                            f"slices[{i}].sources[{j}].parameters", True)}
                               for j, s in enumerate(srcs)]})
    return [(r, None) for r in refs or []], out


def input_layout(method: Any, params: dict[str, Any], n_parents: int) -> tuple[tuple[int, ...], int | None]:
    """(parent indices fed to the method, position of the base among them)."""
    n_models, base = len(params["models"]), params.get("base")
    if method.base == "ignored":
        if base is not None and base >= n_models:
            raise UserError(f"{method.name} takes no base model; list it under models instead")
        inputs, pos = tuple(range(n_models)), None
    else:
        if base is None:
            if method.base == "required":
                raise UserError(f"{method.name} needs a base model: name it with `base:` (mergekit: "
                                "base_model) - the common ancestor of the models, or the language "
                                "model itself for the paper's m1/m2/m3 presets")
            base = 0
        inputs = tuple(range(n_models)) + ((base,) if base >= n_models else ())
        pos = inputs.index(base)
    if len(inputs) < method.min_inputs or (method.max_inputs and len(inputs) > method.max_inputs):
        want = method.min_inputs if method.max_inputs == method.min_inputs else f"at least {method.min_inputs}"
        raise UserError(f"{method.name} merges {want} models (base included); got {len(inputs)}")
    return inputs, pos


def validate(method: Any, params: dict[str, Any], n_parents: int) -> None:
    input_layout(method, params, n_parents)
    if params.get("out_dtype"):
        from thaibench.merge.stio import dtype_from_name

        dtype_from_name(str(params["out_dtype"]))
