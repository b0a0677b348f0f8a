"""The harness side of the sandbox: check the isolation, run jobs, collect per-test runs.

`Sandbox(limits, workers)` checks once per process that the isolation really holds (a probe
program reports its uid, what it can see, its environment, its network interfaces and how many
processes it could fork; see `_check_probe`) and raises SandboxUnavailable if not. `run(job)`
runs one job in a fresh sandbox; `run_all(jobs)` runs many on `workers` threads, so N programs
run on N cores. Every test of one job runs in the same sandbox, each in its own freshly forked
process, so a problem with many tests pays the sandbox start once; sandboxes are started ahead of
need (process.WarmPool) so that start-up overlaps with the previous job.

A CheckJob uses two sandboxes joined by two pipes: the candidate (model code, `serve` mode)
and the judge (the dataset's prompt and unchanged test, `judge` mode). The judge's report is
the verdict because no model code ever ran in it.

Example:
    with Sandbox(Limits(wall_seconds=5), workers=2) as sb:
        out = sb.run(ProgramJob("print(sum(map(int, input().split())))", ("1 2\\n",)))
    out.runs[0].stdout  # '3\\n'
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from thaibench.sandbox.bwrap import SANDBOX_UID, Launcher, bwrap_launcher, unsafe_launcher
from thaibench.sandbox.errors import SandboxUnavailable
from thaibench.sandbox.jobs import (
    NOT_RUN,
    SANDBOX_ERROR,
    CallJob,
    CheckJob,
    CheckOutcome,
    Outcome,
    ProgramJob,
    Run,
)
from thaibench.sandbox.limits import Limits, MiB
from thaibench.sandbox.process import Proc, WarmPool, pump

log = logging.getLogger("thaibench.sandbox")
START_SLACK_S = 10.0  # sandbox start-up and reporting, on top of each test's wall limit
PROBE_LIMITS = Limits(cpu_seconds=5, wall_seconds=10, memory_mb=512, max_processes=4)
ALLOWED_ENV = {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "PWD"}
Job = ProgramJob | CallJob | CheckJob


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _check_probe(report: dict[str, Any], max_processes: int) -> list[str]:
    """Reasons the probe's report shows broken isolation (empty: all good)."""
    bad = []
    if report.get("uid") != SANDBOX_UID:
        bad.append(f"runs as uid {report.get('uid')}, not {SANDBOX_UID}")
    if not isinstance(report.get("pid"), int) or report["pid"] > 16:
        bad.append("no private PID namespace")
    if report.get("visible"):
        bad.append(f"harness paths visible: {report['visible']}")
    leaked = (set(report.get("env", [])) | set(report.get("init_env", []))) - ALLOWED_ENV
    if leaked:
        bad.append(f"environment leaks into the sandbox: {sorted(leaked)}")
    if report.get("interfaces") not in (["lo"], []):
        bad.append(f"network interfaces visible: {report.get('interfaces')}")
    if report.get("system_writable"):
        bad.append("the system tree is writable")
    if not isinstance(report.get("forks"), int) or report["forks"] >= max_processes:
        bad.append(f"process limit not enforced ({report.get('forks')} forks allowed with a limit of "
                   f"{max_processes} processes)")
    return bad


def _must_be_hidden(binds: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Harness paths the probe must not see, each with the only entries it may show: the next
    step towards a bound tree (e.g. /root may hold just `.pyenv` when the interpreter lives there)."""
    import thaibench

    home = Path.home()
    paths = {Path(thaibench.__file__).resolve().parents[1], Path.cwd(), home, home / ".cache", home / ".ssh",
             home / ".config", Path("/work"), Path("/root")}
    for var in ("THAIBENCH_DATA_DIR", "HF_HOME"):
        if os.environ.get(var):
            paths.add(Path(os.path.realpath(os.environ[var])))
    out = []
    for p in sorted(paths):
        if p in (Path("/"), Path("/tmp")) or any(p == Path(b) or Path(b) in p.parents for b in binds):
            continue  # the sandbox's own /tmp, or inside a tree it is meant to see
        allowed = sorted({Path(b).relative_to(p).parts[0] for b in binds if p in Path(b).parents})
        out.append((str(p), allowed))
    return out


_PROBES: dict[tuple[str, ...], dict[str, Any] | str] = {}
_PROBE_LOCK = threading.Lock()


def _probe(launcher: Launcher) -> dict[str, Any]:
    """Run the probe once per launcher; raise SandboxUnavailable when isolation is not there."""
    with _PROBE_LOCK:
        cached = _PROBES.get(launcher.prefix)
        if cached is None:
            cached = _run_probe(launcher)
            _PROBES[launcher.prefix] = cached
    if isinstance(cached, str):
        raise SandboxUnavailable(cached + "; refusing to run untrusted code (--unsafe-no-sandbox runs it "
                                 "without isolation, for trusted code only)")
    return cached


def _run_probe(launcher: Launcher) -> dict[str, Any] | str:
    try:
        pr = Proc(launcher)
    except OSError as exc:
        return f"cannot start bubblewrap: {exc}"
    hidden = _must_be_hidden(launcher.info.get("root", []))
    pr.assign(_job_dict(launcher, "probe", PROBE_LIMITS, {"must_be_hidden": hidden}))
    reports: list[dict[str, Any]] = []
    pump([pr], time.monotonic() + 30, 1 << 20, lambda _p, m: reports.append(m) is None)
    result = reports[0].get("result") if reports else None
    try:
        report = json.loads(result) if result else None
    except ValueError:
        report = None
    if not isinstance(report, dict):
        err = pr.stderr.decode("utf-8", "replace").strip().splitlines()
        return ("the sandbox did not start: " + (err[-1] if err else pr.error or "no report")
                + " (are unprivileged user namespaces allowed?)")
    bad = _check_probe(report, PROBE_LIMITS.max_processes)
    return ("the sandbox failed its self-check: " + "; ".join(bad)) if bad else report


def _job_dict(launcher: Launcher, mode: str, limits: Limits, extra: dict[str, Any]) -> dict[str, Any]:
    root = "/tmp" if launcher.sandboxed else tempfile.mkdtemp(prefix="thaibench-unsafe-")
    return {"mode": mode, "limits": limits.for_driver(), "sandboxed": launcher.sandboxed, "root": root, **extra}


class _Pair:
    """A candidate sandbox and a judge sandbox joined by two pipes (requests, replies)."""

    def __init__(self, launcher: Launcher) -> None:
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        try:
            self.candidate = Proc(launcher, (req_r, rep_w))
            self.judge = Proc(launcher, (req_w, rep_r))
        finally:
            for fd in (req_r, req_w, rep_r, rep_w):
                os.close(fd)
        self.cand_fds, self.judge_fds = [req_r, rep_w], [req_w, rep_r]

    @property
    def alive(self) -> bool:
        return self.candidate.alive and self.judge.alive

    def discard(self) -> None:
        self.candidate.discard()
        self.judge.discard()


class Sandbox:
    """Runs untrusted programs under `limits`, `workers` at a time. See the module docstring."""

    def __init__(self, limits: Limits | None = None, workers: int | None = None, *,
                 unsafe_no_sandbox: bool = False) -> None:
        self.limits = limits or Limits()
        self.workers = workers or default_workers()
        if unsafe_no_sandbox:
            msg = ("UNSAFE: running model-written code WITHOUT a sandbox (unsafe_no_sandbox); it can read "
                   "your files and secrets, use the network and harm this machine. Trusted code only.")
            log.warning(msg)
            print(f"thaibench: WARNING: {msg}", flush=True, file=sys.stderr)
            self.launcher = unsafe_launcher()
            self.probe: dict[str, Any] = {}
        else:
            self.launcher = bwrap_launcher(self.limits)
            self.probe = _probe(self.launcher)
        self._pools: dict[str, WarmPool[Any]] = {}
        self._pool_lock = threading.Lock()

    def info(self) -> dict[str, Any]:
        """The mechanism in force, for the run record."""
        return {**self.launcher.info, "limits": self.limits.to_dict(), "workers": self.workers}

    def close(self) -> None:
        """Stop the sandboxes waiting for work (they hold no job; nothing is lost)."""
        with self._pool_lock:
            pools, self._pools = self._pools, {}
        for pool in pools.values():
            pool.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def _pool(self, kind: str) -> WarmPool[Any]:
        with self._pool_lock:
            pool = self._pools.get(kind)
            if pool is None:
                if kind == "pair":
                    pool = WarmPool(lambda: _Pair(self.launcher), self.workers, lambda x: x.alive, lambda x: x.discard())
                else:
                    pool = WarmPool(lambda: Proc(self.launcher), self.workers, lambda x: x.alive, lambda x: x.discard())
                self._pools[kind] = pool
            return pool

    # ------------------------------------------------------------------ jobs

    def run(self, job: Job) -> Outcome | CheckOutcome:
        if isinstance(job, CheckJob):
            return self._run_check(job)
        if isinstance(job, ProgramJob):
            extra = {"code": job.code, "prelude": job.prelude, "tests": list(job.inputs),
                     "stop_on_error": job.stop_on_error}
            return self._run_tests("stdin", extra, len(job.inputs), job.keep_going)
        extra = {"code": job.code, "prelude": job.prelude, "tests": [list(c) for c in job.calls],
                 "entry": job.entry, "klass": job.klass, "stop_on_error": job.stop_on_error}
        return self._run_tests("call", extra, len(job.calls), job.keep_going)

    def run_all(self, jobs: Sequence[Job]) -> list[Outcome | CheckOutcome]:
        """Run jobs on `workers` threads; results in job order."""
        if self.workers == 1 or len(jobs) <= 1:
            return [self.run(j) for j in jobs]
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="sandbox") as pool:
            return list(pool.map(self.run, jobs))

    def _deadline(self, n_tests: int) -> float:
        return time.monotonic() + START_SLACK_S + max(1, n_tests) * (self.limits.wall_seconds + 1.0)

    def _cap(self, n_tests: int) -> int:
        # JSON escaping can grow text up to 6x (\\u00XX); allow that plus the other fields.
        return max(1, n_tests) * (6 * 2 * self.limits.max_output_bytes + MiB)

    def _run_tests(self, mode: str, extra: dict[str, Any], n: int,
                   keep_going: Callable[[Run], bool] | None) -> Outcome:
        if n == 0:
            return Outcome([], None)
        job = _job_dict(self.launcher, mode, self.limits, extra)
        runs: dict[int, Run] = {}
        stopped = False

        def on_message(pr: Proc, msg: dict[str, Any]) -> bool:
            nonlocal stopped
            if msg.get("kind") != "run":
                return True
            run = Run.from_driver(msg)
            if run.index in runs or not 0 <= run.index < n:
                pr.error = "duplicate or unknown test index in the sandbox report"
                return False
            runs[run.index] = run
            if keep_going is not None and not keep_going(run):
                stopped = True
                return False
            return True

        try:
            pr = self._pool("single").take()
            pr.assign(job)
            pump([pr], self._deadline(n), self._cap(n), on_message)
        finally:
            self._cleanup(job)
        error = pr.error
        if error is None and not pr.done and not stopped:
            tail = pr.stderr.decode("utf-8", "replace").strip()[-300:]
            error = "the sandbox ended before reporting every test" + (f": {tail}" if tail else "")
        return Outcome(_fill(runs, n, error), error)

    def _run_check(self, job: CheckJob) -> CheckOutcome:
        pair: _Pair = self._pool("pair").take()
        cand = _job_dict(self.launcher, "serve", self.limits,
                         {"code": job.code, "entry": job.entry, "fds": pair.cand_fds})
        judge = _job_dict(self.launcher, "judge", self.limits,
                          {"prompt": job.prompt, "test": job.test, "entry": job.entry, "fds": pair.judge_fds})
        pair.candidate.assign(cand)
        pair.judge.assign(judge)
        reports: dict[int, dict[str, Any]] = {}
        timer = threading.Timer(1.0, pair.candidate.kill)  # once the verdict is in, the candidate gets 1 s

        def on_message(pr: Proc, msg: dict[str, Any]) -> bool:
            if msg.get("kind") == "run":
                reports[id(pr)] = msg
                if pr is pair.judge:
                    timer.start()
            return True

        try:
            pump([pair.candidate, pair.judge], self._deadline(1), self._cap(1), on_message)
        finally:
            timer.cancel()
            self._cleanup(cand)
            self._cleanup(judge)
        c_msg, j_msg = reports.get(id(pair.candidate)), reports.get(id(pair.judge))
        c_run = Run.from_driver(c_msg) if c_msg else None
        j_run = Run.from_driver(j_msg) if j_msg else None
        try:
            verdict = json.loads(j_run.result) if j_run is not None and j_run.result else None
        except ValueError:
            verdict = None
        if not isinstance(verdict, dict):
            why = pair.judge.error or (f"judge {j_run.status}" if j_run else "the judge sandbox gave no report")
            return CheckOutcome(False, why, candidate=c_run, judge=j_run)
        return CheckOutcome(passed=verdict.get("passed") is True, error=verdict.get("error"),
                            calls=int(verdict.get("calls") or 0), transcript=list(verdict.get("transcript") or []),
                            candidate=c_run, judge=j_run)

    def _cleanup(self, job: dict[str, Any]) -> None:
        if not self.launcher.sandboxed:
            shutil.rmtree(job["root"], ignore_errors=True)


def _fill(runs: dict[int, Run], n: int, error: str | None) -> list[Run]:
    """Every test gets a Run: the first one missing carries the sandbox error (a failure), the
    rest are not_run (after an early stop, or after that error)."""
    out, blamed = [], False
    for i in range(n):
        if i in runs:
            out.append(runs[i])
        elif error and not blamed:
            out.append(Run(i, SANDBOX_ERROR, note=error))
            blamed = True
        else:
            out.append(Run(i, NOT_RUN))
    return out
