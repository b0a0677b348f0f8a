"""Equivalence with mergekit 0.1.5 (LGPL; a test-only peer, run in-process) on pico parents.

Every tensor of every parent is random (norms and biases too), the models are "fine-tunes" of a
shared base so task vectors are small, and each merge compares all tensors: max |diff| <= 1e-6
in float32. DARE is random in both tools, so it is compared in distribution.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from thaibench.candidates import CandidateSpec
from thaibench.merge.build import merge_to_disk
from thaibench.merge.spec import from_mergekit, from_thaibench

mk = pytest.importorskip("mergekit.merge")
TOL = 1e-6


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    """{arch: {"base", "a", "b", "c"}}: pico Llama and Qwen2 parents sharing a base."""
    from thaibench.merge.synthetic import synthetic_checkpoint
    from thaibench.mini.pico import build_tokenizer

    tok = build_tokenizer()
    root = tmp_path_factory.mktemp("family")
    out = {}
    for arch in ("llama", "qwen2"):
        base = synthetic_checkpoint(root / arch / "base", arch=arch, seed=10, tokenizer=tok)
        out[arch] = {"base": str(base)}
        for i, name in enumerate("abc"):
            out[arch][name] = str(synthetic_checkpoint(root / arch / name, arch=arch, seed=20 + i, like=base,
                                                       scale=0.01, tokenizer=tok))
    return out


def run_mergekit(cfg: dict, out: Path) -> dict[str, torch.Tensor]:
    from mergekit.config import MergeConfiguration
    from mergekit.options import MergeOptions

    mk.run_merge(MergeConfiguration.model_validate(copy.deepcopy(cfg)), str(out),
                 MergeOptions(quiet=True, copy_tokenizer=False, write_model_card=False))
    return load_file(str(out / "model.safetensors"))


def run_thaibench(spec: CandidateSpec, out: Path) -> dict[str, torch.Tensor]:
    merge_to_disk(spec, out, warn=lambda m: None)
    return load_file(str(out / "model.safetensors"))


def spec_of(cfg: dict) -> CandidateSpec:
    f = from_mergekit if "merge_method" in cfg else from_thaibench
    return CandidateSpec(*f(copy.deepcopy(cfg)))


def max_diff(x: dict, y: dict) -> float:
    assert set(x) == set(y)
    return max(float((x[k].float() - y[k].float()).abs().max()) for k in x)


def configs(m: dict) -> dict[str, dict]:
    a, b, c, base = m["a"], m["b"], m["c"], m["base"]
    return {
        "linear_gradient": {"merge_method": "linear", "dtype": "float32", "models": [
            {"model": a, "parameters": {"weight": [1.0, 0.3, 0.0]}},
            {"model": b, "parameters": {"weight": [0.0, 0.7, 1.0]}}]},
        "linear_filters_unnormalised": {"merge_method": "linear", "models": [
            {"model": a, "parameters": {"weight": [{"filter": "self_attn", "value": 0.2},
                                                   {"filter": "mlp", "value": [0.9, 0.1]}, {"value": 0.5}]}},
            {"model": b, "parameters": {"weight": 0.4}}, {"model": c, "parameters": {"weight": 0.3}}],
            "parameters": {"normalize": False}},
        "per_layer_weights": {"merge_method": "linear", "models": [
            {"model": a, "parameters": {"weight": [0.1, 0.9, 0.4, 0.6]}},
            {"model": b, "parameters": {"weight": [0.9, 0.1, 0.6, 0.4]}}]},
        "task_arithmetic": {"merge_method": "task_arithmetic", "base_model": base, "models": [
            {"model": a, "parameters": {"weight": [0.5, 1.0]}}, {"model": b, "parameters": {"weight": 0.7}}],
            "parameters": {"lambda": 0.9}},
        "ties": {"merge_method": "ties", "base_model": base, "models": [
            {"model": a, "parameters": {"weight": 0.6, "density": 0.5}},
            {"model": b, "parameters": {"weight": 0.4, "density": [0.3, 0.8]}},
            {"model": c, "parameters": {"weight": 0.5, "density": 1.0}}]},
        "ties_rescaled": {"merge_method": "ties", "base_model": base, "models": [
            {"model": a, "parameters": {"weight": 1.0, "density": 0.4}},
            {"model": b, "parameters": {"weight": 1.0, "density": 0.6}}],
            "parameters": {"rescale": True, "normalize": False}},
        "slerp": {"merge_method": "slerp", "base_model": a, "models": [{"model": a}, {"model": b}],
                  "parameters": {"t": [{"filter": "self_attn", "value": [0, 0.5, 0.3, 0.7, 1]},
                                       {"filter": "mlp", "value": [1, 0.5, 0.7, 0.3, 0]}, {"value": 0.5}]}},
        "slices": {"merge_method": "linear", "slices": [
            {"sources": [{"model": a, "layer_range": [0, 2], "parameters": {"weight": [1.0, 0.0]}},
                         {"model": b, "layer_range": [0, 2], "parameters": {"weight": [0.0, 1.0]}}]},
            {"sources": [{"model": a, "layer_range": [2, 4]}, {"model": b, "layer_range": [2, 4]}],
             "parameters": {"weight": 0.5}}]},
        "linear_bf16": {"merge_method": "linear", "dtype": "bfloat16", "models": [
            {"model": a, "parameters": {"weight": 0.3}}, {"model": b, "parameters": {"weight": [0.2, 0.9]}}]},
        "slerp_bf16": {"merge_method": "slerp", "base_model": b, "dtype": "bfloat16",
                       "models": [{"model": a}, {"model": b}], "parameters": {"t": [0.1, 0.6]}},
        "bf16_load_fp32_out": {"merge_method": "task_arithmetic", "base_model": base, "dtype": "bfloat16",
                               "out_dtype": "float32", "models": [{"model": a, "parameters": {"weight": 0.8}}]},
    }


CASES = ["linear_gradient", "linear_filters_unnormalised", "per_layer_weights", "task_arithmetic", "ties",
         "ties_rescaled", "slerp", "slices", "linear_bf16", "slerp_bf16", "bf16_load_fp32_out"]


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
@pytest.mark.parametrize("case", CASES)
def test_equal_to_mergekit(family, tmp_path, arch, case):
    cfg = configs(family[arch])[case]
    theirs = run_mergekit(cfg, tmp_path / "mk")
    ours = run_thaibench(spec_of(cfg), tmp_path / "tb")
    assert max_diff(ours, theirs) <= TOL
    assert all(ours[k].dtype == theirs[k].dtype for k in ours)


def test_boundary_policy_differs_only_on_final_norm_and_lm_head(family, tmp_path):
    m = family["qwen2"]
    mk_cfg = {"merge_method": "linear", "models": [
        {"model": m["a"], "parameters": {"weight": [0.9, 0.1]}},
        {"model": m["b"], "parameters": {"weight": [0.1, 0.9]}}]}
    theirs = run_mergekit(mk_cfg, tmp_path / "mk")
    tb_cfg = {"method": "linear", "models": [m["a"], m["b"]], "ratio": [0.1, 0.9]}
    ours = run_thaibench(spec_of(tb_cfg), tmp_path / "tb")
    compat = run_thaibench(spec_of({**tb_cfg, "mergekit_compat": True}), tmp_path / "compat")
    assert max_diff(compat, theirs) <= TOL                  # compat mode: mergekit's rule
    differ = {k for k in ours if float((ours[k] - theirs[k]).abs().max()) > TOL}
    assert differ == {"model.norm.weight", "lm_head.weight"}
    a, b = load_file(m["a"] + "/model.safetensors"), load_file(m["b"] + "/model.safetensors")
    for k in differ:                                        # thaibench: last layer's value (0.9 of b)
        assert float((ours[k] - (0.1 * a[k] + 0.9 * b[k])).abs().max()) <= TOL
        assert float((theirs[k] - (0.9 * a[k] + 0.1 * b[k])).abs().max()) <= TOL   # mergekit: t = 0
    emb = "model.embed_tokens.weight"
    assert float((ours[emb] - theirs[emb]).abs().max()) <= TOL


@pytest.mark.parametrize("cfg_name", ["m3_components", "ties_preset"])
def test_written_mergekit_yaml_reproduces_thaibench_default_mode(family, tmp_path, cfg_name):
    import yaml

    m = family["llama"]
    cfg = {
        "m3_components": {"method": "linear", "models": [m["a"], m["b"]],
                          "ratio": {"attention": "m3", "mlp": [0.2, 0.8], "default": 0.5}},
        "ties_preset": {"method": "ties", "models": [m["a"], m["b"]], "base": m["base"], "ratio": "m3",
                        "parameters": {"density": 0.5}},
    }[cfg_name]
    ours = run_thaibench(spec_of(cfg), tmp_path / "tb")
    written = yaml.safe_load((tmp_path / "tb" / "mergekit_config.yml").read_text())
    theirs = run_mergekit(written, tmp_path / "mk")
    assert max_diff(ours, theirs) <= TOL


@pytest.mark.parametrize("method", ["dare_linear", "dare_ties"])
def test_dare_matches_mergekit_in_distribution(family, tmp_path, method):
    """Same keep rate, same L1 rescale, same mean over seeds (each tool's mean -> the expectation)."""
    m = family["qwen2"]
    density = 0.6
    cfg = {"merge_method": method, "base_model": m["base"], "models": [
        {"model": m["a"], "parameters": {"weight": 1.0, "density": density}}]}
    name = "model.layers.1.mlp.up_proj.weight"
    base = load_file(m["base"] + "/model.safetensors")[name]
    delta = load_file(m["a"] + "/model.safetensors")[name] - base
    ours, theirs = [], []
    for seed in range(4):
        ours.append(run_thaibench(spec_of({"method": method, "models": [m["a"]], "base": m["base"], "seed": seed,
                                           "parameters": {"weight": 1.0, "density": density}}),
                                  tmp_path / f"tb{seed}")[name] - base)
        torch.manual_seed(seed)
        theirs.append(run_mergekit(cfg, tmp_path / f"mk{seed}")[name] - base)
    n = delta.numel()
    sd = (density * (1 - density) / n) ** 0.5
    for d in ours + theirs:
        kept = (d != 0).float().mean().item()
        assert abs(kept - density) < 5 * sd                         # keep rate
        assert d.abs().sum().item() == pytest.approx(delta.abs().sum().item(), rel=1e-4)   # L1 rescale
        assert torch.all((d == 0) | (torch.sign(d) == torch.sign(delta)))
    assert not torch.equal(ours[0], ours[1])                        # seeds matter
    mean_ours, mean_theirs = torch.stack(ours).mean(0), torch.stack(theirs).mean(0)
    # E[kept * scale] = delta: both means estimate it; the error of a 4-sample mean is bounded
    spread = delta.abs() * ((1 - density) / density / 4) ** 0.5
    for mean in (mean_ours, mean_theirs):
        z = ((mean - delta).abs() / spread.clamp_min(1e-12))
        assert z.mean().item() < 1.2                                # |N(0,1)| has mean 0.8
