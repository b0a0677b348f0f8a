"""End-to-end wall time of the same small tasks through lm-eval and through thaibench.

One run on one machine, each command a fresh process so start-up is included (imports, model
load, lm-eval's index of its ~14,700 built-in tasks, thaibench's task discovery):

- generative: MGSM (Thai), first `--n` questions, greedy, `--max-tokens` tokens, chat template.
  lm-eval: `lm-eval run --model hf --include_path EXPORT --tasks thaibench_mgsm_th
  --apply_chat_template --gen_kwargs max_gen_toks=M --limit N` on the folder written by
  `thaibench lm-eval export`; thaibench: `thaibench score MODEL --tasks mgsm:th --limit N
  --max-tokens M`. Both score with thaibench's scorers, so the difference is the harness.
- multiple choice: ThaiExam O-NET by log-likelihood (`thaibench_thai_exam_onet_mc_th` vs
  `thai_exam_onet_mc`), first `--n` questions.

The model is a pico qwen2 (hidden 256, 8 layers), float32 on the CPU, batch size `--batch-size`
on both sides. thaibench writes into a fresh output folder (no cache hits). Prints one line per
run and the ratio lm-eval / thaibench (> 1: thaibench is faster).

    python bench/lmeval_vs_thaibench.py [--n 16] [--max-tokens 32] [--batch-size 8] [--threads 1]

`--threads` sets OMP_NUM_THREADS for both (a pico gains nothing from more; on a shared machine
spin-waiting OpenMP threads make timings noise). Needs `lm-eval[hf]` and the shared data
(THAIBENCH_DATA_DIR or ../shared/data).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], env: dict[str, str], log: Path) -> float:
    t = time.perf_counter()
    with log.open("w") as f:
        proc = subprocess.run(cmd, env=env, stdout=f, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\nsee {log}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    from thaibench.mini.pico import build_pico

    tmp = Path(tempfile.mkdtemp(prefix="bench-lmeval-"))
    model = build_pico(tmp / "pico", arch="qwen2", seed=0, hidden_size=256, intermediate_size=512,
                       num_hidden_layers=8)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false")
    env.setdefault("THAIBENCH_DATA_DIR", str(REPO.parent / "shared" / "data"))
    env.setdefault("HF_HOME", str(tmp / "hf"))
    thaibench = [sys.executable, "-m", "thaibench"]
    lm_eval = [shutil.which("lm-eval") or shutil.which("lm_eval") or "lm-eval"]
    export = tmp / "export"
    subprocess.run([*thaibench, "lm-eval", "export", "--out", str(export), "--tasks", "mgsm,thai_exam_onet_mc"],
                   env=env, check=True, capture_output=True)

    model_args = f"pretrained={model},dtype=float32"
    runs = {
        "mgsm:th (generate)": (
            [*lm_eval, "run", "--model", "hf", "--model_args", model_args, "--include_path", str(export),
             "--tasks", "thaibench_mgsm_th", "--apply_chat_template", "--gen_kwargs",
             f"max_gen_toks={args.max_tokens}", "--limit", str(args.n), "--batch_size", str(args.batch_size),
             "--device", "cpu"],
            [*thaibench, "score", str(model), "--tasks", "mgsm:th", "--limit", str(args.n), "--max-tokens",
             str(args.max_tokens), "--batch-size", str(args.batch_size), "--device", "cpu", "--quiet"]),
        "thai_exam_onet (log-likelihood)": (
            [*lm_eval, "run", "--model", "hf", "--model_args", model_args, "--include_path", str(export),
             "--tasks", "thaibench_thai_exam_onet_mc_th", "--limit", str(args.n), "--batch_size",
             str(args.batch_size), "--device", "cpu"],
            [*thaibench, "score", str(model), "--tasks", "thai_exam_onet_mc", "--limit", str(args.n),
             "--batch-size", str(args.batch_size), "--device", "cpu", "--quiet"]),
    }
    print(f"pico qwen2 256x8, float32 CPU, n={args.n}, max_tokens={args.max_tokens}, batch={args.batch_size}, "
          f"threads={args.threads}; one fresh process per run, start-up included")
    print(f"{'task':34} {'lm-eval s':>10} {'thaibench s':>12} {'lm-eval/thaibench':>18}")
    for i, (label, (lm_cmd, tb_cmd)) in enumerate(runs.items()):
        lm_s = timed(lm_cmd, env, tmp / f"lm-eval-{i}.log")
        tb_s = timed([*tb_cmd, "--out", str(tmp / f"out-{i}")], env, tmp / f"thaibench-{i}.log")
        print(f"{label:34} {lm_s:10.1f} {tb_s:12.1f} {lm_s / tb_s:18.2f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
