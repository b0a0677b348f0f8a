"""Sweep speed: in-memory candidates vs "merge to disk, then load and score" per ratio.

Both paths score the same 11 linear candidates (ratios 0, 0.1, ..., 1) of two small random
Qwen2 parents on the same prompts with greedy decoding, in one run, and the script prints the
wall time of each path, overall and for the merge part alone (in memory: reading the parents
once, then per candidate its id and computing its weights into the shared model; on disk: merge_to_disk, the candidate's id (a digest
of the written weights, as `thaibench score` files runs under it) and from_pretrained), and their
ratios. Both paths run in one process, so neither pays interpreter or import start-up: a per-ratio
`thaibench merge` + `thaibench score` loop pays that too.
Targets: >= 3x overall, >= 20x on the merge part.

    python bench/sweep.py [--hidden 512] [--layers 8] [--prompts 16] [--max-tokens 32] [--device cpu]

`--cli` adds the comparison a user sees: one `thaibench sweep` command against a loop of
`thaibench merge` + `thaibench score` per ratio (processes, the `mini_multi` task, `--prompts`
items), wall time of each.
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
    ap.add_argument("--cli", action="store_true", help="also time `thaibench sweep` vs merge + score per ratio")
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
    shared.state_dicts()          # the parents, read once: counted in the merge part
    mem_merge = time.perf_counter() - t0
    mem_each = []
    mem_texts = []
    for c in cands:
        be = MergedBackend(shared, c, opts)
        m0 = time.perf_counter()
        be.candidate()            # the id its runs are filed under (from the spec: nothing to hash)
        be._load()
        sync()
        mem_each.append(time.perf_counter() - m0)
        mem_merge += mem_each[-1]
        mem_texts.append([g.text for g in be.generate(reqs)])
    sync()
    mem_total = time.perf_counter() - t0
    shared.close()

    # merge to disk, then load and score
    t0 = time.perf_counter()
    disk_merge = 0.0
    disk_each = []
    disk_texts = []
    for c in cands:
        d = root / "disk" / c.id
        m0 = time.perf_counter()
        merge_to_disk(c.spec, d)
        be = HFBackend(str(d), opts)
        be.candidate()            # the id its runs are filed under (a digest of the written weights)
        be._load()
        sync()
        disk_each.append(time.perf_counter() - m0)
        disk_merge += disk_each[-1]
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
    steady_mem, steady_disk = sorted(mem_each[1:])[len(mem_each) // 2], sorted(disk_each[1:])[len(disk_each) // 2]
    print(f"per candidate after the first (median): in-memory {steady_mem * 1e3:7.1f} ms, "
          f"disk {steady_disk * 1e3:7.1f} ms ({steady_disk / steady_mem:5.1f}x)")
    print(f"speed-up: overall {disk_total / mem_total:5.1f}x (target >= 3x); "
          f"merge part {disk_merge / max(mem_merge, 1e-9):5.1f}x (target >= 20x)")


    if args.cli:
        cli(a, b, ratios, args, root)


def cli(a: Path, b: Path, ratios: list[float], args: argparse.Namespace, root: Path) -> None:
    """The commands a user runs: one sweep vs `thaibench merge` then `thaibench score` per ratio."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "HF_HUB_OFFLINE": "1"}
    tb = [sys.executable, "-m", "thaibench"]
    common = ["--tasks", "mini_multi", "--limit", str(args.prompts), "--max-tokens", str(args.max_tokens),
              "--batch-size", str(args.prompts), "--quiet", "--dtype", "float32"]
    if args.device:
        common += ["--device", args.device]

    def timed(cmd: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t

    sweep = timed([*tb, "sweep", "--models", str(a), str(b), "--ratios", ",".join(map(str, ratios)),
                   "--no-parents", "--no-report", "--out", str(root / "cli-sweep"), *common])
    merge = score = 0.0
    for r in ratios:
        cfg = root / f"cli-{r}.json"
        cfg.write_text(json.dumps({"method": "linear", "models": [str(a), str(b)], "ratio": r,
                                   "out_dtype": "float32"}))
        merge += timed([*tb, "merge", str(cfg), str(root / f"cli-{r}"), "--quiet"])
        score += timed([*tb, "score", str(root / f"cli-{r}"), "--out", str(root / "cli-loop"), *common])
    loop = merge + score
    print(f"commands, {len(ratios)} ratios on mini_multi ({args.prompts} items per language): "
          f"`thaibench sweep` {sweep:6.1f} s; per ratio `thaibench merge` + `thaibench score` {loop:6.1f} s "
          f"(merge {merge:.1f} s, score {score:.1f} s): {loop / sweep:4.1f}x")


if __name__ == "__main__":
    main()
