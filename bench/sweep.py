"""Sweep speed: in-memory candidates vs "merge to disk, then load and score" per ratio.

Both paths score the same 11 linear candidates (ratios 0, 0.1, ..., 1) of two small random
Qwen2 parents on the same prompts with greedy decoding, in one run, and the script prints the
wall time of each path, overall and for the merge part alone (in memory: computing the weights
into the shared model; on disk: merge_to_disk + from_pretrained), and their ratios.
Targets: >= 3x overall, >= 20x on the merge part.

    python bench/sweep.py [--hidden 512] [--layers 8] [--prompts 16] [--max-tokens 32] [--device cpu]
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
    ap.add_argument("--prompts", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--device", default=None)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (1 on a machine shared with other work)")
    args = ap.parse_args()

    import torch

    from thaibench.backends import BackendOptions
    from thaibench.backends.hf import HFBackend
    from thaibench.merge.build import merge_to_disk
    from thaibench.merge.sweep import MergedBackend, SharedParents, sweep_candidates
    from thaibench.mini.pico import build_pico, build_tokenizer
    from thaibench.types import GenerationConfig, Request

    torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    root = Path(tempfile.mkdtemp(prefix="tb-bench-sweep-"))
    tok = build_tokenizer()
    over = dict(hidden_size=args.hidden, intermediate_size=4 * args.hidden, num_hidden_layers=args.layers,
                num_attention_heads=8, num_key_value_heads=4)
    a = build_pico(root / "a", "qwen2", seed=1, tokenizer=tok, **over)
    b = build_pico(root / "b", "qwen2", seed=2, tokenizer=tok, **over)
    ratios = [round(i / 10, 1) for i in range(11)]
    cands = sweep_candidates([str(a), str(b)], ["linear"], ratios, out_dtype="float32")
    cfg = GenerationConfig(max_tokens=args.max_tokens)
    reqs = [Request([{"role": "user", "content": f"{i} + {i + 1} = ? อธิบาย"}], cfg, 0) for i in range(args.prompts)]
    opts = BackendOptions(dtype="float32", device=device, batch_size=args.prompts)

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    # in memory
    t0 = time.perf_counter()
    shared = SharedParents([str(a), str(b)], device, "float32")
    mem_merge = 0.0
    mem_texts = []
    for c in cands:
        be = MergedBackend(shared, c, opts)
        m0 = time.perf_counter()
        be._load()
        sync()
        mem_merge += time.perf_counter() - m0
        mem_texts.append([g.text for g in be.generate(reqs)])
    sync()
    mem_total = time.perf_counter() - t0
    shared.close()

    # merge to disk, then load and score
    t0 = time.perf_counter()
    disk_merge = 0.0
    disk_texts = []
    for c in cands:
        d = root / "disk" / c.id
        m0 = time.perf_counter()
        merge_to_disk(c.spec, d)
        be = HFBackend(str(d), opts)
        be._load()
        sync()
        disk_merge += time.perf_counter() - m0
        disk_texts.append([g.text for g in be.generate(reqs)])
        be.close()
    sync()
    disk_total = time.perf_counter() - t0

    size = sum(f.stat().st_size for f in a.glob("*.safetensors")) / 1e6
    print(f"device {device}; parents {size:.0f} MB each (qwen2, hidden {args.hidden}, {args.layers} layers); "
          f"{len(cands)} candidates x {args.prompts} prompts x {args.max_tokens} tokens")
    print(f"same generations in both paths: {mem_texts == disk_texts}")
    print(f"in-memory:     total {mem_total:7.2f} s   merge part {mem_merge:7.3f} s")
    print(f"disk per ratio: total {disk_total:7.2f} s   merge part {disk_merge:7.3f} s")
    print(f"speed-up: overall {disk_total / mem_total:5.1f}x (target >= 3x); "
          f"merge part {disk_merge / max(mem_merge, 1e-9):5.1f}x (target >= 20x)")


if __name__ == "__main__":
    main()
