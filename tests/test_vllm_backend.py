"""The vllm backend. vLLM is not installable on the CPU machines, so most tests run it against a
stand-in `vllm` package (same `LLM` / `SamplingParams` surface) that records what it was asked:
identity, prompt token ids, sampling settings, tensor/data-parallel wiring and output order.
The last test runs the real engine and skips unless vllm and a GPU are present."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import fake_vllm as fake_vllm_pkg
import pytest
from servers import register_arith_task, write_arith_data

from thaibench.backends import BackendOptions, make_backend
from thaibench.backends.vllm import gpu_slices, sampling_kwargs
from thaibench.cli import main
from thaibench.errors import UserError
from thaibench.records import read_jsonl
from thaibench.types import GenerationConfig, Request

FAKE_LLM = '''
"""Stand-in engine: answers "<think>n=PROMPT_LEN</think>seed=SEED" and logs every call."""


class LLM:
    def __init__(self, **kw):
        _log(event="init", kwargs=kw)

    def generate(self, prompts, params, use_tqdm=True):
        _log(event="generate", prompts=[p["prompt_token_ids"] for p in prompts], params=[p.kw for p in params])
        return [_Output([_Completion(f"<think>n={len(p['prompt_token_ids'])}</think>seed={s.kw['seed']}",
                                     [7] * 3, "stop")]) for p, s in zip(prompts, params)]
'''


@pytest.fixture()
def fake_vllm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The stand-in on sys.path (children spawned for data parallelism inherit it)."""
    yield from fake_vllm_pkg.install(tmp_path, monkeypatch, FAKE_LLM)


def calls(log: Path, event: str) -> list[dict]:
    return [r for r in read_jsonl(log) if r["event"] == event]


def reqs(n: int, cfg: GenerationConfig = GenerationConfig(max_tokens=9)) -> list[Request]:
    return [Request([{"role": "user", "content": "x " * (i + 1)}], cfg, 100 + i) for i in range(n)]


def test_identity_and_prompts_are_the_hf_backends(fake_vllm: Path, pico_qwen2: Path) -> None:
    v = make_backend("vllm", str(pico_qwen2), BackendOptions(model_args={"tensor_parallel_size": 1,
                                                                         "data_parallel_size": 2,
                                                                         "gpu_memory_utilization": 0.8}))
    h = make_backend("hf", str(pico_qwen2), BackendOptions())
    assert v.candidate() == h.candidate()
    assert v.identity() == {"name": "vllm", "vllm": "0.0.0", "dtype": "bfloat16",
                            "model_args": {"tensor_parallel_size": 1}}
    r = reqs(1)[0]
    h._load_tokenizer()
    assert v.prompt_ids(r) == h._tok(h.render(r), add_special_tokens=False)["input_ids"]
    assert v.stop_ids() == {h._tok.convert_tokens_to_ids("<|im_end|>")}


def test_generate_in_process(fake_vllm: Path, pico_llama: Path) -> None:
    v = make_backend("vllm", str(pico_llama), BackendOptions(dtype="float32",
                                                             model_args={"tensor_parallel_size": 2,
                                                                         "max_model_len": 512}))
    rs = reqs(4)
    gens = v.generate(rs)
    lens = [len(v.prompt_ids(r)) for r in rs]
    assert [g.text for g in gens] == [f"<think>n={n}</think>seed={r.seed}" for n, r in zip(lens, rs, strict=True)]
    assert [(g.prompt_tokens, g.completion_tokens, g.finish_reason) for g in gens] == [(n, 3, "stop") for n in lens]
    [init] = calls(fake_vllm, "init")
    assert init["kwargs"] == {"model": str(pico_llama), "tokenizer": str(pico_llama), "dtype": "float32",
                              "seed": 0, "tensor_parallel_size": 2, "max_model_len": 512}
    [gen] = calls(fake_vllm, "generate")
    eos = sorted(v.stop_ids())
    assert gen["params"][0] == {"max_tokens": 9, "seed": 100, "temperature": 0.0, "stop_token_ids": eos,
                                "skip_special_tokens": True}
    v.generate(reqs(2))
    assert len(calls(fake_vllm, "init")) == 1  # the engine is built once


def test_data_parallel_replicas_keep_request_order(fake_vllm: Path, pico_llama: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5,6,7")
    v = make_backend("vllm", str(pico_llama), BackendOptions(model_args={"tensor_parallel_size": 2,
                                                                         "data_parallel_size": 2}))
    try:
        rs = reqs(5)
        gens = v.generate(rs)
        assert [g.text.rsplit("=", 1)[1] for g in gens] == [str(r.seed) for r in rs]
        assert gens[0].prompt_tokens < gens[-1].prompt_tokens
        gens1 = v.generate(reqs(1))  # fewer prompts than replicas
        assert gens1[0].text.endswith("seed=100")
    finally:
        v.close()
    inits = calls(fake_vllm, "init")
    assert sorted(r["cuda"] for r in inits) == ["3,5", "6,7"] and len({r["pid"] for r in inits}) == 2
    assert all("data_parallel_size" not in r["kwargs"] and r["kwargs"]["tensor_parallel_size"] == 2 for r in inits)
    sizes = sorted(len(r["prompts"]) for r in calls(fake_vllm, "generate"))
    assert sizes == [1, 2, 3]


def test_score_through_the_pipeline(fake_vllm: Path, pico_llama: Path, tmp_path: Path) -> None:
    task = register_arith_task()
    data = write_arith_data(tmp_path / "data", n=3)
    assert main(["score", str(pico_llama), "--backend", "vllm", "--tasks", task, "--data-dir", str(data),
                 "--out", str(tmp_path / "out"), "--quiet", "--seed", "5"]) == 0
    [gens] = list((tmp_path / "out").rglob("generations.jsonl"))
    lines = list(read_jsonl(gens))
    assert len(lines) == 6
    for g in lines:  # the pipeline split the trace, and each sample got its own seed
        assert g["reasoning"].startswith("n=") and g["answer"] == f"seed={g['seed']}" and g["think_closed"]
    assert len({g["seed"] for g in lines}) == 6


@pytest.mark.parametrize("cfg, want", [
    (GenerationConfig(max_tokens=5), {"max_tokens": 5, "seed": 1, "temperature": 0.0, "stop_token_ids": [2],
                                      "skip_special_tokens": True}),
    (GenerationConfig(max_tokens=5, temperature=0.6, top_p=0.95, top_k=20, stop=("</s>",)),
     {"max_tokens": 5, "seed": 1, "temperature": 0.6, "top_p": 0.95, "top_k": 20, "stop": ["</s>"],
      "stop_token_ids": [2], "skip_special_tokens": True}),
])
def test_sampling_kwargs(cfg: GenerationConfig, want: dict) -> None:
    assert sampling_kwargs(cfg, 1, {2}) == want


def test_gpu_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert gpu_slices(2, 2) == ["0,1", "2,3"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,5,6")
    assert gpu_slices(3, 1) == ["4", "5", "6"]
    with pytest.raises(UserError, match="needs 4 GPUs"):
        gpu_slices(2, 2)


def test_without_vllm_a_clear_error(pico_llama: Path) -> None:
    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm is installed here")
    with pytest.raises(UserError, match=r"pip install 'thaibench\[vllm\]'"):
        make_backend("vllm", str(pico_llama), BackendOptions())


def test_real_vllm_matches_hf_on_gpu(tmp_path: Path) -> None:
    """On a GPU machine with vllm: greedy float32 texts of a pico model agree with the hf backend."""
    pytest.importorskip("vllm")
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs a GPU")
    from thaibench.mini.pico import build_pico

    # head_dim 64: vLLM's attention kernels do not take the default pico's head_dim 16.
    path = build_pico(tmp_path / "m", arch="qwen2", seed=3, hidden_size=256, intermediate_size=512)
    rs = reqs(16, GenerationConfig(max_tokens=32))
    opts = BackendOptions(dtype="float32", model_args={"gpu_memory_utilization": 0.3, "enforce_eager": True})
    v = make_backend("vllm", str(path), opts)
    try:
        got = [g.text for g in v.generate(rs)]
    finally:
        v.close()
    want = [g.text for g in make_backend("hf", str(path), BackendOptions(dtype="float32", device="cuda")).generate(rs)]
    same = sum(a == b for a, b in zip(got, want, strict=True))
    assert same >= 14, json.dumps(list(zip(got, want, strict=True)), ensure_ascii=False)[:2000]
