"""Generation throughput of the `hf` backend (tokens/s), on whatever device is present.

Builds a random Qwen2 model of the given size (no download), generates greedy answers to a
fixed set of chat prompts with a fixed token budget, and prints tokens per second per batch
size. Used on a lent GPU to record the hf backend's speed beside the vLLM backend's.

    python bench/hf_throughput.py --hidden 1024 --layers 16 --prompts 64 --max-tokens 256
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--prompts", type=int, default=32)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--batch-sizes", default="8,32")
    ap.add_argument("--dtype", default="auto")
    args = ap.parse_args()

    import torch

    from thaibench.backends import BackendOptions
    from thaibench.backends.hf import HFBackend
    from thaibench.mini.pico import build_pico
    from thaibench.types import GenerationConfig, Request

    root = Path(tempfile.mkdtemp(prefix="tb-bench-hf-"))
    model = build_pico(root / "m", "qwen2", seed=0, hidden_size=args.hidden, intermediate_size=4 * args.hidden,
                       num_hidden_layers=args.layers, num_attention_heads=max(4, args.hidden // 64),
                       num_key_value_heads=max(2, args.hidden // 256))
    n_params = sum(p.numel() for p in __import__("safetensors.torch", fromlist=["load_file"])
                   .load_file(str(model / "model.safetensors")).values())
    # min_new_tokens-free budget: random weights rarely emit EOS, so nearly every answer runs to the budget
    cfg = GenerationConfig(max_tokens=args.max_tokens)
    reqs = [Request([{"role": "user", "content": f"โจทย์ที่ {i}: {i} + {2 * i} เท่ากับเท่าไร"}], cfg, 0)
            for i in range(args.prompts)]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"device {device} ({torch.cuda.get_device_name() if device == 'cuda' else 'cpu'}); "
          f"model {n_params / 1e6:.0f}M params; {args.prompts} prompts x {args.max_tokens} tokens")
    for bs in (int(b) for b in args.batch_sizes.split(",")):
        be = HFBackend(str(model), BackendOptions(dtype=args.dtype, batch_size=bs))
        be.generate(reqs[:bs])  # warm-up (load, kernels)
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        gens = be.generate(reqs)
        if device == "cuda":
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        toks = sum(g.completion_tokens or 0 for g in gens)
        print(f"batch {bs:3d}: {toks} tokens in {dt:.2f} s = {toks / dt:,.0f} tokens/s")


if __name__ == "__main__":
    main()
