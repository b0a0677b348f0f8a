"""Merge speed and memory: thaibench vs mergekit 0.1.5 on two ~1 GB Qwen2-shaped bf16 parents.

    python bench/merge.py [--work DIR] [--repeats N] [--method linear]

What it does, in one run on this machine:
1. writes two synthetic parents with Qwen2.5-0.5B's shapes in bfloat16 (494 M parameters,
   0.99 GB each; `thaibench.merge.synthetic`), once, under --work;
2. measures the disk: writes 1 GiB and fsyncs it (write bandwidth), drops it from the page cache
   and reads it back (cold read bandwidth);
3. runs each tool R times in a fresh subprocess, parents dropped from the page cache before every
   run (posix_fadvise DONTNEED), and records the merge's wall time (imports excluded, timed inside
   the child), its wall time until the output is on disk (thaibench fsyncs; mergekit's files are
   fsynced after it returns), the whole command's wall time, and the child's peak RSS (wait4);
   thaibench runs with an empty digest cache, so it also hashes both parents for their ids;
4. runs thaibench a second way, with the parents' digests already remembered (what a second merge
   of the same parents sees; identity's proposed `cached_file_digest`, served from digests
   computed before the timer starts), since the first way hashes 2 GB of parents for their ids;
5. checks the outputs are equal, and prints the figures and ratios:
   speed-up = mergekit durable time / thaibench durable time (target >= 2),
   floor = bytes read / read bandwidth + bytes written / write bandwidth (target: within 1.5x),
   thaibench peak RSS (target < 1.5 GB).

mergekit is configured as its documentation advises for a CPU merge: `--lazy-unpickle`,
`--out-shard-size 1B` (the official mergekit-gui's CPU flags), plus `--async-write
--write-threads 2 --num-threads 2` (its help: "faster execution"), `copy_tokenizer` on.
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

THAIBENCH_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from thaibench.commands.merge import load_spec
from thaibench.merge.build import merge_to_disk
import thaibench.merge.linear
t1 = time.perf_counter()
cand = merge_to_disk(load_spec(Path(sys.argv[1])), Path(sys.argv[2]))
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "merge_s": t2 - t1, "durable_s": t2 - t1,
                  "bytes_read": cand.lineage["bytes_read"], "bytes_written": cand.lineage["bytes_written"]}))
"""

# The same merge when the parents' digests are already remembered (a second merge of the same
# parents, or parents that were scored): identity's proposed cached_file_digest hook, backed here
# by digests computed before the timer starts.
THAIBENCH_KNOWN_CHILD = r"""
import json, sys, time
from pathlib import Path
from thaibench import identity
from thaibench.commands.merge import load_spec
spec = load_spec(Path(sys.argv[1]))
known = {}
for ref in spec.parents:
    for f in identity.checkpoint_files(Path(ref)):
        known[f] = identity.file_digest(f)
identity.cached_file_digest = lambda p: known.get(Path(p))
t0 = time.perf_counter()
from thaibench.merge.build import merge_to_disk
import thaibench.merge.linear
t1 = time.perf_counter()
cand = merge_to_disk(spec, Path(sys.argv[2]))
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "merge_s": t2 - t1, "durable_s": t2 - t1,
                  "bytes_read": cand.lineage["bytes_read"], "bytes_written": cand.lineage["bytes_written"]}))
"""

MERGEKIT_CHILD = r"""
import json, os, sys, time
from pathlib import Path
t0 = time.perf_counter()
import yaml
from mergekit.config import MergeConfiguration
from mergekit.merge import run_merge
from mergekit.options import MergeOptions
t1 = time.perf_counter()
opts = MergeOptions(lazy_unpickle=True, out_shard_size=10**9, async_write=True, write_threads=2,
                    num_threads=2, copy_tokenizer=True, quiet=True)
opts.apply_global_options()
cfg = MergeConfiguration.model_validate(yaml.safe_load(Path(sys.argv[1]).read_text()))
run_merge(cfg, sys.argv[2], options=opts)
t2 = time.perf_counter()
for f in Path(sys.argv[2]).iterdir():          # make it durable, as thaibench's output is
    fd = os.open(f, os.O_RDONLY); os.fsync(fd); os.close(fd)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "merge_s": t2 - t1, "durable_s": t3 - t1}))
"""


def drop_cache(paths: list[Path]) -> None:
    for root in paths:
        for f in ([root] if root.is_file() else root.rglob("*")):
            if f.is_file():
                fd = os.open(f, os.O_RDONLY)
                os.fdatasync(fd) if os.access(f, os.W_OK) else None
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                os.close(fd)


def disk_bandwidth(work: Path, size: int = 1 << 30) -> tuple[float, float]:
    """(write GB/s incl. fsync, cold read GB/s) of a `size`-byte file under `work`."""
    path = work / "bandwidth.bin"
    block = os.urandom(64 << 20)
    t = time.perf_counter()
    with open(path, "wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
        f.flush()
        os.fsync(f.fileno())
    write = size / (time.perf_counter() - t) / 1e9
    drop_cache([path])
    buf = bytearray(16 << 20)
    t = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        while f.readinto(buf):
            pass
    read = size / (time.perf_counter() - t) / 1e9
    path.unlink()
    return write, read


def run_child(code: str, args: list[str], env: dict[str, str]) -> dict:
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed:\n{err[-3000:]}")
    res = json.loads(out.strip().splitlines()[-1])
    res.update(wall_s=wall, peak_rss_gb=usage.ru_maxrss * 1024 / 1e9)
    return res


def parents(work: Path) -> list[Path]:
    from thaibench.merge.synthetic import QWEN2_05B, synthetic_checkpoint
    from thaibench.mini.pico import build_tokenizer

    out = []
    tok = None
    for i in range(2):
        p = work / f"qwen2-0.5b-bf16-{i}"
        if not (p / "config.json").is_file():
            tok = tok or build_tokenizer()
            print(f"writing synthetic parent {p} ...", flush=True)
            synthetic_checkpoint(p, dtype="bfloat16", seed=i, tokenizer=tok, **QWEN2_05B)
        out.append(p)
    return out


def compare(a: Path, b: Path) -> float:
    from thaibench.merge.stio import Checkpoint

    x, y = Checkpoint.open(a), Checkpoint.open(b)
    worst = 0.0
    for name in x.tensors:
        worst = max(worst, float((x.read(name).float() - y.read(name).float()).abs().max()))
    return worst


GPU_CASES = {
    "linear m3": {"method": "linear", "ratio": "m3"},
    "slerp 0.3": {"method": "slerp", "ratio": 0.3},
    "ties 0.5 d0.5": {"method": "ties", "ratio": 0.5, "base": 0, "parameters": {"density": 0.5}},
    "dare_linear m3 d0.9": {"method": "dare_linear", "ratio": "m3", "base": 0, "parameters": {"density": 0.9}},
}


def gpu_check(pa: Path, pb: Path) -> dict:
    """The in-memory API on a GPU: each candidate computed into a resident model's state dict.
    Same plan on the CPU (all cores) for the reference values and time."""
    import torch

    from thaibench.candidates import GENERATORS
    from thaibench.merge import dare_linear, linear, slerp, ties  # noqa: F401 - registers them
    from thaibench.merge.plan import MergePlan, ParentMeta
    from thaibench.merge.spec import from_thaibench
    from thaibench.merge.stio import Checkpoint

    GENERATORS._discovered = True       # the merge methods only; no other module is needed here
    cks = [Checkpoint.open(p) for p in (pa, pb)]
    cpu = [{k: c.read(k).reshape(t.shape) for k, t in c.tensors.items()} for c in cks]
    gpu = [{k: v.cuda() for k, v in sd.items()} for sd in cpu]
    metas = [ParentMeta.from_state_dict(sd, json.loads((p / "config.json").read_text()))
             for sd, p in zip(cpu, (pa, pb), strict=True)]
    out: dict = {"device": torch.cuda.get_device_name(0), "cpu_threads": torch.get_num_threads(), "cases": {}}
    for name, case in GPU_CASES.items():
        cfg = dict(case, models=[str(pa), str(pb)])
        if cfg.get("base") == 0:
            cfg["base"] = str(pa)
        method, _, params = from_thaibench(cfg)
        plan = MergePlan.build(GENERATORS.get(method).method, params, metas)
        tg = {k: torch.empty_like(v) for k, v in gpu[0].items()}
        times = []
        for _ in range(2):
            torch.cuda.synchronize()
            t = time.perf_counter()
            plan.merge_into(tg, gpu)
            torch.cuda.synchronize()
            times.append(time.perf_counter() - t)
        tc = {k: torch.empty_like(v) for k, v in cpu[0].items()}
        t = time.perf_counter()
        plan.merge_into(tc, cpu)
        cpu_s = time.perf_counter() - t
        diffs = [float((tg[k].cpu().float() - tc[k].float()).abs().max()) for k in tc]
        equal = sum(torch.equal(tg[k].cpu(), tc[k]) for k in tc)
        out["cases"][name] = {"gpu_s": round(min(times), 3), "gpu_first_s": round(times[0], 3),
                              "cpu_s": round(cpu_s, 3), "max_abs_diff_vs_cpu": max(diffs),
                              "tensors_bit_equal": f"{equal}/{len(tc)}"}
        print(name, out["cases"][name], flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "thaibench-bench-merge")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--gpu", action="store_true", help="only the in-memory merge on a CUDA GPU vs the CPU")
    args = ap.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    pa, pb = parents(work)
    if args.gpu:
        res = gpu_check(pa, pb)
        if args.json:
            args.json.write_text(json.dumps(res, indent=2) + "\n")
        return
    tb_cfg, mk_cfg = work / "thaibench.json", work / "mergekit.yml"
    tb_cfg.write_text(json.dumps({"method": "linear", "models": [str(pa), str(pb)], "ratio": 0.5}))
    mk_cfg.write_text(f"merge_method: linear\nmodels:\n  - model: {pa}\n    parameters: {{weight: 0.5}}\n"
                      f"  - model: {pb}\n    parameters: {{weight: 0.5}}\ndtype: bfloat16\n")
    write_bw, read_bw = disk_bandwidth(work)
    print(f"disk: write {write_bw:.2f} GB/s (fsync), cold read {read_bw:.2f} GB/s")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    results: dict[str, list[dict]] = {"thaibench": [], "thaibench-known": [], "mergekit": []}
    for r in range(args.repeats):
        for tool, code in (("thaibench", THAIBENCH_CHILD), ("thaibench-known", THAIBENCH_KNOWN_CHILD),
                           ("mergekit", MERGEKIT_CHILD)):
            out = work / f"out-{tool}"
            subprocess.run(["rm", "-rf", str(out)], check=True)
            drop_cache([pa, pb])
            cache = tempfile.mkdtemp(prefix="digests-", dir=work)     # no remembered parent digests
            res = run_child(code, [str(mk_cfg if tool == "mergekit" else tb_cfg), str(out)],
                            dict(env, THAIBENCH_CACHE=cache))
            results[tool].append(res)
            print(f"[{r}] {tool:15s} merge {res['merge_s']:6.2f} s  durable {res['durable_s']:6.2f} s  "
                  f"command {res['wall_s']:6.2f} s  peak RSS {res['peak_rss_gb']:.2f} GB", flush=True)
    diff = compare(work / "out-thaibench", work / "out-mergekit")
    best = {t: min(rs, key=lambda x: x["durable_s"]) for t, rs in results.items()}
    tb, mk, tk = best["thaibench"], best["mergekit"], best["thaibench-known"]
    floor = tb["bytes_read"] / 1e9 / read_bw + tb["bytes_written"] / 1e9 / write_bw
    summary = {
        "parents": "2 x Qwen2.5-0.5B shapes, bfloat16, 494M parameters each",
        "bytes_read": tb["bytes_read"], "bytes_written": tb["bytes_written"],
        "write_gbps": round(write_bw, 3), "read_gbps": round(read_bw, 3), "disk_floor_s": round(floor, 2),
        "thaibench": tb, "mergekit": mk, "max_abs_diff": diff,
        "speedup_durable": round(mk["durable_s"] / tb["durable_s"], 2),
        "speedup_merge": round(mk["merge_s"] / tb["merge_s"], 2),
        "speedup_command": round(mk["wall_s"] / tb["wall_s"], 2),
        "thaibench_over_floor": round(tb["durable_s"] / floor, 2),
        "thaibench_known": tk, "speedup_known": round(mk["durable_s"] / tk["durable_s"], 2),
        "known_over_floor": round(tk["durable_s"] / floor, 2),
        "mergekit_flags": "--lazy-unpickle --out-shard-size 1B --async-write --write-threads 2 --num-threads 2",
    }
    print(f"\nread {tb['bytes_read'] / 1e9:.2f} GB + wrote {tb['bytes_written'] / 1e9:.2f} GB; "
          f"disk floor {floor:.2f} s; outputs differ by at most {diff}")
    print(f"speed-up vs mergekit: {summary['speedup_durable']}x to durable output "
          f"({summary['speedup_merge']}x merge only, {summary['speedup_command']}x whole command)")
    print(f"thaibench: {summary['thaibench_over_floor']}x the disk floor, peak RSS {tb['peak_rss_gb']:.2f} GB "
          f"(mergekit {mk['peak_rss_gb']:.2f} GB)")
    print(f"parents' digests already remembered: {summary['speedup_known']}x mergekit, "
          f"{summary['known_over_floor']}x the disk floor")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
