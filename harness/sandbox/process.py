"""Sandbox processes on the harness side: start them ahead of need, feed them, read their reports.

A sandbox's cost is mostly waiting: namespace set-up and interpreter start-up. So sandboxes are
started ahead (`WarmPool`): each waits, driver loaded, for its job on stdin, and taking one starts
its replacement, which gets ready while the taken one runs. Warm sandboxes are started from one
long-lived thread because bubblewrap's --die-with-parent (PR_SET_PDEATHSIG) fires when the
*thread* that started it ends, and worker threads end with their pool.

`pump` writes each job and reads report lines with a byte cap and a wall deadline; whatever
overruns is killed (its process group; bubblewrap's parent-death chain and the PID namespace
take the rest).
"""

from __future__ import annotations

import json
import marshal
import os
import queue
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from thaibench.sandbox import driver as _driver
from thaibench.sandbox import plain as _plain
from thaibench.sandbox.bwrap import Launcher

# Reads the driver's code object, then runs it as __main__ (which reads the job that follows).
BOOT = "import marshal,sys;exec(marshal.load(sys.stdin.buffer),{'__name__':'__main__'})"
T = TypeVar("T")


@cache
def driver_code() -> bytes:
    """plain.py + driver.py, compiled once as one module (the sandbox has no thaibench to import)."""
    source = "\n".join(Path(m.__file__).read_text(encoding="utf-8") for m in (_plain, _driver))
    return marshal.dumps(compile(source, "thaibench-sandbox-driver", "exec"))


class Proc:
    """One sandbox process: the bytes still to send, its parsed report lines, its stderr tail."""

    def __init__(self, launcher: Launcher, pass_fds: Sequence[int] = ()) -> None:
        self.input = driver_code()
        self.sent = 0
        self.partial = b""
        self.stderr = b""
        self.read = 0
        self.error: str | None = None
        self.done = False
        self.p = subprocess.Popen(
            launcher.command(BOOT), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=tuple(pass_fds), start_new_session=True, cwd="/", **launcher.popen)
        os.set_blocking(self.p.stdin.fileno(), False)
        try:  # the driver's code goes now, so it is loaded by the time a job comes
            self.sent = os.write(self.p.stdin.fileno(), self.input)
        except OSError:
            pass

    def assign(self, job: dict[str, Any]) -> None:
        self.input += marshal.dumps(job)

    @property
    def alive(self) -> bool:
        return self.p.poll() is None

    def kill(self) -> None:
        if self.p.returncode is not None:  # reaped: its pid may belong to someone else now
            return
        for fn in (lambda: os.killpg(self.p.pid, signal.SIGKILL), self.p.kill):
            try:
                fn()
            except OSError:
                pass

    def discard(self) -> None:
        self.kill()
        for f in (self.p.stdin, self.p.stdout, self.p.stderr):
            try:
                f.close()
            except OSError:
                pass
        self.p.wait()


class WarmPool(Generic[T]):
    """Keeps `size` items made by `make` ready; `take` returns one and orders a replacement."""

    def __init__(self, make: Callable[[], T], size: int, alive: Callable[[T], bool],
                 discard: Callable[[T], None]) -> None:
        self.make, self.alive, self.discard = make, alive, discard
        self.ready: queue.Queue[T | BaseException] = queue.Queue()
        self.orders = threading.Semaphore(size)
        self.closed = False
        self.thread = threading.Thread(target=self._loop, name="sandbox-warm", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            self.orders.acquire()
            if self.closed:
                return
            try:
                self.ready.put(self.make())
            except BaseException as exc:  # handed to the taker, who raises it
                self.ready.put(exc)

    def take(self, timeout: float = 120.0) -> T:
        while True:
            self.orders.release()
            item = self.ready.get(timeout=timeout)
            if isinstance(item, BaseException):
                raise item
            if self.alive(item):
                return item
            self.discard(item)

    def close(self) -> None:
        self.closed = True
        self.orders.release()
        while True:
            try:
                item = self.ready.get_nowait()
            except queue.Empty:
                return
            if not isinstance(item, BaseException):
                self.discard(item)


def pump(procs: Sequence[Proc], deadline: float, cap: int,
         on_message: Callable[[Proc, dict[str, Any]], bool]) -> None:
    """Feed every proc its input and read its report lines until all end or the deadline passes.
    `on_message` returning False kills that proc (the harness has seen enough)."""
    sel = selectors.DefaultSelector()
    for pr in procs:
        if pr.sent < len(pr.input):
            sel.register(pr.p.stdin, selectors.EVENT_WRITE, (pr, "in"))
        else:
            pr.p.stdin.close()
        sel.register(pr.p.stdout, selectors.EVENT_READ, (pr, "out"))
        sel.register(pr.p.stderr, selectors.EVENT_READ, (pr, "err"))
    try:
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                for pr in procs:
                    if not pr.done and pr.error is None:
                        pr.error = "the sandbox overran its wall deadline and was killed"
                    pr.kill()
                break
            for key, _ in sel.select(min(left, 1.0)):
                pr, what = key.data
                if what == "in":
                    try:
                        pr.sent += os.write(key.fd, pr.input[pr.sent:pr.sent + (1 << 20)])
                    except BlockingIOError:
                        continue
                    except OSError:
                        pr.sent = len(pr.input)
                    if pr.sent >= len(pr.input):
                        sel.unregister(key.fileobj)
                        pr.p.stdin.close()
                    continue
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                if what == "err":
                    pr.stderr = (pr.stderr + chunk)[-8192:]
                    continue
                _lines(pr, chunk, cap, on_message)
    finally:
        sel.close()
        for pr in procs:
            for f in (pr.p.stdin, pr.p.stdout, pr.p.stderr):
                try:
                    f.close()
                except OSError:
                    pass
            try:
                pr.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pr.kill()
                pr.p.wait()


def _lines(pr: Proc, chunk: bytes, cap: int, on_message: Callable[[Proc, dict[str, Any]], bool]) -> None:
    pr.read += len(chunk)
    if pr.read > cap:
        pr.error = "the sandbox report exceeded its size cap"
        pr.kill()
        return
    *lines, pr.partial = (pr.partial + chunk).split(b"\n")
    for line in lines:
        try:
            msg = json.loads(line)
            if not isinstance(msg, dict):
                raise ValueError("not an object")
        except ValueError:
            pr.error = "unreadable report line from the sandbox"
            pr.kill()
            return
        if msg.get("kind") == "done":
            pr.done = True
        elif not on_message(pr, msg):
            pr.kill()
            return
