"""`thaibench sweep --backend vllm`: one engine, each candidate's weights pushed into its model.

vLLM is not installable on the CPU machines, so the engine here is a stand-in `vllm` package with
the surface the sweep uses: `LLM(worker_extension_cls=...)` mixes the extension into a worker
whose `model_runner.model.load_weights` copies (name, tensor) pairs into a real transformers
model, `collective_rpc` calls the extension in that worker, and `generate` decodes greedily with
the weights the model holds. It logs a digest of the engine's weights after every push, so the
test sees that the engine held exactly the candidate that `thaibench merge` writes to disk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import fake_vllm as fake_vllm_pkg
import pipeline_fixture
import pytest

from thaibench.backends import BackendOptions, make_backend
from thaibench.cli import main
from thaibench.records import read_jsonl

FAKE_LLM = '''
"""Stand-in engine: a transformers model behind vLLM's weight-loading and generate surface."""
import hashlib, importlib

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def weights_digest(model):
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode()); h.update(t.detach().contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


class _Model:
    def __init__(self, hf):
        self.hf = hf

    def load_weights(self, weights):
        params = self.hf.state_dict()
        loaded = set()
        for name, tensor in weights:
            params[name].copy_(tensor)
            loaded.add(name)
        return loaded


class _Runner:
    def __init__(self, model):
        self.model = model


class LLM:
    def __init__(self, model, tokenizer, dtype, seed, worker_extension_cls=None, **kw):
        _log(event="init", model=model, dtype=dtype, ext=worker_extension_cls, kwargs=kw)
        self.hf = AutoModelForCausalLM.from_pretrained(model, dtype=getattr(torch, dtype)).eval()
        self.tok = AutoTokenizer.from_pretrained(tokenizer)
        bases = ()
        if worker_extension_cls:
            mod, _, name = worker_extension_cls.rpartition(".")
            bases = (getattr(importlib.import_module(mod), name),)
        self.worker = type("Worker", bases, {})()
        self.worker.device = torch.device("cpu")
        self.worker.model_runner = _Runner(_Model(self.hf))

    def collective_rpc(self, method, args=()):
        out = [getattr(self.worker, method)(*args)]
        _log(event="rpc", method=method, spec=json.loads(args[0]), digest=weights_digest(self.hf))
        return out

    def reset_prefix_cache(self):
        _log(event="reset_prefix_cache")

    @torch.no_grad()
    def generate(self, prompts, params, use_tqdm=True):
        outs = []
        for p, s in zip(prompts, params):
            ids = torch.tensor([p["prompt_token_ids"]])
            stops = s.kw["stop_token_ids"]
            gen = self.hf.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=s.kw["max_tokens"],
                                   do_sample=False, eos_token_id=stops or None, pad_token_id=stops[0] if stops else 0)
            new = gen[0, ids.shape[1]:].tolist()
            finish = "stop" if new and new[-1] in stops else "length"
            outs.append(_Output([_Completion(self.tok.decode(new, skip_special_tokens=True), new, finish)]))
        return outs
'''


@pytest.fixture()
def fake_vllm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from fake_vllm_pkg.install(tmp_path, monkeypatch, FAKE_LLM)


@pytest.fixture(scope="module")
def parents(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from thaibench.mini.pico import build_pico, build_tokenizer

    root = tmp_path_factory.mktemp("parents")
    tok = build_tokenizer()
    return (build_pico(root / "thai", "qwen2", seed=21, tokenizer=tok),
            build_pico(root / "reasoner", "qwen2", seed=22, tokenizer=tok))


def digest_of(path: Path) -> str:
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def test_vllm_sweep_pushes_each_candidate_into_one_engine(fake_vllm: Path, parents: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    from thaibench.candidates import CandidateSpec
    from thaibench.merge.build import merge_to_disk

    data = pipeline_fixture.write_data(tmp_path / "data")
    out = tmp_path / "out"
    args = ["sweep", "--backend", "vllm", "--models", str(parents[0]), str(parents[1]), "--ratios", "0.2,0.6",
            "--presets", "m3", "--tasks", "pipe_test", "--limit", "4", "--max-tokens", "6", "--out", str(out),
            "--data-dir", str(data), "--quiet", "--no-report", "--model-args", "enforce_eager=true"]
    assert main(args) == 0
    log = list(read_jsonl(fake_vllm))
    [engine] = [r for r in log if r["event"] == "init"]     # one engine: parents and three candidates
    assert engine["ext"] == "thaibench.merge.vllm_push.CandidateLoader"
    assert engine["dtype"] == "float32" and engine["kwargs"] == {"enforce_eager": True}
    pushes = [r for r in log if r["event"] == "rpc"]
    assert len(pushes) == 5
    # after every push the prefix cache is dropped before anything is generated
    events = [r["event"] for r in log]
    for i, e in enumerate(events):
        if e == "rpc":
            assert events[i + 1] == "reset_prefix_cache"
    # the engine held exactly the candidate `thaibench merge` writes
    for k, push in enumerate(pushes):
        disk = tmp_path / f"disk{k}"
        merge_to_disk(CandidateSpec.from_dict(push["spec"]), disk)
        assert push["digest"] == digest_of(disk)
    # the parents' pushes hold exactly the parents' weights, filed under their checkpoint ids
    assert pushes[0]["digest"] == digest_of(parents[0]) and pushes[1]["digest"] == digest_of(parents[1])
    runs = [json.loads(p.read_text()) for p in out.rglob("run.json")]
    merges = [r for r in runs if r["candidate"]["kind"] == "merge"]
    assert len(runs) == 5 and len(merges) == 3 and all(r["backend"]["name"] == "vllm" for r in runs)
    assert {r["candidate"]["name"] for r in merges} == {"linear 0.2", "linear 0.6", "linear m3"}
    opts = BackendOptions(dtype="float32")
    assert {r["candidate"]["id"] for r in runs if r["candidate"]["kind"] == "checkpoint"} == {
        make_backend("hf", str(p), opts).candidate()["id"] for p in parents}

    # a second run finds every result in place: no engine, no push
    before = len(log)
    assert main(args) == 0
    assert not [r for r in list(read_jsonl(fake_vllm))[before:] if r["event"] in ("init", "rpc")]


def test_vllm_sweep_refuses_data_parallel_and_disk(fake_vllm: Path, parents: tuple[Path, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    data = pipeline_fixture.write_data(tmp_path / "data")
    base = ["sweep", "--backend", "vllm", "--models", str(parents[0]), str(parents[1]), "--ratios", "0.5",
            "--tasks", "pipe_test", "--limit", "2", "--out", str(tmp_path / "o"), "--data-dir", str(data), "--quiet",
            "--no-parents"]
    assert main([*base, "--disk"]) == 2
    assert "--disk" in capsys.readouterr().err
    assert main([*base, "--model-args", "data_parallel_size=2"]) == 2
    assert "--shard" in capsys.readouterr().err


@pytest.mark.parametrize("keep,group", [("device", None), ("host", None), ("device", 4096)])
def test_candidate_tensors_equal_the_in_memory_merge(parents: tuple[Path, Path], keep: str, group: int | None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """What a worker hands to load_weights: every tensor of the candidate, in any grouping, with
    the parents on the device or on the host, equal to the hf sweep's in-memory candidate."""
    import torch

    import thaibench.merge.vllm_push as push
    from thaibench.merge.sweep import SharedParents, sweep_candidates

    if group:
        monkeypatch.setattr(push, "GROUP_BYTES", group)
    [cand] = sweep_candidates([str(p) for p in parents], ["linear"], ["m3"], out_dtype="float32")
    shared = SharedParents([str(p) for p in parents], "cpu", "float32")
    want = {k: v.clone() for k, v in shared.activate(cand).state_dict().items()}
    got = dict(push.candidate_tensors(SharedParents([str(p) for p in parents], "cpu", None), cand.spec, "cpu", keep))
    assert set(got) <= set(want) and len(got) >= len(want) - 1          # a tied lm_head is not pushed
    assert all(torch.equal(got[k], want[k]) for k in got)
