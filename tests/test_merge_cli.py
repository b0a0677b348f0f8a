"""`thaibench merge CONFIG OUT_DIR`: thaibench configs, mergekit YAML, summary, errors, dry run."""

from __future__ import annotations

import json

import pytest
import yaml

from thaibench.cli import main


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    from thaibench.merge.synthetic import synthetic_checkpoint
    from thaibench.mini.pico import build_tokenizer

    tok = build_tokenizer()
    root = tmp_path_factory.mktemp("cli")
    return [str(synthetic_checkpoint(root / n, arch="qwen2", seed=i, tokenizer=tok)) for i, n in enumerate("ab")]


def test_thaibench_yaml_config_merges_and_reports(tmp_path, pair, capsys):
    cfg = tmp_path / "m3.yaml"
    cfg.write_text(yaml.safe_dump({"method": "linear", "models": pair, "ratio": "m3", "out_dtype": "bfloat16"}))
    assert main(["merge", str(cfg), str(tmp_path / "out"), "--quiet"]) == 0
    err = capsys.readouterr().err
    cand = json.loads((tmp_path / "out" / "candidate.json").read_text())
    assert f"candidate {cand['id']}" in err and "read 0.00 GB, wrote 0.00 GB" in err and "peak RSS" in err
    assert cand["out_dtype"] == "bfloat16"
    mk = yaml.safe_load((tmp_path / "out" / "mergekit_config.yml").read_text())
    assert mk["merge_method"] == "linear" and mk["out_dtype"] == "bfloat16"
    # re-running the written thaibench config gives the same candidate
    assert main(["merge", str(tmp_path / "out" / "thaibench_merge.json"), str(tmp_path / "again"), "--quiet"]) == 0
    assert json.loads((tmp_path / "again" / "candidate.json").read_text())["id"] == cand["id"]


def test_mergekit_yaml_runs_unchanged(tmp_path, pair):
    cfg = tmp_path / "mk.yml"
    cfg.write_text(f"""
merge_method: slerp
base_model: {pair[0]}
slices:
  - sources:
      - model: {pair[0]}
        layer_range: [0, 4]
      - model: {pair[1]}
        layer_range: [0, 4]
parameters:
  t:
    - filter: self_attn
      value: [0, 0.5, 0.3, 0.7, 1]
    - filter: mlp
      value: [1, 0.5, 0.7, 0.3, 0]
    - value: 0.5
dtype: float32
""")
    assert main(["merge", str(cfg), str(tmp_path / "out"), "--quiet"]) == 0
    cand = json.loads((tmp_path / "out" / "candidate.json").read_text())
    assert cand["spec"]["generator"] == "slerp" and cand["spec"]["params"]["mergekit_compat"] is True


@pytest.mark.parametrize("cfg,msg", [
    ({"method": "linear", "models": ["/nonexistent/model-a", "/nonexistent/b"], "ratio": 0.5},
     "model directory not found: /nonexistent/model-a"),
    ({"merge_method": "linear", "method": "linear"}, "both `method`"),
    ({"merge_method": "linear", "models": [{"model": "x"}], "chat_template": "auto"}, "'chat_template' is not supported"),
])
def test_errors_are_one_line_and_exit_2(tmp_path, capsys, cfg, msg):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["merge", str(path), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("thaibench: error:") and msg in err and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_bad_yaml_and_missing_out(tmp_path, capsys, pair):
    bad = tmp_path / "bad.yaml"
    bad.write_text("method: [linear\n")
    assert main(["merge", str(bad), str(tmp_path / "o")]) == 2
    assert "not valid YAML" in capsys.readouterr().err
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"method": "linear", "models": pair, "ratio": 0.5}))
    assert main(["merge", str(good)]) == 2
    assert "give an output directory" in capsys.readouterr().err


def test_dry_run_prints_the_schedule(tmp_path, pair, capsys):
    cfg = tmp_path / "m.json"
    cfg.write_text(json.dumps({"method": "dare_linear", "models": pair, "base": pair[0], "ratio": "m3"}))
    assert main(["merge", str(cfg), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dare_linear: 4 layers" in out and "lm_head.weight" in out and "weight=0.125" in out
    assert not list(tmp_path.glob("out*"))
