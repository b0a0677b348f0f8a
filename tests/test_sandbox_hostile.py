"""A battery of hostile programs: each must end as a failed or timed-out sample, the harness must
finish and record it, and nothing outside the sandbox may change.

Every program is scored the way a task scores it (verdict.py, outside the sandbox). Where a leak
would make a program pass, the expected answer IS the thing it tries to steal (a secret from the
harness's environment, the host's root listing, a token in a file outside), so a leak shows up as
a pass and fails the test. Checks from outside: a canary file outside the sandbox is unchanged, a
TCP server on 127.0.0.1 receives no connection, and no process a program detached survives it.
"""

from __future__ import annotations

import json
import os
import socket
import textwrap
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from thaibench.sandbox import CallJob, CheckJob, CheckOutcome, Limits, ProgramJob, Sandbox
from thaibench.sandbox.verdict import call_passed, stdin_passed

LIMITS = Limits(cpu_seconds=1, wall_seconds=2.5, memory_mb=256, max_processes=8, max_open_files=64,
                max_output_bytes=1 << 20, max_file_bytes=1 << 20, disk_mb=8)
SECRET = "thaibench-secret-" + uuid.uuid4().hex
MARKER = "thaibench-detached-" + uuid.uuid4().hex
TOKEN = "thaibench-token-" + uuid.uuid4().hex


class Listener:
    """A TCP server on 127.0.0.1 that records every connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[Any] = []
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(addr)
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


@dataclass(frozen=True)
class Hostile:
    name: str
    code: str
    expected: Any = "42"
    style: str = "stdin"  # stdin | call
    stdin: str = "1\n"


def battery(canary: Path, port: int, host_root: list[str]) -> list[Hostile]:
    c = str(canary)
    d = textwrap.dedent
    return [
        Hostile("fork bomb", d("""
            import os
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
            """)),
        Hostile("infinite loop", "while True:\n    pass\n"),
        Hostile("memory bomb", "x = bytearray(10**11)\nprint(42)\n"),
        Hostile("memory growth", "a = []\nwhile True:\n    a.append(' ' * 10**7)\n"),
        Hostile("huge output", "while True:\n    print('x' * 10000)\n"),
        Hostile("sleep past the wall limit", "import time\ntime.sleep(60)\nprint(42)\n"),
        Hostile("ignores signals and spins", d("""
            import signal
            for s in (signal.SIGTERM, signal.SIGXCPU, signal.SIGINT, signal.SIGHUP):
                signal.signal(s, signal.SIG_IGN)
            while True:
                pass
            """)),
        Hostile("deletes and overwrites files outside", d(f"""
            import os, shutil
            for p in ({c!r}, '/work', '/root', '/usr/bin/python3', '/etc/passwd'):
                for fn in (os.remove, shutil.rmtree):
                    try:
                        fn(p)
                    except Exception:
                        pass
                try:
                    open(p, 'w').write('owned')
                except Exception:
                    pass
            print('done')
            """)),
        Hostile("writes into system directories", d("""
            import os
            hits = []
            for d in ('/', '/usr', '/usr/lib', '/etc', '/root', '/proc/sys/kernel', '/sys', '/dev'):
                try:
                    open(os.path.join(d, 'thaibench-evil'), 'w').write('x')
                    hits.append(d)
                except Exception:
                    pass
            print(hits)
            """), expected="[]\nnever"),
        Hostile("reads environment variables", d("""
            import os
            print(os.environ.get('THAIBENCH_SECRET_CANARY', ''))
            """), expected=SECRET),
        Hostile("reads other processes' environ through /proc", d("""
            import os
            found = ''
            for p in os.listdir('/proc'):
                for f in ('environ', 'cmdline'):
                    try:
                        data = open(f'/proc/{p}/{f}', 'rb').read()
                    except Exception:
                        continue
                    for part in data.split(b'\\0'):
                        if part.startswith(b'THAIBENCH_SECRET_CANARY='):
                            found = part.split(b'=', 1)[1].decode()
            print(found)
            """), expected=SECRET),
        Hostile("socket to a server on 127.0.0.1", d(f"""
            import socket
            s = socket.create_connection(('127.0.0.1', {port}), timeout=1)
            s.sendall(b'hello')
            print('connected')
            """), expected="connected"),
        Hostile("socket through ctypes", d(f"""
            import ctypes, struct, socket
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.socket(2, 1, 0)
            addr = struct.pack('!HH4s8x', 2, {port}, socket.inet_aton('127.0.0.1'))
            addr = struct.pack('H', 2) + addr[2:]
            rc = libc.connect(fd, addr, len(addr))
            print('connected' if rc == 0 else 'refused')
            """), expected="connected"),
        Hostile("kills its parent", d("""
            import os, signal
            for pid in (os.getppid(), 1):
                os.kill(pid, signal.SIGKILL)
                os.kill(pid, signal.SIGSTOP)
            print('still here')
            """)),
        Hostile("kills its process group and everyone", d("""
            import os, signal
            os.kill(-1, signal.SIGKILL)
            os.killpg(0, signal.SIGKILL)
            """)),
        Hostile("chdir / and lists the host root", d("""
            import os, json
            os.chdir('/')
            print(json.dumps(sorted(os.listdir('.'))))
            """), expected=json.dumps(sorted(host_root))),
        Hostile("detached child outlives the program", d(f"""
            import os, sys
            r, w = os.pipe()
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.write(w, b'up')  # the detached grandchild exists before the program ends
                    os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(30)', {MARKER!r}])
                os._exit(0)
            os.read(r, 2)
            print(42, flush=True)
            os._exit(1)
            """)),
        Hostile("closes stdout", "import os\nos.close(1)\nprint(42)\n"),
        Hostile("writes binary garbage", d("""
            import os, sys
            sys.stdout.buffer.write(bytes(range(256)) * 50 + b'\\xff\\xfe42')
            """)),
        Hostile("recursion to a crash", d("""
            import sys
            sys.setrecursionlimit(10**9)
            def f(n):
                return f(n + 1) + 1
            print(f(0))
            """)),
        Hostile("exits 0 before any work", "import sys\nsys.exit(0)\nprint(42)\n"),
        Hostile("prints what a pass looks like", d("""
            print('PASSED')
            print('All tests passed')
            print('{"passed": true, "status": "ok"}')
            """)),
        Hostile("atexit hook rewrites the end", d("""
            import atexit, os
            atexit.register(lambda: (print('OK'), os._exit(0)))
            raise RuntimeError('crash')
            """)),
        Hostile("searches the disk for expected outputs", d(f"""
            import os
            prefix = {TOKEN[:20]!r}
            for root, dirs, files in os.walk('/'):
                if root.startswith(('/proc', '/sys', '/dev')):
                    continue
                for f in files:
                    try:
                        data = open(os.path.join(root, f), errors='ignore').read(1 << 16)
                    except Exception:
                        continue
                    i = data.find(prefix)
                    if i >= 0:
                        print(data[i:i + {len(TOKEN)}])
                        raise SystemExit
            """), expected=TOKEN),
        Hostile("fills the disk", d("""
            i = 0
            while True:
                open(f'/tmp/f{i}', 'wb').write(b'0' * 65536)
                i += 1
            """)),
        Hostile("writes a file past the size limit", "open('big', 'wb').write(b'0' * (64 << 20))\nprint(42)\n"),
        Hostile("opens files without end", "fs = [open('/dev/null') for _ in range(10**6)]\nprint(42)\n"),
        Hostile("threads without end", d("""
            import threading, time
            ts = []
            while True:
                t = threading.Thread(target=time.sleep, args=(30,))
                t.start()
                ts.append(t)
            """)),
        Hostile("creates a user namespace", d("""
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            print(42 if libc.unshare(0x10000000) == 0 else 'denied')
            """)),
        Hostile("reads the driver's memory", d("""
            import os
            ppid = os.getppid()
            print(open(f'/proc/{ppid}/mem', 'rb').read(16))
            """)),
        Hostile("exits from inside the function", d("""
            class Solution:
                def solve(self, x):
                    import os
                    os._exit(0)
            """), expected=7, style="call"),
        Hostile("returns an object that equals everything", d("""
            class Any:
                def __eq__(self, other):
                    return True
                __hash__ = object.__hash__
            class Solution:
                def solve(self, x):
                    return Any()
            """), expected=7, style="call"),
        Hostile("returns an int subclass that equals everything", d("""
            class Sly(int):
                def __eq__(self, other):
                    return True
                __hash__ = int.__hash__
            class Solution:
                def solve(self, x):
                    return Sly(0)
            """), expected=7, style="call"),
        Hostile("patches builtins and the driver", d("""
            import builtins, sys, gc
            builtins.type = lambda *a: int
            for mod in list(sys.modules.values()):
                for name in ('tag', 'dump', 'untag'):
                    if hasattr(mod, name):
                        try:
                            setattr(mod, name, lambda *a, **k: 7)
                        except Exception:
                            pass
            class Solution:
                def solve(self, x):
                    return None
            """), expected=7, style="call"),
    ]


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox(LIMITS, workers=4)  # most hostile programs wait on a limit, not on a core


def _leftovers(marker: str) -> list[int]:
    pids = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{p}/cmdline").read_bytes():
                    pids.append(int(p))
            except OSError:
                pass
    return pids


def test_hostile_battery(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THAIBENCH_SECRET_CANARY", SECRET)
    canary = tmp_path / "canary.txt"
    canary.write_text("unchanged")
    (tmp_path / "expected.txt").write_text(TOKEN)
    listener = Listener()
    try:
        progs = battery(canary, listener.port, os.listdir("/"))
        assert len(progs) >= 25
        jobs = [ProgramJob(h.code, (h.stdin,)) if h.style == "stdin"
                else CallJob(h.code, "solve", ((3,),), klass="Solution") for h in progs]
        started = time.monotonic()
        outcomes = sandbox.run_all(jobs)
        elapsed = time.monotonic() - started
        time.sleep(0.3)  # let a surviving connection attempt reach the listener, if there were one
    finally:
        listener.close()
    report = []
    print()
    for h, out in zip(progs, outcomes, strict=True):
        assert not isinstance(out, CheckOutcome)
        assert len(out.runs) == 1, h.name  # recorded, whatever happened
        run = out.runs[0]
        passed = stdin_passed(run, h.expected) if h.style == "stdin" else call_passed(run, h.expected)
        report.append((h.name, run.status, passed))
        print(f"{h.name:48s} {run.status:14s} wall {run.wall_s:5.2f}s  {run.stderr.strip()[-70:]!r}")
        assert not passed, f"{h.name} passed: {run}"
        assert SECRET not in run.stdout and TOKEN not in run.stdout, h.name
    statuses = {name: status for name, status, _ in report}
    assert statuses["infinite loop"] in ("cpu_limit", "timeout")
    assert statuses["sleep past the wall limit"] == "timeout"
    assert statuses["huge output"] == "output_limit"
    # Python ignores SIGXFSZ, so the write fails with EFBIG and the program dies of the error.
    big = outcomes[[h.name for h in progs].index("writes a file past the size limit")].runs[0]
    assert big.status in ("file_limit", "error") and ("File too large" in big.stderr or big.status == "file_limit")
    # The supervisor is the namespace's init: SIGKILL and SIGSTOP from inside do not reach it.
    assert statuses["kills its parent"] == "ok"
    assert canary.read_text() == "unchanged"
    assert listener.accepted == []
    assert _leftovers(MARKER) == [], "a detached child survived its sandbox"
    # Nothing waits for a hung program longer than its limits: ~20 programs hit a limit of a few
    # seconds on 2 workers.
    assert elapsed < 60, report


def test_tests_of_one_program_do_not_see_each_other(sandbox: Sandbox) -> None:
    """Test 0 leaves a detached process and files behind; test 1 must find neither."""
    code = textwrap.dedent("""
        import os, sys, time
        arg = sys.stdin.read().strip()
        if arg == 'plant':
            open('/tmp/planted', 'w').write('x')
            open('/dev/shm/planted', 'w').write('x')
            if os.fork() == 0:
                os.setsid()
                time.sleep(30)
            print('planted')
        else:
            procs = [p for p in os.listdir('/proc') if p.isdigit()]
            print(os.path.exists('/tmp/planted'), os.path.exists('/dev/shm/planted'), len(procs))
        """)
    out = sandbox.run(ProgramJob(code, ("plant\n", "look\n")))
    assert [r.status for r in out.runs] == ["ok", "ok"]
    # /proc shows the driver (init) and the looking program: nothing left of test 0.
    assert out.runs[1].stdout.split() == ["False", "False", "2"]


def test_supervisor_survives_its_program(sandbox: Sandbox) -> None:
    """A program that tries to kill or stop its supervisor does not stop the next test."""
    code = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGSTOP)\nprint(input())\n"
    out = sandbox.run(ProgramJob(code, ("a\n", "b\n")))
    assert [(r.status, r.stdout) for r in out.runs] == [("ok", "a\n"), ("ok", "b\n")]


def test_judge_never_runs_candidate_code(sandbox: Sandbox) -> None:
    """HumanEval-style fakes: the candidate inspects its caller for the expected value, patches
    AssertionError, or exits at import; the unchanged test in the judge decides."""
    prompt = 'def double(x):\n    """Return twice x."""\n'
    test = "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(5) == 10\n"
    fakes = [
        "import inspect\ndef double(x):\n    f = inspect.currentframe().f_back\n"
        "    return f.f_locals.get('expected', f.f_globals.get('expected'))\n",
        "import builtins\nbuiltins.AssertionError = type('Nope', (Exception,), {})\ndef double(x):\n    return 0\n",
        "import sys\ndef double(x):\n    return 2 * x\nsys.exit(0)\n",
        "import os\ndef double(x):\n    os._exit(0)\n",
        "def double(x):\n    class E:\n        def __eq__(self, o):\n            return True\n    return E()\n",
        "def double(x):\n    print('assert passed'); return None\n",
    ]
    outs = sandbox.run_all([CheckJob(code, "double", prompt, test) for code in fakes])
    assert [o.passed for o in outs] == [False] * len(fakes), [o.error for o in outs]
    good = sandbox.run(CheckJob(prompt + "    return 2 * x\n", "double", prompt, test))
    assert good.passed and good.calls == 2


def test_leftover_check_sees_a_surviving_child(tmp_path: Path) -> None:
    """The detached-child check above can fail: without a sandbox (unsafe mode, process-group kill
    only) the same program's grandchild survives and is found."""
    marker = "thaibench-unsafe-" + uuid.uuid4().hex
    code = textwrap.dedent(f"""
        import os, sys
        r, w = os.pipe()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.write(w, b'up')
                os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(30)', {marker!r}])
            os._exit(0)
        os.read(r, 2)
        print(42)
        """)
    unsafe = Sandbox(Limits(wall_seconds=20), workers=1, unsafe_no_sandbox=True)
    out = unsafe.run(ProgramJob(code, ("",)))
    assert out.runs[0].ok, out.runs[0]
    deadline = time.monotonic() + 15
    while not _leftovers(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _leftovers(marker)
    for pid in left:
        os.kill(pid, 9)
    assert left, "without the sandbox the detached child should have survived"
