"""Text rules of the code scorers: which code an answer holds, how a HumanEval answer becomes a
program, and the pass@k estimator. Table-driven; no sandbox needed."""

from __future__ import annotations

import math
from itertools import combinations

import pytest

from thaibench.scorers import get_scorer
from thaibench.scorers.code import complete_humaneval, extract_code, pass_at_k, pass_at_k_metric
from thaibench.types import Generation, Sample

F = "```"
EXTRACT = [
    ("one python block", f"Here:\n{F}python\nprint(1)\n{F}\nDone.", "print(1)"),
    ("untagged block", f"{F}\nx = 1\n{F}", "x = 1"),
    ("last complete block wins", f"{F}python\nprint(1)\n{F}\ntext\n{F}py\nprint(2)\n{F}", "print(2)"),
    ("unclosed last block is ignored", f"{F}python\nprint(1)\n{F}\n{F}python\nprint(2", "print(1)"),
    ("trailing output block is not code", f"{F}python\nprint(1)\n{F}\nOutput:\n{F}text\n1\n{F}", "print(1)"),
    ("other languages are not python", f"{F}cpp\nint main(){{}}\n{F}", None),
    ("Python3 tag", f"{F}Python3\nprint(3)\n{F}", "print(3)"),
    ("tilde fence", "~~~python\nprint(4)\n~~~", "print(4)"),
    ("longer closing fence", f"{F}python\nprint(5)\n{F}`", "print(5)"),
    ("inner shorter fence stays inside", f"````python\ns = '''\n{F}\n'''\n````", f"s = '''\n{F}\n'''"),
    ("indented fence in a list", f"1. Code:\n   {F}python\n   def f():\n       return 1\n   {F}", "def f():\n    return 1"),
    ("bare program without fences", "def f(x):\n    return x + 1", "def f(x):\n    return x + 1"),
    ("prose is not code", "The answer is 42.", None),
    ("a lone word is not code", "Yes", None),
    ("empty answer", "", None),
    ("unclosed only block", f"{F}python\nprint(1)", None),
    ("thai prose around a block", f"นี่คือโค้ด:\n{F}python\nprint('สวัสดี')\n{F}\nจบ", "print('สวัสดี')"),
]


@pytest.mark.parametrize(("name", "answer", "code"), EXTRACT, ids=[e[0] for e in EXTRACT])
def test_extract_code(name: str, answer: str, code: str | None) -> None:
    assert extract_code(answer) == code


PROMPT = 'from typing import List\n\n\ndef helper(x):\n    return x\n\n\ndef add(a: int, b: int) -> int:\n    """Add."""\n'
COMPLETE = [
    ("full function keeps the preamble", "def add(a, b):\n    return a + b",
     'from typing import List\n\n\ndef helper(x):\n    return x\n\n\n\ndef add(a, b):\n    return a + b\n'),
    ("indented body follows the prompt", "    return a + b", PROMPT + "    return a + b\n"),
    ("unindented body is indented", "return helper(a) + b", PROMPT + "    return helper(a) + b\n"),
    ("other function name is a body", "def other():\n    pass", PROMPT + "    def other():\n        pass\n"),
]


@pytest.mark.parametrize(("name", "code", "program"), COMPLETE, ids=[c[0] for c in COMPLETE])
def test_complete_humaneval(name: str, code: str, program: str) -> None:
    got = complete_humaneval(code, PROMPT, "add")
    assert got == program
    compile(got, "p", "exec")


@pytest.mark.parametrize(("n", "c", "k"), [(1, 0, 1), (1, 1, 1), (5, 2, 1), (5, 2, 3), (10, 3, 5), (10, 0, 10),
                                           (10, 10, 5), (6, 1, 5), (6, 1, 6)])
def test_pass_at_k_matches_counting(n: int, c: int, k: int) -> None:
    draws = [1] * c + [0] * (n - c)
    subsets = list(combinations(range(n), k))
    brute = sum(any(draws[i] for i in s) for s in subsets) / len(subsets)
    assert pass_at_k(n, c, k) == pytest.approx(brute)


def _rows(values: dict[str, list[float]]) -> list[dict]:
    return [{"sample_id": s, "pair_id": s, "epoch": e, "value": v} for s, vs in values.items() for e, v in enumerate(vs)]


def test_metric_reports_pass_at_1_and_k_when_enough_draws() -> None:
    rows = _rows({"a": [1, 0, 0, 0, 0], "b": [0] * 5, "c": [1] * 5})
    out = {m.name: m for m in pass_at_k_metric(rows, "lcb_pass", "th")}
    assert set(out) == {"lcb_pass", "lcb_pass_pass@5"}
    assert out["lcb_pass"].value == pytest.approx((0.2 + 0 + 1) / 3)
    assert out["lcb_pass_pass@5"].value == pytest.approx(2 / 3) and out["lcb_pass"].n == 3


def test_metric_counts_unscorable_apart() -> None:
    rows = _rows({"a": [1.0]}) + [{"sample_id": "z", "pair_id": "z", "epoch": 0, "value": None}]
    [m] = pass_at_k_metric(rows, "humaneval_pass", "en")
    assert m.value == 1.0 and m.n == 1 and m.n_nan == 1
    [empty] = pass_at_k_metric(rows[1:], "humaneval_pass", "en")
    assert math.isnan(empty.value) and empty.n == 0


def test_no_tests_is_nan_and_no_code_is_zero_without_running_anything() -> None:
    lcb = get_scorer("lcb_pass")
    he = get_scorer("humaneval_pass")
    notests = Sample("th/x", "th", "q", {"style": None, "tests": [], "func_name": None, "klass": None})
    assert math.isnan(lcb(notests, Generation(text="", answer=f"{F}python\nprint(1)\n{F}")).value)
    target = {"style": "stdin", "tests": [{"input": "", "output": "1"}], "func_name": None, "klass": None}
    s = lcb(Sample("th/y", "th", "q", target), Generation(text="", reasoning=f"{F}python\nprint(1)\n{F}", answer=""))
    assert s.value == 0.0 and "empty" in s.explanation
    s = he(Sample("en/z", "en", "p", {"prompt": PROMPT, "test": "def check(c): pass", "entry_point": "add"}),
           Generation(text="", answer="I cannot solve this."))
    assert s.value == 0.0 and "no Python code" in s.explanation
