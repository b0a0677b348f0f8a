"""The sandbox's contract: plain data across the boundary, LiveCodeBench's comparison rules,
per-test runs with their statuses, arguments that really reach the method, refusal when the
isolation is missing, and what the run record is told."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import pytest

from thaibench.sandbox import CallJob, Limits, ProgramJob, Sandbox, SandboxUnavailable
from thaibench.sandbox import bwrap as bwrap_mod
from thaibench.sandbox.bwrap import Launcher
from thaibench.sandbox.plain import Unplain, dump, tag, untag
from thaibench.sandbox.runner import PROBE_LIMITS, _check_probe, _run_probe
from thaibench.sandbox.verdict import call_passed, lcb_output_equal, lcb_value_equal, stdin_passed

LCB_PRELUDE = "from typing import *\nfrom collections import *\n"


@pytest.fixture(scope="module")
def sb() -> Sandbox:
    return Sandbox(Limits(cpu_seconds=2, wall_seconds=5, memory_mb=512), workers=2)


# ------------------------------------------------------------------ plain data

PLAIN = [
    None, True, False, 0, -7, 2**53, -(2**80), 10**5000, 1.5, -0.0, float("inf"), float("-inf"),
    "", "สวัสดี\n\x00\udcff", [1, [2, [3]]], (1, "a"), (), {"k": [1, 2], 3: (4,)}, {(1, 2): None},
    {1, 2, 3}, frozenset({"x"}), b"\x00\xff", 1 + 2j, [[], {}, set(), ()],
]


@pytest.mark.parametrize("value", PLAIN, ids=range(len(PLAIN)))
def test_plain_values_cross_unchanged(value: Any) -> None:
    back = untag(json.loads(dump(tag(value))))
    assert back == value and type(back) is type(value)


def test_nan_crosses_as_nan() -> None:
    assert math.isnan(untag(json.loads(dump(tag(float("nan"))))))


class _Eq:
    def __eq__(self, other: object) -> bool:
        return True


class _Int(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


class _Str(str):
    pass


NOT_PLAIN = [_Eq(), _Int(3), _Str("a"), [1, _Eq()], {"k": _Int(1)}, (x for x in ()), len, object(), bytearray(b"x")]


@pytest.mark.parametrize("value", NOT_PLAIN, ids=range(len(NOT_PLAIN)))
def test_anything_else_is_refused(value: Any) -> None:
    with pytest.raises(Unplain):
        tag(value)


def test_deep_nesting_is_refused() -> None:
    v: list[Any] = []
    for _ in range(500):
        v = [v]
    with pytest.raises(Unplain):
        tag(v)


MALFORMED = [{"$x": 1}, {"$t": 1}, {"a": 1, "b": 2}, {"$i": 5}, {"$f": "zero"}, {"$d": [[1]]},
             {"$s": [[1]]}, {"$c": ["a", 1]}, {}]


@pytest.mark.parametrize("value", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_tags_are_rejected(value: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        untag(value)


# ------------------------------------------------------------------ LiveCodeBench comparison

OUTPUTS = [
    ("3\n", "3", True),
    ("  3  \n\n", "3", True),
    ("1.0", "1", True),
    ("1.50 2", "1.5 2.0", True),
    ("1e3", "1000", True),
    ("0.333", "0.3333", False),
    ("5\r\n6\r\n", "5\n6", True),
    ("Yes", "yes", False),
    ("a\n\nb", "a\nb", False),
    ("1 2", "1 2 3", False),
    ("1  2", "1 2", True),
    ("", "", True),
    ("", "0", False),
    ("ใช่", "Yes", False),
    ("50000000000000000", "50000000000000001", False),
]


@pytest.mark.parametrize(("got", "expected", "equal"), OUTPUTS)
def test_lcb_output_comparison(got: str, expected: str, equal: bool) -> None:
    assert lcb_output_equal(got, expected) is equal


VALUES = [
    ((1, 2), [1, 2], True),
    ([1, 2], [1, 2], True),
    (True, 1, True),
    (1.0, 1, True),
    ((1, (2,)), [1, [2]], False),
    ("1", 1, False),
    (None, [], False),
]


@pytest.mark.parametrize(("got", "expected", "equal"), VALUES)
def test_lcb_value_comparison(got: Any, expected: Any, equal: bool) -> None:
    assert lcb_value_equal(got, expected) is equal


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Limits(cpu_seconds=0)
    with pytest.raises(ValueError):
        Limits(memory_mb=-1)


# ------------------------------------------------------------------ running programs

def test_stdin_program_runs_once_per_test(sb: Sandbox) -> None:
    code = "import sys\ndata = sys.stdin.read().split()\nprint(sum(map(int, data)))\nprint('note', file=sys.stderr)\n"
    big = " ".join(["1"] * 300_000) + "\n"  # 600 KB of input: more than a pipe holds
    out = sb.run(ProgramJob(code, ("1 2\n", big, "")))
    assert [r.stdout for r in out.runs] == ["3\n", "300000\n", "0\n"]
    assert all(r.ok and "note" in r.stderr for r in out.runs)
    assert stdin_passed(out.runs[1], "300000") and not stdin_passed(out.runs[0], "4")


def test_runtime_error_fails_even_with_right_output(sb: Sandbox) -> None:
    out = sb.run(ProgramJob("print(3)\nraise SystemExit(2)\n", ("",)))
    assert out.runs[0].status == "error" and out.runs[0].exit_code == 2
    assert not stdin_passed(out.runs[0], "3")


def test_stop_on_error_and_keep_going(sb: Sandbox) -> None:
    crash = sb.run(ProgramJob("x = int(input())\nprint(10 // x)\n", ("1\n", "0\n", "2\n")))
    assert [r.status for r in crash.runs] == ["ok", "error", "not_run"]
    assert "ZeroDivisionError" in crash.runs[1].stderr
    seen: list[int] = []
    stop = sb.run(ProgramJob("print(input())\n", ("a\n", "b\n", "c\n"),
                             keep_going=lambda r: seen.append(r.index) is None and r.stdout != "b\n"))
    assert [r.status for r in stop.runs] == ["ok", "ok", "not_run"] and seen == [0, 1]


def test_arguments_reach_the_method(sb: Sandbox) -> None:
    code = "class Solution:\n    def echo(self, nums: List[int], k: int, s: str) -> List:\n        return [nums, k, s, type(nums).__name__]\n"
    calls = (([1, 2, 3], 4, "ก"), ([], -1, ""))
    out = sb.run(CallJob(code, "echo", calls, klass="Solution", prelude=LCB_PRELUDE))
    assert [r.reply() for r in out.runs] == [{"v": [[1, 2, 3], 4, "ก", "list"]}, {"v": [[], -1, "", "list"]}]
    assert call_passed(out.runs[0], [[1, 2, 3], 4, "ก", "list"])
    assert not call_passed(out.runs[1], [[], 1, "", "list"])


def test_module_function_and_exceptions(sb: Sandbox) -> None:
    code = "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return (x, x * x)\n"
    out = sb.run(CallJob(code, "f", ((3,), (-1,)), stop_on_error=False))
    assert out.runs[0].reply() == {"v": (3, 9)} and call_passed(out.runs[0], [3, 9])
    assert out.runs[1].reply() == {"e": "ValueError", "m": "negative"}
    assert not call_passed(out.runs[1], None)


def test_each_test_gets_a_fresh_process(sb: Sandbox) -> None:
    code = "class Solution:\n    seen = []\n    def f(self, x):\n        Solution.seen.append(x)\n        return list(Solution.seen)\n"
    out = sb.run(CallJob(code, "f", ((1,), (2,)), klass="Solution"))
    assert [r.reply() for r in out.runs] == [{"v": [1]}, {"v": [2]}]


def test_missing_method_is_a_failure_not_a_crash(sb: Sandbox) -> None:
    out = sb.run(CallJob("class Solution:\n    pass\n", "f", ((1,),), klass="Solution"))
    assert out.runs[0].status == "error" and not call_passed(out.runs[0], 1)


def test_info_names_the_mechanism(sb: Sandbox) -> None:
    info = sb.info()
    assert info["mechanism"] == "bubblewrap" and info["sandbox_uid"] == 65534 and info["host_uid"] != 0
    assert info["limits"]["wall_seconds"] == 5 and info["workers"] == 2
    json.dumps(info)


# ------------------------------------------------------------------ refusing to run unprotected

def test_refuses_without_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bwrap_mod.shutil, "which", lambda name: None)
    with pytest.raises(SandboxUnavailable, match="bubblewrap"):
        Sandbox(Limits())


def test_refuses_when_the_sandbox_does_not_start() -> None:
    broken = Launcher(prefix=("/usr/bin/false",), popen={"env": {"PATH": "/usr/bin"}}, info={}, python="/nonexistent")
    assert "did not start" in str(_run_probe(broken))


BAD_REPORTS = [
    ({"uid": 0}, "uid"),
    ({"pid": 4711}, "PID namespace"),
    ({"visible": ["/work/main"]}, "visible"),
    ({"env": ["PATH", "AWS_SECRET_ACCESS_KEY"]}, "environment"),
    ({"init_env": ["HOME", "GITHUB_TOKEN"]}, "environment"),
    ({"interfaces": ["eth0", "lo"]}, "network"),
    ({"system_writable": True}, "writable"),
    ({"forks": 40}, "process limit"),
]


@pytest.mark.parametrize(("patch", "reason"), BAD_REPORTS)
def test_probe_rejects_broken_isolation(patch: dict[str, Any], reason: str) -> None:
    good = {"uid": 65534, "pid": 2, "visible": [], "env": ["PATH"], "init_env": [], "interfaces": ["lo"],
            "system_writable": False, "forks": PROBE_LIMITS.max_processes - 1}
    assert _check_probe(good, PROBE_LIMITS.max_processes) == []
    bad = _check_probe({**good, **patch}, PROBE_LIMITS.max_processes)
    assert len(bad) == 1 and reason in bad[0]


def test_unsafe_mode_is_loud_and_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    unsafe = Sandbox(Limits(wall_seconds=10), workers=1, unsafe_no_sandbox=True)
    assert "WITHOUT a sandbox" in capsys.readouterr().err
    assert unsafe.info()["mechanism"].startswith("none")
    out = unsafe.run(ProgramJob("print(input()[::-1])", ("abc\n",)))
    assert out.runs[0].stdout == "cba\n"


def test_probe_reports_paths_it_can_see(sb: Sandbox) -> None:
    """The probe's look-up itself works: system paths it is shown are reported, harness paths not."""
    from thaibench.sandbox.process import Proc, pump
    from thaibench.sandbox.runner import _job_dict

    pr = Proc(sb.launcher)
    hidden = [("/usr", ["bin"]), ("/usr/bin", []), ("/work", []), ("/root/.ssh", [])]
    pr.assign(_job_dict(sb.launcher, "probe", PROBE_LIMITS, {"must_be_hidden": hidden}))
    reports: list[dict[str, Any]] = []
    pump([pr], time.monotonic() + 30, 1 << 20, lambda _p, m: reports.append(m) is None)
    report = json.loads(reports[0]["result"])
    assert report["visible"] == ["/usr", "/usr/bin"]
