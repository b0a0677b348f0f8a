"""Sandbox throughput: programs per second for a trivial passing program, against the naive way.

Both sides run the same N programs (read two numbers, print the sum) on the same number of
worker threads, in the same process, one after the other, and every answer is checked:

- sandbox: `Sandbox.run_all` (bubblewrap, fresh namespaces, limits, kill of the PID namespace);
- naive: one `subprocess.run([sys.executable, file], input=..., timeout=...)` per program, the
  usual unprotected evaluator loop (no isolation at all);
- naive -I -S: the same with the interpreter started as the sandbox starts it (no site import),
  to show how much of the difference is interpreter start-up rather than the sandbox.

Also reported: HumanEval-style check jobs per second (two sandboxes each: candidate and judge).

Usage: python bench/sandbox_throughput.py [--n 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from thaibench.sandbox import CheckJob, Limits, ProgramJob, Sandbox
from thaibench.sandbox.verdict import stdin_passed

PROGRAM = "a, b = map(int, input().split())\nprint(a + b)\n"


def naive(n: int, workers: int, flags: tuple[str, ...]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "prog.py"
        path.write_text(PROGRAM)

        def one(i: int) -> bool:
            out = subprocess.run([sys.executable, *flags, str(path)], input=f"{i} {i}\n", capture_output=True,
                                 text=True, timeout=10)
            return out.returncode == 0 and out.stdout.strip() == str(2 * i)

        t = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            ok = sum(pool.map(one, range(n)))
        return n / (time.perf_counter() - t), ok


def sandboxed(sb: Sandbox, n: int) -> tuple[float, int]:
    jobs = [ProgramJob(PROGRAM, (f"{i} {i}\n",)) for i in range(n)]
    t = time.perf_counter()
    outs = sb.run_all(jobs)
    rate = n / (time.perf_counter() - t)
    ok = sum(stdin_passed(o.runs[0], str(2 * i)) for i, o in enumerate(outs))
    return rate, ok


def checks(sb: Sandbox, n: int) -> tuple[float, int]:
    prompt = 'def add(a, b):\n    """Return a + b."""\n'
    test = "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"
    jobs = [CheckJob(prompt + "    return a + b\n", "add", prompt, test) for _ in range(n)]
    t = time.perf_counter()
    outs = sb.run_all(jobs)
    return n / (time.perf_counter() - t), sum(o.passed for o in outs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    sb = Sandbox(Limits(wall_seconds=10), workers=args.workers)
    print(f"mechanism: {sb.info()['mechanism']} {sb.info().get('bwrap_version', '')}, "
          f"privilege drop: {sb.info().get('privilege_drop')}; {args.workers} workers; "
          f"{len(os.sched_getaffinity(0))} cores; load {os.getloadavg()[0]:.1f}")
    sandboxed(sb, 10)  # warm the page cache for both sides
    naive(10, args.workers, ())
    s_rate, s_ok = sandboxed(sb, args.n)
    n_rate, n_ok = naive(args.n, args.workers, ())
    f_rate, f_ok = naive(args.n, args.workers, ("-I", "-S"))
    c_rate, c_ok = checks(sb, max(10, args.n // 4))
    print(f"sandbox (bubblewrap):          {s_rate:7.1f} programs/s  ({s_ok}/{args.n} passed)")
    print(f"naive subprocess + timeout:    {n_rate:7.1f} programs/s  ({n_ok}/{args.n} passed)")
    print(f"naive, python -I -S:           {f_rate:7.1f} programs/s  ({f_ok}/{args.n} passed)")
    print(f"ratio sandbox / naive:         {s_rate / n_rate:7.2f}x")
    print(f"ratio sandbox / naive -I -S:   {s_rate / f_rate:7.2f}x")
    print(f"HumanEval-style checks:        {c_rate:7.1f} problems/s ({c_ok} passed; two sandboxes each)")


if __name__ == "__main__":
    main()
