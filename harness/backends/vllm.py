"""The `vllm` backend: vLLM's offline engine (`vllm.LLM`) on one or more GPUs.

    thaibench score --backend vllm /models/qwq-32b --tasks math500 \\
        --model-args tensor_parallel_size=4,data_parallel_size=2 --batch-size 512

It is the `hf` backend's twin: the same model references, candidate id (content digest of the
checkpoint), chat-template rendering and prompt token ids (vLLM gets token ids, so a template
that already writes BOS does not get a second one), the same stop rules (stop strings, the
model's end-of-turn ids) and per-request seeds (`SamplingParams(seed=...)`); the pipeline
splits the `<think>` trace exactly as for `hf`. `--model-args` go to `vllm.LLM(...)`
(`tensor_parallel_size`, `max_model_len`, `gpu_memory_utilization`, `enforce_eager`, ...),
except `data_parallel_size=N`: N independent replicas in spawned processes, each on its own
`tensor_parallel_size` GPUs (sliced from CUDA_VISIBLE_DEVICES), each generating a contiguous
share of every batch. `--batch-size` is how many prompts are handed to the engine at once
(vLLM schedules them itself; raise it, e.g. 256-1024, for throughput).

vLLM (Apache-2.0, https://github.com/vllm-project/vllm) pins its own torch and transformers,
so it lives in its own environment on a GPU machine (`pip install 'thaibench[vllm]'`); it is
imported only when a model is loaded. Quirks: dtype "auto" means bfloat16 (as `hf` on GPU);
PEFT adapter directories are refused (merge the adapter first); outputs under tensor
parallelism can differ from `hf` in the last bits, so greedy texts agree on most, not all,
samples of a real model.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from typing import Any

from thaibench.backends import BackendOptions, ProgressFn, backend
from thaibench.backends.hf import HFBackend
from thaibench.errors import UserError
from thaibench.types import Generation, GenerationConfig, Request

# Settings that change only speed or memory, not outputs: kept out of the run id.
RESOURCE_ARGS = ("data_parallel_size", "gpu_memory_utilization", "max_num_seqs", "swap_space")


def sampling_kwargs(cfg: GenerationConfig, seed: int, stop_ids: Sequence[int]) -> dict[str, Any]:
    """`vllm.SamplingParams` arguments for one request (greedy when temperature is 0)."""
    kw: dict[str, Any] = {"max_tokens": cfg.max_tokens, "seed": seed, "temperature": cfg.temperature,
                          "stop_token_ids": sorted(stop_ids), "skip_special_tokens": True}
    if cfg.temperature > 0:
        kw["top_p"] = cfg.top_p
        if cfg.top_k:
            kw["top_k"] = cfg.top_k
    if cfg.stop:
        kw["stop"] = list(cfg.stop)
    return kw


def plain_output(out: Any) -> dict[str, Any]:
    """A vLLM RequestOutput as plain data (what crosses the pipe from a replica)."""
    first = out.outputs[0]
    return {"text": first.text, "n_tokens": len(first.token_ids), "finish_reason": first.finish_reason}


def to_generation(out: dict[str, Any], prompt_len: int) -> Generation:
    return Generation(text=out["text"], finish_reason=out["finish_reason"], prompt_tokens=prompt_len,
                      completion_tokens=out["n_tokens"])


def run_engine(llm: Any, prompts: list[list[int]], params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from vllm import SamplingParams

    outs = llm.generate([{"prompt_token_ids": p} for p in prompts], [SamplingParams(**k) for k in params],
                        use_tqdm=False)
    return [plain_output(o) for o in outs]


def replica_main(gpus: str, llm_kwargs: dict[str, Any], conn: Any) -> None:
    """One data-parallel replica: owns `gpus`, answers (prompts, params) messages until None."""
    if gpus:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpus
    from vllm import LLM

    try:
        llm = LLM(**llm_kwargs)
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", gpus))
    while (job := conn.recv()) is not None:
        try:
            conn.send(("ok", run_engine(llm, *job)))
        except Exception as exc:  # report, keep serving: the parent decides what to do
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def gpu_slices(dp: int, tp: int) -> list[str]:
    """CUDA_VISIBLE_DEVICES for each replica: consecutive groups of `tp` visible GPUs."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    ids = [x for x in visible.split(",") if x] if visible else [str(i) for i in range(dp * tp)]
    if len(ids) < dp * tp:
        raise UserError(f"data_parallel_size={dp} x tensor_parallel_size={tp} needs {dp * tp} GPUs; "
                        f"CUDA_VISIBLE_DEVICES has {len(ids)}")
    return [",".join(ids[r * tp:(r + 1) * tp]) for r in range(dp)]


@backend("vllm")
class VLLMBackend(HFBackend):
    """vllm.LLM with per-request SamplingParams; identity and prompts as in HFBackend."""

    def __init__(self, model: str, options: BackendOptions) -> None:
        super().__init__(model, options)
        if self.base:
            raise UserError("the vllm backend does not load PEFT adapters; merge the adapter or use --backend hf")
        if importlib.util.find_spec("vllm") is None:
            raise UserError("the vllm backend needs vllm: pip install 'thaibench[vllm]' "
                            "(a GPU machine, in its own environment)")
        args = dict(options.model_args)
        self.dp = int(args.pop("data_parallel_size", 1))
        self.tp = int(args.get("tensor_parallel_size", 1))
        if self.dp < 1 or self.tp < 1:
            raise UserError("data_parallel_size and tensor_parallel_size must be at least 1")
        self.llm_args = args
        self._llm: Any = None
        self._replicas: list[tuple[Any, Any]] = []

    def _dtype_name(self) -> str:
        return self.options.dtype if self.options.dtype != "auto" else "bfloat16"

    def identity(self) -> dict[str, Any]:
        from importlib.metadata import PackageNotFoundError, version

        try:
            vllm_version = version("vllm")
        except PackageNotFoundError:
            vllm_version = "unknown"
        args = {k: v for k, v in self.llm_args.items() if k not in RESOURCE_ARGS}
        return {"name": "vllm", "vllm": vllm_version, "dtype": self._dtype_name(), "model_args": args}

    def info(self) -> dict[str, Any]:
        return {**self.identity(), "llm_args": self.llm_args, "data_parallel_size": self.dp,
                "batch_size": self.batch_size}

    # -- engine ---------------------------------------------------------------------------
    def _llm_kwargs(self) -> dict[str, Any]:
        return {"model": str(self.path), "tokenizer": str(self.path), "dtype": self._dtype_name(),
                "seed": 0, **self.llm_args}

    def _start(self) -> None:
        if self._llm is not None or self._replicas:
            return
        if self.dp == 1:
            from vllm import LLM

            self._llm = LLM(**self._llm_kwargs())
            return
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # CUDA cannot be initialised in a forked child
        for gpus in gpu_slices(self.dp, self.tp):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=replica_main, args=(gpus, self._llm_kwargs(), child), daemon=True)
            proc.start()
            self._replicas.append((proc, parent))
        for _, conn in self._replicas:
            self._answer(conn)

    @staticmethod
    def _answer(conn: Any) -> Any:
        try:
            status, payload = conn.recv()
        except EOFError:
            raise RuntimeError("a vllm replica died (its log is above)") from None
        if status == "error":
            raise RuntimeError(f"vllm replica failed: {payload}")
        return payload

    def stop_ids(self) -> set[int]:
        """End-of-turn ids, as the hf backend uses them (generation_config.json + tokenizer)."""
        from transformers import GenerationConfig as HFGenerationConfig

        ids: set[int] = set()
        try:
            eos = HFGenerationConfig.from_pretrained(self.path).eos_token_id
            ids.update(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        except OSError:
            pass
        if self._tok.eos_token_id is not None:
            ids.add(self._tok.eos_token_id)
        return ids

    def prompt_ids(self, req: Request) -> list[int]:
        self._load_tokenizer()
        return self._tok(self.render(req), add_special_tokens=not self._tok.chat_template)["input_ids"]

    # -- generation -----------------------------------------------------------------------
    def generate(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Generation]:
        if not requests:
            return []
        prompts = [self.prompt_ids(r) for r in requests]
        stops = self.stop_ids()
        params = [sampling_kwargs(r.config, r.seed, stops) for r in requests]
        self._start()
        if self._llm is not None:
            outs = run_engine(self._llm, prompts, params)
        else:
            n = len(self._replicas)
            bounds = [len(prompts) * r // n for r in range(n + 1)]
            busy = [(conn, bounds[r], bounds[r + 1]) for r, (_, conn) in enumerate(self._replicas)
                    if bounds[r + 1] > bounds[r]]
            for conn, a, b in busy:
                conn.send((prompts[a:b], params[a:b]))
            outs = [o for conn, _, _ in busy for o in self._answer(conn)]
        if progress:
            progress(len(requests))
        return [to_generation(o, len(p)) for o, p in zip(outs, prompts, strict=True)]

    def close(self) -> None:
        for proc, conn in self._replicas:
            try:
                conn.send(None)
            except OSError:
                pass
            proc.join(30)
            if proc.is_alive():
                proc.kill()
        self._replicas = []
        self._llm = None
