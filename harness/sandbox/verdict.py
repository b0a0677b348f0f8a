"""Pass or fail, decided outside the sandbox from plain data: the program's exit status and the
text it prints never decide it on their own.

Comparisons follow LiveCodeBench's grader (lcb_runner/evaluation/testing_util.py, MIT):
- stdin problems: both outputs are stripped, split on "\\n" and each line stripped; the line
  counts must agree and each line must be equal as text or, failing that, as a list of
  `Decimal` numbers (exact: "1.0" equals "1", "0.3333" does not equal "0.333333").
- functional problems: the returned value, a top-level tuple turned into a list, must `==` the
  JSON-decoded expected value (so `True == 1` as in Python, and as in LiveCodeBench).
A run that did not end normally (timeout, crash, limit, killed supervisor) fails whatever it
printed; a run whose output matched but that exited non-zero fails too (a runtime error).

Example:
    lcb_output_equal("3\\n1.50 2\\n", "3\\n1.5 2")  # True
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from thaibench.sandbox.jobs import Run


def lcb_lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().split("\n")]


def _decimals(line: str) -> list[Decimal] | None:
    try:
        return [Decimal(tok) for tok in line.split()]
    except InvalidOperation:
        return None


def lcb_output_equal(got: str, expected: str) -> bool:
    a, b = lcb_lines(got), lcb_lines(expected)
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        dx, dy = _decimals(x), _decimals(y)
        if dx is None or dy is None or dx != dy:
            return False
    return True


def lcb_value_equal(got: Any, expected: Any) -> bool:
    if isinstance(got, tuple):
        got = list(got)
    try:
        return bool(got == expected)
    except Exception:  # comparing plain data cannot run user code; this is belt and braces
        return False


def stdin_passed(run: Run, expected: str) -> bool:
    return run.ok and run.utf8 and lcb_output_equal(run.stdout, expected)


def call_passed(run: Run, expected: Any) -> bool:
    if not run.ok:
        return False
    reply = run.reply()
    return reply is not None and "v" in reply and lcb_value_equal(reply["v"], expected)


def describe_failure(run: Run, expected: Any = None, functional: bool = False, limit: int = 200) -> str:
    """One line for a score's explanation."""
    if run.status != "ok":
        what = {"timeout": "wall time limit", "cpu_limit": "CPU time limit", "output_limit": "output limit",
                "file_limit": "file size limit", "signal": f"killed by signal {run.signal}",
                "error": f"runtime error (exit {run.exit_code})", "not_run": "not run",
                "sandbox_error": "sandbox supervisor died"}.get(run.status, run.status)
        tail = run.stderr.strip().splitlines()[-1][:limit] if run.stderr.strip() else ""
        return f"test {run.index}: {what}" + (f": {tail}" if tail else "")
    if functional:
        reply = run.reply()
        if reply is None:
            return f"test {run.index}: no return value"
        if "v" not in reply:
            return f"test {run.index}: {reply.get('e', 'unplain')}: {str(reply.get('m') or reply.get('x'))[:limit]}"
        return f"test {run.index}: wrong answer: got {str(reply['v'])[:limit]!s}, expected {str(expected)[:limit]}"
    if not run.utf8:
        return f"test {run.index}: output is not UTF-8 text"
    return f"test {run.index}: wrong answer: got {run.stdout.strip()[:limit]!r}, expected {str(expected).strip()[:limit]!r}"
