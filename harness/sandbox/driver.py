"""The program that runs INSIDE the sandbox and starts the untrusted code, one process per test.

The harness compiles plain.py and this file once, as one module, and sends the code object, then
one job, as marshal bytes on the stdin of `python -I -S -c BOOT` inside bubblewrap (trusted data,
harness to sandbox only; compiling 25 KB of source in every sandbox would cost more than the rest
of a trivial run). For each test the driver forks a fresh child, gives it the test's stdin or arguments, its limits and a fresh working
directory, waits with a wall deadline, then kills every process left in the sandbox's PID
namespace (kill(-1) reaches detached, setsid and double-forked children alike) and wipes /tmp.
The driver is the namespace's init (bubblewrap --as-pid-1): the program cannot kill or stop it,
orphans are reparented to it (and reaped), and when it exits the kernel kills whatever is left.
It reports one JSON line per test on stdout: status, exit code, captured stdout (capped), the
tail of stderr and, for function calls, the return value as tagged plain data.

Nothing here decides pass or fail: expected outputs never enter the sandbox. The harness compares
outside (see verdict.py). A program can print, exit 0, patch builtins or return an object whose
`__eq__` answers True; none of it reaches the comparison, because a return value crosses the
boundary only as plain data (plain.tag: exact builtin types, nothing else) and is rebuilt outside.

Modes: `stdin` (run as __main__ with the test input on stdin), `call` (call `Solution().m(*args)`
or a module function and return the value), `serve` (answer calls over a pipe: the HumanEval
candidate side), `judge` (run a dataset's unchanged `check(candidate)` against a proxy that
forwards each call to the candidate sandbox; the model's code never runs in this process),
`probe` (report what isolation is in force). Only cheap built-in modules are imported at start:
interpreter start-up is most of a trivial program's cost.
"""

import marshal
import os
import resource
import select
import signal
import sys
import time

TAIL = 8192  # bytes of stderr kept

try:  # imported by the harness; inside the sandbox plain.py's source comes first instead
    from thaibench.sandbox.plain import Unplain, dump, recv_frame, send_frame, tag, untag, write_all
except ImportError:
    pass

# ---------------------------------------------------------------- the child: one test run

def _cpu_seconds(lim):
    return max(1, int(-(-lim["cpu"] // 1)))  # RLIMIT_CPU counts whole seconds: round up


def _limit(res, value):
    value = int(value)
    try:
        resource.setrlimit(res, (value, value))
    except (ValueError, OSError):
        soft, hard = resource.getrlimit(res)
        resource.setrlimit(res, (min(value, hard) if hard >= 0 else value, hard))


def _enter_child(job, workdir, fds):
    """In the forked child: descriptors, limits, environment, fresh std streams."""
    import fcntl
    import io

    os.setsid()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 200) for fd in fds]
    for target, fd in enumerate(high):
        os.dup2(fd, target)  # dup2 clears close-on-exec on the target
    os.closerange(len(high), 1 << 16)
    lim = job["limits"]
    cpu = _cpu_seconds(lim)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    _limit(resource.RLIMIT_AS, lim["mem"])
    _limit(resource.RLIMIT_FSIZE, lim["fsize"])
    _limit(resource.RLIMIT_NOFILE, lim["nofile"])
    _limit(resource.RLIMIT_CORE, 0)
    # This driver (the namespace's init) counts against the per-namespace process limit too.
    _limit(resource.RLIMIT_NPROC, lim["nproc"] + (1 if job["sandboxed"] else 0))
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir,
                       "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
    sys.argv = [os.path.join(workdir, "solution.py")]
    sys.path.insert(0, workdir)


def _load_program(job, workdir, name):
    """Execute prelude + program as a fresh module named `name`; returns the module."""
    import builtins

    path = os.path.join(workdir, "solution.py")
    with open(path, "w", encoding="utf-8") as f:
        f.write(job["code"])
    mod = type(sys)(name)
    mod.__dict__.update({"__builtins__": builtins, "__file__": path})
    sys.modules[name] = mod
    if job.get("prelude"):
        exec(compile(job["prelude"], "<prelude>", "exec"), mod.__dict__)
    exec(compile(job["code"], path, "exec"), mod.__dict__)
    return mod


def _target(job, mod):
    obj = getattr(mod, job["klass"])() if job.get("klass") else mod
    return getattr(obj, job["entry"])


def _print_exc():
    import traceback

    try:
        traceback.print_exc()
        sys.stderr.flush()
    except BaseException:
        pass


def _exit_code(exc):
    code = exc.code
    if code is None:
        return 0
    if type(code) is int:
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except BaseException:
        pass
    return 1


def _finish(code):
    """What a normal interpreter exit does: join threads, run atexit hooks, flush."""
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()
    except BaseException:
        pass
    try:
        import atexit

        atexit._run_exitfuncs()
    except BaseException:
        pass
    try:
        sys.stdout.flush()
    except BaseException:
        code = code or 120
    try:
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(code)


def _run_then(body, finish):
    """Run the program's part of a child, turn how it ended into an exit code, hand it to `finish`."""
    try:
        body()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:
        _print_exc()
        code = 1
    finish(code)


def _flush_exit(code):
    """Exit a call or serve child: its replies are written already; only flush what it printed."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(code)


def _child_stdin(job, workdir):
    _run_then(lambda: _load_program(job, workdir, "__main__"), _finish)


def _reply(value_fn):
    """Run value_fn and turn the outcome into a tagged reply (never raises)."""
    try:
        return {"v": tag(value_fn())}
    except (Unplain, RecursionError) as exc:
        return {"x": str(exc)[:500]}
    except Exception as exc:
        _print_exc()
        return {"e": type(exc).__name__, "m": str(exc)[:500]}


def _child_call(job, workdir, args):
    def body():
        fn = _target(job, _load_program(job, workdir, "solution"))
        write_all(3, dump(_reply(lambda: fn(*args))).encode("ascii"))

    _run_then(body, _flush_exit)


def _child_serve(job, workdir):
    """HumanEval candidate: answer (args, kwargs) frames on fd 4 with tagged replies on fd 5."""
    def body():
        fn = _target(job, _load_program(job, workdir, "solution"))
        while True:
            frame = recv_frame(4)
            if frame is None:
                break
            args, kwargs = marshal.loads(frame)
            send_frame(5, dump(_reply(lambda a=args, k=kwargs: fn(*a, **k))).encode("ascii"))

    _run_then(body, _flush_exit)


class RemoteError(Exception):
    """The candidate raised an exception of a type the judge cannot rebuild."""


class Remote:
    """The `candidate` a HumanEval check receives in the judge: each call is forwarded to the
    candidate sandbox as plain data and the plain reply is returned. Nothing of the model's
    code exists in this process, so the check's own assertions are the verdict."""

    def __init__(self, wfd, rfd, deadline, cap, keep=50):
        self.wfd, self.rfd, self.deadline, self.cap, self.keep = wfd, rfd, deadline, cap, keep
        self.calls = 0
        self.transcript = []

    def __call__(self, *args, **kwargs):
        import builtins
        import json

        self.calls += 1
        send_frame(self.wfd, marshal.dumps((args, kwargs)))
        frame = recv_frame(self.rfd, self.deadline, self.cap)
        if frame is None:
            raise RemoteError("the candidate process ended before answering")
        text = frame.decode("ascii")
        if len(self.transcript) < self.keep:  # for people reading the score: short, and text only
            self.transcript.append([repr(args)[:200], text[:300]])
        msg = json.loads(text)
        if type(msg) is dict and "v" in msg:
            return untag(msg["v"])
        if type(msg) is dict and "e" in msg:
            cls = getattr(builtins, str(msg["e"]), None)
            why = str(msg.get("m", ""))
            if isinstance(cls, type) and issubclass(cls, Exception):
                raise cls(why)
            raise RemoteError(f"{msg['e']}: {why}")
        raise RemoteError(str(msg.get("x") if type(msg) is dict else "malformed reply")[:300])


def _child_judge(job, workdir):
    out = {"passed": False, "error": None, "calls": 0, "transcript": []}
    remote = Remote(4, 5, time.monotonic() + job["limits"]["wall"], job["limits"]["output"])
    try:
        ns = {"__name__": "__judge__"}
        exec(compile(job["prompt"], "<prompt>", "exec"), ns)
        exec(compile(job["test"], "<test>", "exec"), ns)
        # A test may call the function by its own name (HumanEval/33 does): that is the candidate.
        ns[job["entry"]] = remote
        ns["check"](remote)
        out["passed"] = True
    except TimeoutError:
        out["error"] = "timeout: the candidate did not answer before the wall limit"
    except BaseException as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:500]
    out["calls"], out["transcript"] = remote.calls, remote.transcript
    write_all(3, dump(out).encode("ascii"))
    os._exit(0)


def _child_probe(job, workdir):
    import socket

    out = {"uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(), "ppid": os.getppid()}
    # A hidden path may exist only as an empty skeleton on the way to a bound tree.
    out["visible"] = [p for p, allowed in job["must_be_hidden"] if os.path.exists(p) and (
        not os.path.isdir(p) or set(os.listdir(p)) - set(allowed))]
    out["env"] = sorted(os.environ)
    try:
        with open("/proc/1/environ", "rb") as f:
            out["init_env"] = sorted(e.split(b"=", 1)[0].decode() for e in f.read().split(b"\0") if e)
    except OSError:
        out["init_env"] = []
    out["interfaces"] = sorted(name for _, name in socket.if_nameindex())
    try:
        with open("/usr/.thaibench-probe", "w"):
            out["system_writable"] = True
    except OSError:
        out["system_writable"] = False
    forks = 0
    for _ in range(job["limits"]["nproc"] + 4):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        forks += 1
    out["forks"] = forks
    write_all(3, dump(out).encode("ascii"))
    os._exit(0)


# ---------------------------------------------------------------- the parent: run and clean up

def _kill_rest(job, pid):
    """Kill what the test started. In the sandbox's own PID namespace, where this driver is init,
    kill(-1) reaches every other process, whatever session or group it moved to; outside (unsafe
    mode) only the child's process group can be reached."""
    if job["sandboxed"]:
        for _ in range(200):
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                return
            _reap_any()
            time.sleep(0.0005)
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _reap_any():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _wipe(path, keep_root=True):
    """Remove everything under path, even read-only directories the program made."""
    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        full = os.path.join(path, name)
        try:
            if os.path.isdir(full) and not os.path.islink(full):
                os.chmod(full, 0o700)
                _wipe(full, keep_root=False)
            else:
                os.unlink(full)
        except OSError:
            pass
    if not keep_root:
        try:
            os.rmdir(path)
        except OSError:
            pass


def _run_one(job, index, payload, extra_fds=()):
    """Fork one child for test `index` and supervise it; return the result dict."""
    lim = job["limits"]
    workdir = os.path.join(job["root"], f"t{index}")
    os.mkdir(workdir, 0o700)
    mode = job["mode"]
    stdin_data = payload.encode("utf-8") if mode == "stdin" else b""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            _enter_child(job, workdir, [in_r, out_w, err_w, res_w, *extra_fds])
            if mode == "stdin":
                _child_stdin(job, workdir)
            elif mode == "call":
                _child_call(job, workdir, payload)
            elif mode == "serve":
                _child_serve(job, workdir)
            elif mode == "judge":
                _child_judge(job, workdir)
            elif mode == "probe":
                _child_probe(job, workdir)
        except BaseException:
            _print_exc()
        os._exit(70)
    for fd in (in_r, out_w, err_w, res_w, *extra_fds):  # the child has its own copies
        os.close(fd)
    if not stdin_data:
        os.close(in_w)
        in_w = None
    else:
        os.set_blocking(in_w, False)
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    bufs = {out_r: [], err_r: [], res_r: []}
    sizes = {out_r: 0, err_r: 0, res_r: 0}
    poller = select.poll()
    for fd in bufs:
        poller.register(fd, select.POLLIN)
    if in_w is not None:
        poller.register(in_w, select.POLLOUT)
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    deadline = started + lim["wall"]
    cap = lim["output"]
    status, wait_status, rusage, sent = None, None, None, 0
    while wait_status is None:
        left = deadline - time.monotonic()
        if left <= 0:
            status = "timeout"
            break
        events = poller.poll(min(left, 0.05 if pidfd is None else left) * 1000)
        for fd, _ in events:
            if fd == pidfd:
                continue
            if fd == in_w:
                try:
                    sent += os.write(in_w, stdin_data[sent:sent + 65536])
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:  # the program closed its stdin: fine
                    sent = len(stdin_data)
                if sent >= len(stdin_data):
                    poller.unregister(in_w)
                    os.close(in_w)
                    in_w = None
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                poller.unregister(fd)
                continue
            sizes[fd] += len(chunk)
            bufs[fd].append(chunk)
            if fd == err_r and sizes[fd] > 2 * TAIL:
                joined = b"".join(bufs[fd])[-TAIL:]
                bufs[fd] = [joined]
            if sizes[fd] > cap:
                status = "output_limit"
        if status:
            break
        got, st, ru = os.wait4(pid, os.WNOHANG)
        if got:
            wait_status, rusage = st, ru
    if wait_status is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, wait_status, rusage = os.wait4(pid, 0)
    wall = time.monotonic() - started
    _kill_rest(job, pid)
    if in_w is not None:
        os.close(in_w)
    drain_until = time.monotonic() + 1.0
    for fd in bufs:  # every writer is dead now: read what is left, up to the cap
        while time.monotonic() < drain_until and sizes[fd] <= cap + 65536:
            r = select.select([fd], [], [], max(0.0, drain_until - time.monotonic()))[0]
            if not r:
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            sizes[fd] += len(chunk)
            bufs[fd].append(chunk if fd != err_r else chunk[-TAIL:])
        os.close(fd)
    if pidfd is not None:
        os.close(pidfd)
    if job["sandboxed"]:
        _wipe(job["root"])
        _wipe("/dev/shm")
    else:
        _wipe(workdir, keep_root=False)
    cpu = rusage.ru_utime + rusage.ru_stime
    code = os.waitstatus_to_exitcode(wait_status)
    sig = -code if code < 0 else None
    if status is None:
        if sizes[out_r] > cap or sizes[res_r] > cap:
            status = "output_limit"
        elif sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= _cpu_seconds(lim) - 0.05):
            status = "cpu_limit"
        elif sig == signal.SIGXFSZ:
            status = "file_limit"
        elif sig is not None:
            status = "signal"
        elif code != 0:
            status = "error"
        else:
            status = "ok"
    out = b"".join(bufs[out_r])[:cap]
    try:
        text, utf8 = out.decode("utf-8"), True
    except UnicodeDecodeError:
        text, utf8 = out.decode("utf-8", "replace"), False
    return {
        "kind": "run", "i": index, "status": status, "exit": None if sig else code, "signal": sig,
        "stdout": text, "stdout_bytes": sizes[out_r], "utf8": utf8,
        "stderr": b"".join(bufs[err_r])[-TAIL:].decode("utf-8", "replace"),
        "result": b"".join(bufs[res_r])[:cap].decode("ascii", "replace") if sizes[res_r] else None,
        "cpu": round(cpu, 4), "wall": round(wall, 4),
    }


def _harden(job):
    """Make this process unreadable to its children: with PR_SET_DUMPABLE off, a program of the
    same uid cannot ptrace it or open /proc/<driver>/fd/1 (the channel to the harness)."""
    if not job["sandboxed"]:
        return
    try:
        import _ctypes

        fn = _ctypes.dlsym(_ctypes.dlopen(None), "prctl")
        _ctypes.call_function(fn, (4, 0, 0, 0, 0))  # PR_SET_DUMPABLE = 4
    except Exception:
        pass
    if os.getpid() > 16:
        # kill(-1) outside a PID namespace would hit every process of this uid: refuse.
        raise SystemExit(f"driver: not in a fresh PID namespace (pid {os.getpid()})")


def main():
    # The bootstrap (runner.BOOT) has read this module's code object from stdin; the job follows.
    job = marshal.load(sys.stdin.buffer)
    # As init, the driver receives only signals it handles: with SIGINT ignored, none at all.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _harden(job)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    if job.get("prelude"):
        # Import what the prelude imports once, here, so that each forked test finds it loaded.
        try:
            exec(compile(job["prelude"], "<prelude>", "exec"), {})
        except BaseException:
            pass
    mode = job["mode"]
    extra = tuple(job.get("fds", ()))
    items = job.get("tests") or [None]
    for i, payload in enumerate(items):
        result = _run_one(job, i, payload, extra)
        write_all(1, (dump(result) + "\n").encode("ascii"))
        if job.get("stop_on_error") and result["status"] != "ok":
            break
        if mode in ("serve", "judge", "probe"):
            break
    write_all(1, b'{"kind":"done"}\n')


if __name__ == "__main__":
    main()
