"""A tensor larger than 1.5 GB merges with peak RSS under 1.5 GB (slow: writes ~5 GB of files).

Run with THAIBENCH_SLOW=1. The fast variant (a 192 MB tensor, RSS growth under half of it) is
tests/test_merge_build.py::test_chunking_bounds_scratch_memory.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

GB = 1024**3


@pytest.mark.slow
@pytest.mark.parametrize("method", ["linear", "ties"])
def test_tensor_over_1_5_gb_merges_under_1_5_gb_rss(tmp_path_factory, method):
    from thaibench.merge.synthetic import synthetic_checkpoint
    from thaibench.mini.pico import build_tokenizer

    root = tmp_path_factory.getbasetemp() / "merge-memory"
    shape = dict(arch="llama", vocab_size=200_000, hidden_size=2048, intermediate_size=64, num_hidden_layers=1,
                 num_attention_heads=16, num_key_value_heads=4, tie_word_embeddings=True)
    parents = []
    for i in range(2):
        path = root / f"p{i}"
        if not (path / "config.json").exists():
            synthetic_checkpoint(path, seed=i, tokenizer=build_tokenizer(), **shape)
        parents.append(str(path))
    emb_bytes = 200_000 * 2048 * 4
    assert emb_bytes > 1.5 * GB
    cfg = {"method": method, "models": parents, "ratio": 0.4}
    if method == "ties":
        cfg.update(base=parents[0], parameters={"density": 0.5})
    out = tmp_path_factory.mktemp("out") / method
    code = (
        "import json, resource, sys; from pathlib import Path\n"
        "from thaibench.candidates import CandidateSpec\n"
        "from thaibench.merge.spec import from_thaibench\n"
        "from thaibench.merge.build import merge_to_disk\n"
        f"merge_to_disk(CandidateSpec(*from_thaibench(json.loads({json.dumps(cfg)!r}))), Path({str(out)!r}))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1200)
    assert res.returncode == 0, res.stderr[-2000:]
    peak = int(res.stdout.split()[-1]) * 1024
    print(f"{method}: peak RSS {peak / GB:.2f} GiB for a {emb_bytes / GB:.2f} GiB tensor")
    assert peak < 1.5 * GB
    assert (out / "candidate.json").is_file()
