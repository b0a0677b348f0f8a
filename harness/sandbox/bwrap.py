"""The bubblewrap command line: a root built from an allow-list, new namespaces, no privileges.

Source: bubblewrap (https://github.com/containers/bubblewrap, LGPL-2.0+, Debian package
`bubblewrap`), used as a program, not linked. The sandbox root holds only /usr (with the
merged-/usr symlinks), the interpreter's own prefix with its site-packages hidden under empty
tmpfs (the standard library only, and no dataset a package might ship), a fresh /proc and /dev,
and size-limited tmpfs on /tmp and /dev/shm. Nothing of the harness is there: no repo, no $HOME,
no /work, no /etc, no data directory. All namespaces are new (user, PID, network, IPC, UTS,
cgroup, mount); the program runs as uid 65534 with no capabilities and cannot create user
namespaces of its own.

Host root: RLIMIT_NPROC is not enforced for host uid 0 even inside a user namespace (the kernel
exempts the root user), so a fork bomb would meet no limit. The sandbox therefore never runs
as host root: bubblewrap is started as uid 65534 (`subprocess` user/group) when the
interpreter's files are reachable for that user, else through an outer root bubblewrap that
makes them reachable and `setpriv` (util-linux) that drops to 65534 before the inner one. The
probe in runner.py checks that the limit really holds before anything runs.

Known quirks: bubblewrap's pid 1 inherits the environment it was started with and /proc/1/environ
is readable inside, so bubblewrap itself is started with a minimal environment, never the
harness's. Unprivileged user namespaces must be allowed (some distributions restrict them with
AppArmor); where they are not, the probe fails and the sandbox refuses to run.
"""

from __future__ import annotations

import os
import shutil
import site
import stat
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thaibench.sandbox.errors import SandboxUnavailable
from thaibench.sandbox.limits import Limits, MiB

SANDBOX_UID = 65534
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
INNER_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8"}
MERGED_USR = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


@dataclass(frozen=True)
class Layout:
    """What of the host file system the sandbox sees, all read-only."""

    python: str
    binds: tuple[str, ...]
    hidden: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = ()
    masks: tuple[str, ...] = field(default=())


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def python_layout() -> Layout:
    """The interpreter running the harness, as the sandbox must see it: its base prefix (not a
    virtual environment's, whose packages are the harness's), minus every site directory."""
    exe = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    prefix = os.path.realpath(sys.base_prefix)
    links, binds = [], ["/usr"]
    for p in MERGED_USR:
        if os.path.islink(p):
            links.append((os.readlink(p), p))
        elif os.path.isdir(p):
            binds.append(p)
    masks = []
    if os.path.isdir("/usr/local") and not _under(prefix, "/usr/local"):
        masks.append("/usr/local")  # pip's target on Debian: packages, not the interpreter
    if not any(_under(prefix, b) for b in binds) or _under(prefix, "/usr/local"):
        binds.append(prefix)
    if not any(_under(exe, b) for b in binds):
        binds.append(os.path.dirname(exe))
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    candidates = {sysconfig.get_path("purelib", vars=base), sysconfig.get_path("platlib", vars=base)}
    if sys.prefix == sys.base_prefix:
        candidates.update(site.getsitepackages())
    hidden = sorted(os.path.realpath(p) for p in candidates
                    if p and os.path.isdir(p) and any(_under(os.path.realpath(p), b) for b in binds))
    return Layout(python=exe, binds=tuple(binds), hidden=tuple(hidden), links=tuple(links), masks=tuple(masks))


def inner_argv(bwrap: str, layout: Layout, limits: Limits) -> list[str]:
    """bubblewrap arguments up to (not including) the command."""
    # --as-pid-1: the driver is the namespace's init, so the program cannot kill it (init only gets
    # signals it handles) and its end takes every process of the namespace with it.
    a = [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--as-pid-1",
         "--new-session", "--hostname", "sandbox"]
    for b in layout.binds:
        a += ["--ro-bind", b, b]
    for target, link in layout.links:
        a += ["--symlink", target, link]
    for m in layout.masks:
        a += ["--tmpfs", m]
    for b in layout.binds:  # a prefix under a masked tree (e.g. /usr/local) comes back on top
        if any(_under(b, m) for m in layout.masks):
            a += ["--ro-bind", b, b]
    for h in layout.hidden:
        a += ["--tmpfs", h]
    size = str(limits.disk_mb * MiB)
    a += ["--proc", "/proc", "--dev", "/dev",
          "--perms", "1777", "--size", size, "--tmpfs", "/dev/shm",
          "--remount-ro", "/dev",
          "--perms", "1777", "--size", size, "--tmpfs", "/tmp",
          "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--clearenv"]
    for k, v in INNER_ENV.items():
        a += ["--setenv", k, v]
    a += ["--chdir", "/tmp", "--"]
    return a


def _reachable(path: str, uid: int = SANDBOX_UID) -> bool:
    """Can `uid` (in no group of note) traverse to and read `path`? Mode bits only."""
    p = Path(path)
    for d in [*reversed(p.parents), p]:
        try:
            st = d.stat()
        except OSError:
            return False
        need = stat.S_IXOTH | (stat.S_IROTH if d == p else 0)
        owner_ok = st.st_uid == uid and st.st_mode & (stat.S_IXUSR | (stat.S_IRUSR if d == p else 0))
        if not owner_ok and (st.st_mode & need) != need:
            return False
    return True


def outer_argv(bwrap: str, setpriv: str, layout: Layout) -> list[str]:
    """As host root: a minimal outer bubblewrap whose root holds the layout's trees with every
    directory on the way to them traversable (0755), then setpriv down to uid 65534 for the inner
    one. A small root keeps this stage cheap (binding all of / costs three times as much)."""
    a = [bwrap, "--unshare-pid", "--die-with-parent", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    made: set[str] = set()
    for src in layout.binds:
        if not _reachable_leaf(src):
            raise SandboxUnavailable(f"{src} is not readable by uid {SANDBOX_UID}; the sandbox cannot "
                                     "run this interpreter without exposing it")
        for d in reversed(Path(src).parents):
            if str(d) != "/" and str(d) not in made:
                a += ["--perms", "0755", "--dir", str(d)]
                made.add(str(d))
        a += ["--ro-bind", src, src]
        made.add(src)
    for target, link in layout.links:
        a += ["--symlink", target, link]
    # The inner bubblewrap assembles its new root on a tmpfs it mounts at /tmp, and may mount a
    # fresh /proc only where a fully visible one exists (the host's; a new one comes with masks).
    a += ["--bind", "/proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--", setpriv, f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}",
          "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--"]
    return a


def _reachable_leaf(path: str) -> bool:
    """The tree itself is world-readable (its ancestors are made traversable by outer_argv)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return (mode & (stat.S_IROTH | stat.S_IXOTH)) == (stat.S_IROTH | stat.S_IXOTH)


@dataclass(frozen=True)
class Launcher:
    """How a sandboxed driver is started: argv prefix, Popen extras, and what to record."""

    prefix: tuple[str, ...]
    popen: dict[str, Any]
    info: dict[str, Any]
    python: str
    sandboxed: bool = True

    def command(self, source: str) -> list[str]:
        return [*self.prefix, self.python, "-I", "-S", "-c", source]


def _version(bwrap: str) -> str:
    try:
        out = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10, env=BASE_ENV)
        return out.stdout.strip().split()[-1] if out.stdout.strip() else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def bwrap_launcher(limits: Limits) -> Launcher:
    """Build the launcher for this host, or raise SandboxUnavailable saying what is missing."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap (`bwrap`) is not installed; install the package `bubblewrap` "
                                 "(apt-get install bubblewrap), or pass --unsafe-no-sandbox for trusted code only")
    layout = python_layout()
    inner = inner_argv(bwrap, layout, limits)
    popen: dict[str, Any] = {"env": dict(BASE_ENV)}
    drop = None
    if os.geteuid() == 0:
        if all(_reachable(b) for b in layout.binds):
            popen.update(user=SANDBOX_UID, group=SANDBOX_UID, extra_groups=[])
            drop = "subprocess user/group"
            prefix = inner
        else:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                raise SandboxUnavailable("running as root with the interpreter under an unreadable directory "
                                         "needs `setpriv` (package util-linux) to drop to uid 65534")
            prefix = outer_argv(bwrap, setpriv, layout) + inner
            drop = "outer bwrap + setpriv"
    else:
        prefix = inner
    info = {
        "mechanism": "bubblewrap",
        "bwrap": bwrap,
        "bwrap_version": _version(bwrap),
        "namespaces": ["user", "pid", "net", "ipc", "uts", "cgroup", "mount"],
        "sandbox_uid": SANDBOX_UID,
        "host_uid": SANDBOX_UID if os.geteuid() == 0 else os.geteuid(),
        "privilege_drop": drop,
        "root": list(layout.binds),
        "hidden": list(layout.hidden),
        "python": layout.python,
        "python_version": sys.version.split()[0],
    }
    return Launcher(prefix=tuple(prefix), popen=popen, info=info, python=layout.python)


def unsafe_launcher() -> Launcher:
    """No isolation at all: the driver runs as the harness user with rlimits only."""
    exe = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    info = {"mechanism": "none (unsafe_no_sandbox)", "python": exe, "python_version": sys.version.split()[0]}
    return Launcher(prefix=(), popen={"env": dict(BASE_ENV)}, info=info, python=exe, sandboxed=False)
