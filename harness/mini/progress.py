"""A rich progress display for miniature builds: one bar per stage (data, base, mini-th, mini-reasoner).

Used by `thaibench mini build` and by anything that builds the world on first use (the default
`thaibench score`), so a first run never sits silent for minutes. Where stderr is not a terminal
(CI logs, pipes) it prints plain lines instead: a line per stage start and per tenth of a stage.

Example:
    with rich_build_progress() as cb:
        ensure_mini(progress=cb)
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

from thaibench.mini.build import StageProgress

STAGE_LABELS = {"data": "tokenizer and data", "base": "pretrain base", "mini-th": "fine-tune mini-th",
                "mini-reasoner": "fine-tune mini-reasoner"}


@contextlib.contextmanager
def rich_build_progress(console: Any = None, transient: bool = False) -> Iterator[StageProgress]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = console or Console(stderr=True)
    if not console.is_terminal:        # a log file or a pipe: bars would only show at the end
        yield _line_progress(console)
        return

    columns = (TextColumn("{task.description:<26}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[loss]}"))
    with Progress(*columns, console=console, transient=transient) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, step: int, total: int, loss: float) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGE_LABELS.get(stage, stage), total=total, loss="")
            shown = "" if math.isnan(loss) else f"loss {loss:.3f}"
            bar.update(tasks[stage], completed=step, total=total, loss=shown)

        yield update


def _line_progress(console: Any) -> StageProgress:
    """Plain lines for logs: each stage's start, every tenth of it, and its end, with times."""
    import time

    start = time.monotonic()
    shown: dict[str, int] = {}

    def update(stage: str, step: int, total: int, loss: float) -> None:
        tenth = 10 * step // max(total, 1)
        if shown.get(stage) == tenth:
            return
        shown[stage] = tenth
        label = STAGE_LABELS.get(stage, stage)
        tail = "" if math.isnan(loss) else f", loss {loss:.3f}"
        console.print(f"  {label}: {step}/{total}{tail} ({time.monotonic() - start:.0f} s)", highlight=False)

    return update
