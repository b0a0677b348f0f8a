"""What the harness asks the sandbox to run, and what comes back: plain data on both sides.

Three job kinds cover every test style in the code tasks:

- `ProgramJob`: a program run once per input on stdin (LiveCodeBench stdin problems); each run's
  stdout comes back and is compared outside.
- `CallJob`: a function or `Solution` method called once per argument list (LiveCodeBench
  functional problems); each return value comes back as tagged plain data.
- `CheckJob`: a dataset's `check(candidate)` test (HumanEval), run unchanged in a judge sandbox
  while the candidate runs in another and answers each call over a pipe.

`Run` is one test run as observed: status (`ok`, `error`, `timeout`, `cpu_limit`, `signal`,
`output_limit`, `file_limit`, `not_run`, `sandbox_error`), exit code, captured output, times.
`Run.value()` rebuilds a call's return value; it never executes anything.

Example:
    ProgramJob(code="print(int(input()) * 2)", inputs=("21\\n",))
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from thaibench.sandbox.plain import untag

OK = "ok"
NOT_RUN = "not_run"
SANDBOX_ERROR = "sandbox_error"


@dataclass(frozen=True)
class ProgramJob:
    code: str
    inputs: tuple[str, ...]
    prelude: str = ""
    # Stop after the first run that did not end normally (a timeout or crash fails the problem).
    stop_on_error: bool = True
    # Called by the harness as each run arrives; returning False stops the sandbox (the harness's
    # own verdict, e.g. a wrong answer, ends the problem early as LiveCodeBench does).
    keep_going: Callable[[Run], bool] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CallJob:
    code: str
    entry: str
    calls: tuple[tuple[Any, ...], ...]
    klass: str | None = None
    prelude: str = ""
    stop_on_error: bool = True
    keep_going: Callable[[Run], bool] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CheckJob:
    code: str
    entry: str
    prompt: str
    test: str


@dataclass
class Run:
    index: int
    status: str
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stdout_bytes: int = 0
    utf8: bool = True
    stderr: str = ""
    result: str | None = None
    cpu_s: float = 0.0
    wall_s: float = 0.0
    note: str | None = None

    @classmethod
    def from_driver(cls, d: dict[str, Any]) -> Run:
        return cls(index=int(d["i"]), status=str(d["status"]), exit_code=d.get("exit"), signal=d.get("signal"),
                   stdout=str(d.get("stdout") or ""), stdout_bytes=int(d.get("stdout_bytes") or 0),
                   utf8=bool(d.get("utf8", True)), stderr=str(d.get("stderr") or ""), result=d.get("result"),
                   cpu_s=float(d.get("cpu") or 0.0), wall_s=float(d.get("wall") or 0.0))

    @property
    def ok(self) -> bool:
        return self.status == OK

    def reply(self) -> dict[str, Any] | None:
        """The decoded reply of a call (`{"v": value}`, `{"e": type, "m": msg}` or `{"x": why}`);
        None when the program wrote nothing or something unreadable."""
        if not self.result:
            return None
        try:
            msg = json.loads(self.result)
        except ValueError:
            return None
        if not isinstance(msg, dict) or len(msg) == 0:
            return None
        if "v" in msg:
            try:
                return {"v": untag(msg["v"])}
            except (ValueError, TypeError, RecursionError):
                return None
        return msg

    def summary(self, limit: int = 300) -> dict[str, Any]:
        """A short, JSON-ready description for score details."""
        d: dict[str, Any] = {"status": self.status, "exit": self.exit_code, "cpu_s": self.cpu_s, "wall_s": self.wall_s}
        if self.signal:
            d["signal"] = self.signal
        if self.stderr.strip():
            d["stderr_tail"] = self.stderr.strip()[-limit:]
        if self.note:
            d["note"] = self.note
        return d


@dataclass
class Outcome:
    """Runs of a ProgramJob or CallJob, in test order; tests never reached are `not_run`."""

    runs: list[Run]
    error: str | None = None


@dataclass
class CheckOutcome:
    """A CheckJob: the judge's verdict (the unchanged test's own assertions) and both runs."""

    passed: bool
    error: str | None
    calls: int = 0
    transcript: list[Any] = field(default_factory=list)
    candidate: Run | None = None
    judge: Run | None = None
