"""Generation throughput of the `vllm` backend against the `hf` backend on one GPU.

Both sides run the same checkpoint, the same chat-rendered prompts, greedy, the same token
budget and dtype (bfloat16 unless --dtype), each in its own fresh process so that neither holds
GPU memory the other needs (vLLM reserves a share of the card at start). Each side generates a
warm-up batch first; the timed call then generates every prompt once. Tokens are each side's
own completion-token counts; the script also says how many greedy texts agree (bfloat16 kernels
differ, so a random model's near-ties can flip a token).

Without --model it builds a random qwen2 checkpoint of about 0.2 B parameters (hidden 1024,
16 layers, head_dim 64) with the pico tokenizer, offline; a random model rarely stops early,
so both sides generate the full budget and the comparison is of decoding speed alone.

    python bench/vllm_vs_hf.py [--model DIR] [--n 256] [--max-tokens 256] [--hf-batch-size 64]
                               [--tensor-parallel 1] [--dtype bfloat16]

Prints tokens/s of each and the ratio vllm / hf. Needs a GPU and vllm (its own environment:
`pip install 'thaibench[vllm]'`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def prompts(n: int) -> list[str]:
    return [f"Question {i}: a shop has {3 * i + 7} apples and sells {i + 2}. How many are left? "
            "Please reason step by step, and put your final answer within \\boxed{}." for i in range(n)]


def build_model(root: Path) -> Path:
    from thaibench.mini.pico import build_pico

    return build_pico(root / "bench-0.2b", arch="qwen2", seed=0, hidden_size=1024, intermediate_size=2816,
                      num_hidden_layers=16, num_attention_heads=16, num_key_value_heads=4, dtype="bfloat16")


def side(args: argparse.Namespace) -> None:
    """One backend in this process: warm up, time one pass, write a JSON report."""
    from thaibench.backends import BackendOptions, make_backend
    from thaibench.types import GenerationConfig, Request

    if args.side == "vllm":
        opts = BackendOptions(dtype=args.dtype, batch_size=args.n,
                              model_args={"tensor_parallel_size": args.tensor_parallel,
                                          "gpu_memory_utilization": 0.85})
    else:
        opts = BackendOptions(dtype=args.dtype, device=args.device, batch_size=args.hf_batch_size)
    b = make_backend(args.side, args.model, opts)
    cfg = GenerationConfig(max_tokens=args.max_tokens)
    reqs = [Request([{"role": "user", "content": p}], cfg, 0) for p in prompts(args.n)]
    import torch

    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    b.generate(reqs[:8])
    sync()
    t = time.perf_counter()
    gens = b.generate(reqs)
    sync()
    took = time.perf_counter() - t
    b.close()
    report = {"side": args.side, "seconds": took, "tokens": sum(g.completion_tokens or 0 for g in gens),
              "texts": [g.text for g in gens], "info": {k: str(v) for k, v in b.info().items()}}
    Path(args.report).write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="checkpoint directory (default: build a random 0.2 B qwen2)")
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--hf-batch-size", type=int, default=64)
    ap.add_argument("--tensor-parallel", type=int, default=1)
    ap.add_argument("--dtype", default="bfloat16")
    ap.add_argument("--device", default="cuda", help="hf side's device (cpu only to try the script out)")
    ap.add_argument("--side", choices=("hf", "vllm"), help=argparse.SUPPRESS)
    ap.add_argument("--report", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.side:
        side(args)
        return
    root = Path(tempfile.mkdtemp(prefix="bench-vllm-hf-"))
    model = args.model or str(build_model(root))
    reports = {}
    for name in ("hf", "vllm"):
        out = root / f"{name}.json"
        cmd = [sys.executable, __file__, "--side", name, "--report", str(out), "--model", model, "--n", str(args.n),
               "--max-tokens", str(args.max_tokens), "--hf-batch-size", str(args.hf_batch_size),
               "--tensor-parallel", str(args.tensor_parallel), "--dtype", args.dtype, "--device", args.device]
        subprocess.run(cmd, check=True)
        reports[name] = json.loads(out.read_text(encoding="utf-8"))
    hf, vl = reports["hf"], reports["vllm"]
    same = sum(a == b for a, b in zip(hf["texts"], vl["texts"], strict=True))
    hf_tps, vl_tps = hf["tokens"] / hf["seconds"], vl["tokens"] / vl["seconds"]
    print(f"model: {model}; {args.n} prompts, greedy, max {args.max_tokens} tokens, {args.dtype}, "
          f"hf batch {args.hf_batch_size}, vllm tensor_parallel {args.tensor_parallel}")
    print(f"greedy texts identical: {same}/{args.n}")
    print(f"{'':12}{'tokens':>10}{'seconds':>10}{'tokens/s':>12}")
    for name, r, tps in (("hf", hf, hf_tps), ("vllm", vl, vl_tps)):
        print(f"{name:12}{r['tokens']:10d}{r['seconds']:10.2f}{tps:12.1f}")
    print(f"ratio vllm / hf tokens/s: {vl_tps / hf_tps:.2f}")


if __name__ == "__main__":
    main()
