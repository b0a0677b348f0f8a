"""Building blocks: exact chunked top-k, safetensors byte-range I/O, deterministic DARE masks."""

from __future__ import annotations

import json
import struct

import pytest
import torch
from safetensors.torch import load_file, save_file

from thaibench.errors import UserError
from thaibench.merge import method as M
from thaibench.merge.method import TopK, chunk_seed, keep_mask
from thaibench.merge.stio import Checkpoint, OutTensor, ShardedWriter


def select(x: torch.Tensor, k: int, chunk: int, monkeypatch) -> torch.Tensor:
    monkeypatch.setattr(M, "CHUNK", chunk)
    t = TopK(k, x.numel())
    parts = x.split(chunk)
    for p in range(2):
        for c in parts:
            t.add(p, c)
        t.end(p)
    return torch.cat([t.mask(c) for c in parts])


@pytest.mark.parametrize("n,k,dtype", [
    (5000, 1234, torch.float32), (5000, 2500, torch.bfloat16), (3000, 1, torch.float32),
    (3000, 3000, torch.bfloat16), (4096, 17, torch.float16),
])
def test_topk_is_exact_and_the_same_in_one_chunk_or_many(n, k, dtype, monkeypatch):
    x = torch.randn(n, generator=torch.Generator().manual_seed(n + k)).to(dtype)
    one = select(x, k, 1 << 20, monkeypatch)
    many = select(x, k, 700, monkeypatch)
    assert int(one.sum()) == k and torch.equal(one, many)
    # ties at the threshold (frequent in bfloat16) are kept in flat order: a stable argsort
    stable = torch.argsort(x.abs().float(), descending=True, stable=True)[:k]
    assert set(one.nonzero().flatten().tolist()) == set(stable.tolist())


def test_dare_masks_are_seeded_per_tensor_input_and_chunk():
    s = chunk_seed(0, "model.layers.0.mlp.up_proj.weight", 1, 0)
    assert s == chunk_seed(0, "model.layers.0.mlp.up_proj.weight", 1, 0)
    others = {chunk_seed(1, "model.layers.0.mlp.up_proj.weight", 1, 0),
              chunk_seed(0, "model.layers.1.mlp.up_proj.weight", 1, 0),
              chunk_seed(0, "model.layers.0.mlp.up_proj.weight", 2, 0),
              chunk_seed(0, "model.layers.0.mlp.up_proj.weight", 1, 1)}
    assert s not in others and len(others) == 4
    m = keep_mask(100_001, 0.3, s, torch.device("cpu"))
    assert m.dtype == torch.bool and m.numel() == 100_001
    assert torch.equal(m, keep_mask(100_001, 0.3, s, torch.device("cpu")))
    assert abs(m.float().mean().item() - 0.3) < 0.006          # 4 sd
    assert not torch.equal(m, keep_mask(100_001, 0.3, s + 1, torch.device("cpu")))
    assert keep_mask(1000, 0.0, s, torch.device("cpu")).sum() == 0
    assert keep_mask(1000, 1.0, s, torch.device("cpu")).all()


def test_keep_mask_is_splitmix64():
    """The int64 tensor arithmetic equals the reference generator (so every device agrees)."""
    mask64 = (1 << 64) - 1

    def splitmix(i: int, seed: int) -> int:
        z = (i * 0x9E3779B97F4A7C15 + seed) & mask64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask64
        return z ^ (z >> 31)

    seed, p = 987654321, 0.37
    want = []
    for i in range(50):
        z = splitmix(i, seed)
        want += [(z >> 40) < round(p * 2**24), ((z >> 16) & 0xFFFFFF) < round(p * 2**24)]
    assert keep_mask(100, p, seed, torch.device("cpu")).tolist() == want


def test_writer_and_reader_round_trip_byte_ranges(tmp_path):
    tensors = {"a": torch.randn(7, 5), "b": torch.randn(300).to(torch.bfloat16),
               "c": torch.arange(10, dtype=torch.int64), "d": torch.randn(3, 2).to(torch.float16)}
    w = ShardedWriter(tmp_path, [OutTensor(k, v.dtype, tuple(v.shape)) for k, v in tensors.items()],
                      max_shard_bytes=700)
    for k, v in reversed(list(tensors.items())):       # any order, any chunking
        flat = v.reshape(-1)
        for s in range(0, flat.numel(), 3):
            w.write(k, s, flat[s:s + 3])
    w.finish()
    index = json.loads((tmp_path / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) == 2
    loaded = {}
    for f in set(index["weight_map"].values()):
        loaded.update(load_file(str(tmp_path / f)))          # the reference reader agrees
        raw = (tmp_path / f).read_bytes()
        assert (8 + struct.unpack("<Q", raw[:8])[0]) % 8 == 0
    assert all(torch.equal(loaded[k], v) for k, v in tensors.items())
    ck = Checkpoint.open(tmp_path)
    assert torch.equal(ck.read("b", 100, 250), tensors["b"][100:250])
    assert torch.equal(ck.read("a").reshape(7, 5), tensors["a"])


def test_reader_accepts_files_written_by_safetensors(tmp_path):
    x = {"w": torch.randn(4, 4), "v": torch.randn(8).to(torch.bfloat16)}
    save_file(x, str(tmp_path / "model.safetensors"))
    ck = Checkpoint.open(tmp_path)
    assert torch.equal(ck.read("w").reshape(4, 4), x["w"]) and torch.equal(ck.read("v"), x["v"])


def test_index_naming_a_tensor_its_shard_lacks(tmp_path):
    save_file({"w": torch.zeros(2)}, str(tmp_path / "model-00001-of-00001.safetensors"))
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(
        {"weight_map": {"w": "model-00001-of-00001.safetensors", "ghost": "model-00001-of-00001.safetensors"}}))
    with pytest.raises(UserError, match="lists 'ghost' but its shard"):
        Checkpoint.open(tmp_path)


def test_pickle_checkpoints_are_refused_with_advice(tmp_path):
    torch.save({"w": torch.zeros(2)}, tmp_path / "pytorch_model.bin")
    with pytest.raises(UserError, match="convert it to safetensors"):
        Checkpoint.open(tmp_path)
