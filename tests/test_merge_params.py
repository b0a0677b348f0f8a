"""Merge parameter settings: presets, gradients, per-layer lists, components, boundary policy."""

from __future__ import annotations

import pytest

from thaibench.errors import UserError
from thaibench.merge.params import (
    Position,
    component,
    evaluate,
    layer_index,
    normalize,
    preset_values,
    schedule,
)


def test_m3_on_80_layers_is_the_papers_schedule():
    vals = preset_values("m3", 80)
    assert len(vals) == 80
    assert vals[:54] == [0.75] * 54                      # layers 0-53
    assert vals[79] == 0.125
    steps = [vals[i] - vals[i + 1] for i in range(53, 79)]
    assert all(s == pytest.approx(0.625 / 26) for s in steps)   # linear fall 53 -> 79
    assert vals[54] < 0.75


@pytest.mark.parametrize("n", [4, 24, 28, 32, 64, 80, 81])
def test_m3_breakpoint_scales_with_depth(n):
    vals = preset_values("m3", n)
    brk = round(53 * (n - 1) / 79)
    assert vals[: brk + 1] == [0.75] * (brk + 1)
    assert vals[-1] == 0.125
    assert all(a >= b for a, b in zip(vals, vals[1:], strict=False))


@pytest.mark.parametrize("name,value", [("m1", 0.25), ("m2", 0.75)])
def test_flat_presets(name, value):
    assert schedule(name, 7) == [value] * 7


@pytest.mark.parametrize("grad,n,expected", [
    ([0.0, 1.0], 5, [0.0, 0.25, 0.5, 0.75, 1.0]),
    ([0.0, 1.0, 0.0], 5, [0.0, 0.5, 1.0, 0.5, 0.0]),
    ([0.2], 3, [0.2, 0.2, 0.2]),
    ([1.0, 0.0, 0.5], 3, [1.0, 0.0, 0.5]),          # as long as the stack: per layer
])
def test_gradients_interpolate_like_mergekit(grad, n, expected):
    assert schedule(grad, n) == pytest.approx(expected)
    assert schedule(grad, n, mergekit_compat=True) == pytest.approx(expected)


def test_per_layer_list_is_exact_and_checked():
    vals = [i / 10 for i in range(10)]
    assert schedule({"per_layer": vals}, 10) == vals
    with pytest.raises(UserError, match="10 values for 4 layers"):
        schedule({"per_layer": vals}, 4)


@pytest.mark.parametrize("name,layer,comp", [
    ("model.layers.3.self_attn.q_proj.weight", 3, "attention"),
    ("model.layers.3.self_attn.k_proj.bias", 3, "attention"),
    ("model.layers.12.mlp.down_proj.weight", 12, "mlp"),
    ("model.layers.0.input_layernorm.weight", 0, "norms"),
    ("model.layers.0.post_attention_layernorm.weight", 0, "norms"),
    ("model.layers.5.self_attn.q_norm.weight", 5, "norms"),
    ("model.norm.weight", None, "norms"),
    ("model.embed_tokens.weight", None, "embeddings"),
    ("lm_head.weight", None, "lm_head"),
    ("transformer.h.2.attn.c_attn.weight", 2, "attention"),
])
def test_components_and_layers(name, layer, comp):
    assert layer_index(name) == layer
    assert component(name) == comp


def _pos(name, compat=False, n=10):
    layer = layer_index(name)
    boundary = "layer" if layer is not None else ("first" if component(name) == "embeddings" else "last")
    return Position(name, layer, n, 0, n, boundary, compat)


@pytest.mark.parametrize("compat,embed,norm,head", [(False, 0.0, 0.9, 0.9), (True, 0.0, 0.0, 0.0)])
def test_boundary_tensors_policy_both_ways(compat, embed, norm, head):
    s = normalize([0.0, 0.9], "t")
    assert evaluate(s, _pos("model.embed_tokens.weight", compat)) == embed
    assert evaluate(s, _pos("model.norm.weight", compat)) == pytest.approx(norm)
    assert evaluate(s, _pos("lm_head.weight", compat)) == pytest.approx(head)
    assert evaluate(s, _pos("model.layers.9.mlp.up_proj.weight", compat)) == pytest.approx(0.9)


def test_m3_lm_head_follows_last_layer_unless_mergekit_compat():
    s = normalize("m3", "weight")
    assert evaluate(s, _pos("lm_head.weight", False, 80)) == 0.125
    assert evaluate(s, _pos("lm_head.weight", True, 80)) == 0.75


def test_components_override_and_default():
    s = normalize({"attention": 0.1, "mlp": [0.0, 1.0], "lm_head": 0.5, "default": 0.3}, "w")
    assert evaluate(s, _pos("model.layers.4.self_attn.o_proj.weight")) == 0.1
    assert evaluate(s, _pos("model.layers.9.mlp.up_proj.weight")) == pytest.approx(1.0)
    assert evaluate(s, _pos("lm_head.weight")) == 0.5
    assert evaluate(s, _pos("model.layers.4.input_layernorm.weight")) == 0.3
    assert evaluate(s, _pos("model.embed_tokens.weight")) == 0.3


def test_mergekit_filters_first_match_wins_and_none_falls_through():
    s = normalize([{"filter": "self_attn", "value": 0.2}, {"filter": "mlp", "value": [0, 1]}], "t")
    assert evaluate(s, _pos("model.layers.0.self_attn.q_proj.weight")) == 0.2
    assert evaluate(s, _pos("model.layers.0.input_layernorm.weight")) is None
    s2 = normalize([{"filter": "mlp", "value": 0.7}, {"value": 0.1}], "t")
    assert evaluate(s2, _pos("model.layers.0.input_layernorm.weight")) == 0.1


def test_one_minus_of_a_schedule():
    s = normalize({"one_minus": {"preset": "m3"}}, "w")
    assert evaluate(s, _pos("model.layers.79.mlp.up_proj.weight", n=80)) == 0.875


@pytest.mark.parametrize("bad,msg", [
    ("m4", "neither a number nor a preset"),
    ([], "empty list"),
    ([0.1, "x"], "list of numbers"),
    ({"attn": 0.1}, "unknown component 'attn'"),
    ({"per_layer": []}, "non-empty list"),
    ([{"filter": "mlp", "value": 1, "weight": 2}], "unknown key 'weight'"),
])
def test_bad_settings_are_errors(bad, msg):
    with pytest.raises(UserError, match=msg):
        normalize(bad, "weight")


def test_equivalent_spellings_normalise_the_same():
    assert normalize("M3", "w") == normalize({"preset": "m3"}, "w")
    assert normalize([0.1, 0.2], "w") == normalize({"gradient": [0.1, 0.2]}, "w")
