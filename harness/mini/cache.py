"""Where miniature builds live, and `ensure_mini()`: build once on first use, atomically.

Layout: `<root>/<version>/{base,mini-th,mini-reasoner,mini.json}` with `<root>` =
`$THAIBENCH_CACHE/mini` when that variable is set, else `~/.cache/thaibench/mini`, and
`<version>` the recipe's hash (`Recipe.version()`), so a changed recipe or generator never reuses
an old build.

Isolated: the build runs in a child process (`thaibench.mini.worker`, see there why).
Atomic and single: a build runs in `<root>/.<version>.tmp-<pid>` and is renamed into place only
when complete (a killed build leaves no half-written world behind); an exclusive `flock` on
`<root>/<version>.lock` makes a second process wait for the first and then reuse its result
instead of building twice. A complete build is recognised by its `mini.json`, written last.

Example:
    paths = ensure_mini()          # first time: about 7 min on 2 free CPU cores (16 on a busy one)
    paths["mini-th"]               # PosixPath('~/.cache/thaibench/mini/3f2a.../mini-th')

Quirks: `flock` is POSIX-only; on a network file system without locks two builds may run, and
the rename still leaves exactly one complete build.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from thaibench.mini.build import MODELS, StageProgress
from thaibench.mini.recipe import DEFAULT, Recipe

ENV_CACHE = "THAIBENCH_CACHE"


def cache_root() -> Path:
    base = os.environ.get(ENV_CACHE)
    root = Path(base) if base else Path.home() / ".cache" / "thaibench"
    return root / "mini"


def world_dir(recipe: Recipe | None = None, root: Path | None = None) -> Path:
    return (root or cache_root()) / (recipe or DEFAULT).version()


class MiniWorld(dict):
    """`{"base": Path, "mini-th": Path, "mini-reasoner": Path}` that is also path-like: `Path(world)`
    is the world directory (so `Path(ensure_mini()) / "mini-th"` works too)."""

    def __init__(self, root: Path) -> None:
        super().__init__({m: root / m for m in MODELS})
        self.root = root

    def __fspath__(self) -> str:
        return str(self.root)


def model_paths(world: Path) -> MiniWorld:
    return MiniWorld(world)


def is_built(world: Path) -> bool:
    return (world / "mini.json").is_file() and all((world / m / "config.json").is_file() for m in MODELS)


def manifest(world: Path) -> dict[str, Any]:
    return json.loads((world / "mini.json").read_text(encoding="utf-8"))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_build(recipe: Recipe, out: Path, progress: StageProgress | None = None) -> dict[str, Any]:
    """Build in a child process (`thaibench.mini.worker`) with OpenMP's passive waiting policy;
    relay its progress; return its manifest. A failed build raises with the child's last words."""
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    manifest: dict[str, Any] | None = None
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, "-m", "thaibench.mini.worker", str(out)], env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps(recipe.to_dict()))
            proc.stdin.close()
            for line in proc.stdout:
                msg = json.loads(line)
                if "manifest" in msg:
                    manifest = msg["manifest"]
                elif progress is not None:
                    loss = msg["loss"]
                    progress(msg["stage"], msg["step"], msg["total"], math.nan if loss is None else loss)
            code = proc.wait()
        finally:
            if proc.poll() is None:  # interrupted: do not leave a trainer running
                proc.kill()
                proc.wait()
        if code != 0 or manifest is None:
            err.seek(0)
            tail = err.read()[-2000:]
            raise RuntimeError(f"miniature build failed (exit {code}):\n{tail}")
    return manifest


def ensure_mini(recipe: Recipe | None = None, force: bool = False, progress: StageProgress | str | None = "rich",
                root: Path | None = None) -> MiniWorld:
    """Paths of base, mini-th and mini-reasoner, building them first if needed (or if `force`).

    `progress`: "rich" (default) shows a progress bar per stage on stderr while building, so a first
    `thaibench score` never sits silent for minutes; a callback receives (stage, step, total, loss);
    None is silent."""
    recipe = recipe or DEFAULT
    world = world_dir(recipe, root)
    if is_built(world) and not force:
        return model_paths(world)
    with _locked(world.parent / f"{world.name}.lock"):
        if is_built(world) and not force:  # another process built it while we waited
            return model_paths(world)
        # Nobody else can be building this version now: leftovers are from killed builds.
        for stale in world.parent.glob(f".{world.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = world.parent / f".{world.name}.tmp-{os.getpid()}"
        try:
            if progress == "rich":
                from rich.console import Console

                from thaibench.mini.progress import rich_build_progress

                console = Console(stderr=True)
                console.print(f"thaibench: building the miniature world (first use) into {world}")
                with rich_build_progress(console) as cb:
                    run_build(recipe, tmp, cb)
            else:
                run_build(recipe, tmp, progress if callable(progress) else None)
            if world.exists():
                old = world.parent / f".{world.name}.old-{os.getpid()}"
                world.rename(old)
                tmp.rename(world)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(world)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return model_paths(world)
