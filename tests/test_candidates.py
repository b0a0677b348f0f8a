"""Candidates: spec ids, checkpoint identity, candidate.json, the generator registry and grids."""

from __future__ import annotations

import json

import pytest

from thaibench.candidates import (
    GENERATORS,
    Candidate,
    CandidateGenerator,
    CandidateSpec,
    checkpoint_spec,
    is_candidate_id,
    resolve_spec,
)
from thaibench.canonical import short_id
from thaibench.errors import UserError


def test_spec_id_is_canonical_and_params_are_frozen():
    params = {"b": [1, 2], "a": {"y": 0.5, "x": "ไทย"}}
    s1 = CandidateSpec("linear", ("p1", "p2"), params)
    s2 = CandidateSpec("linear", ["p1", "p2"], {"a": {"x": "ไทย", "y": 0.5}, "b": [1, 2]})
    assert s1.id == s2.id and len(s1.id) == 16 and s1 == s2 and hash(s1) == hash(s2)
    assert s1.id == short_id({"generator": "linear", "parents": ["p1", "p2"], "params": params})
    params["b"].append(3)                      # the caller's dict is not the spec's
    assert s1.params["b"] == [1, 2]
    assert CandidateSpec("linear", ("p2", "p1"), params).id != s1.id
    assert CandidateSpec("slerp", ("p1", "p2"), s1.params).id != s1.id


def test_checkpoint_id_is_identity_checkpoint_id(pico_llama, tmp_path):
    import shutil

    from thaibench.identity import checkpoint_id

    spec = checkpoint_spec(pico_llama)
    assert spec.id == checkpoint_id(pico_llama)
    moved = shutil.copytree(pico_llama, tmp_path / "elsewhere")
    assert checkpoint_spec(moved).id == spec.id          # content, not path
    cand = Candidate.from_checkpoint(moved)
    assert cand.id == spec.id and cand.spec.generator == "checkpoint" and cand.spec.parents == ()
    assert GENERATORS.get("checkpoint").build(spec, moved).id == spec.id
    with pytest.raises(UserError, match="is not checkpoint"):
        GENERATORS.get("checkpoint").build(CandidateSpec("checkpoint", (), {"digest": "0" * 64}), moved)


def test_resolve_spec_replaces_references_by_ids(pico_llama, pico_qwen2):
    spec = CandidateSpec("linear", (str(pico_llama), str(pico_qwen2)), {"x": 1})
    resolved = resolve_spec(spec)
    assert resolved.parents == (checkpoint_spec(pico_llama).id, checkpoint_spec(pico_qwen2).id)
    assert all(is_candidate_id(p) for p in resolved.parents)
    assert resolve_spec(resolved) == resolved


def test_candidate_json_round_trip_keeps_thai(tmp_path):
    spec = CandidateSpec("linear", ("0123456789abcdef",), {"note": "แมว"})
    cand = Candidate(spec.id, spec, tmp_path, {"parents": [{"id": "0123456789abcdef", "ref": "./ไทย"}]}, "bfloat16")
    path = cand.write()
    text = path.read_text(encoding="utf-8")
    assert "แมว" in text and "\\u" not in text
    d = json.loads(text)
    assert d["schema_version"] == 1 and d["id"] == spec.id and d["parents"] == ["0123456789abcdef"]
    back = Candidate.read(tmp_path)
    assert back.spec == spec and back.lineage == cand.lineage and back.out_dtype == "bfloat16"
    d["schema_version"] = 99
    path.write_text(json.dumps(d))
    with pytest.raises(UserError, match="schema_version 99"):
        Candidate.read(tmp_path)


def test_registry_has_every_merge_method_with_a_paper():
    names = GENERATORS.names()
    for name in ("checkpoint", "linear", "task_arithmetic", "ties", "dare_linear", "dare_ties", "slerp"):
        assert name in names
        assert isinstance(GENERATORS.get(name), CandidateGenerator)
    for name in ("linear", "task_arithmetic", "ties", "dare_linear", "dare_ties", "slerp"):
        assert GENERATORS.get(name).method.paper.startswith("https://")


def test_specs_expand_a_grid_in_order():
    gen = GENERATORS.get("dare_linear")
    specs = gen.specs(models=["./thai", "./r1"], base="./thai", ratio=["m1", "m2", "m3"], seed=[0, 1])
    assert len(specs) == 6 and len({s.id for s in specs}) == 6
    assert [s.params["models"][1]["parameters"]["weight"] for s in specs[::2]] == [
        {"preset": "m1"}, {"preset": "m2"}, {"preset": "m3"}]
    assert all(s.parents == ("./thai", "./r1") and s.params["base"] == 0 for s in specs)
    again = gen.specs(models=["./thai", "./r1"], base="./thai", ratio=["m1", "m2", "m3"], seed=[0, 1])
    assert [s.id for s in again] == [s.id for s in specs]
    per_layer, = GENERATORS.get("linear").specs(models=["a", "b"], ratio=[{"per_layer": [0.1, 0.9]}])
    assert per_layer.params["models"][0]["parameters"]["weight"] == {"one_minus": {"per_layer": [0.1, 0.9]}}
    with pytest.raises(UserError, match="ties needs a base model"):
        GENERATORS.get("ties").specs(models=["a", "b"], ratio=[0.5])
