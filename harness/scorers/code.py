"""Code scorers: take the program from the final answer, run it in the sandbox, judge outside.

Extraction reads the final answer only (never the reasoning trace): the last complete fenced
block tagged python/py (or untagged); an answer with no fence counts only if the whole answer is
Python that defines or does something (not prose, not a bare name). LiveCodeBench itself takes
the last pair of ``` lines (lcb_runner/utils/extraction_utils.py); pairing fences in order instead
keeps a trailing ```text block or an unclosed fence (a cut-off answer) from being taken.

- `humaneval_pass`: the program is completed from the prompt when the answer gives only the body
  or omits the signature; the dataset's unchanged `check(candidate)` runs in a judge sandbox and
  calls the candidate in another (Chen et al. 2021, arXiv:2107.03374; openai/human-eval, MIT).
- `lcb_pass`: LiveCodeBench's grading (Jain et al. 2024, arXiv:2403.07974; MIT): stdin problems
  compare printed output, functional problems compare `Solution().method(*args)` values, both
  with LiveCodeBench's import prelude and 1 test at a time, stopping at the first failure.
A problem with no tests is NaN (never a pass); an answer with no code is 0.

Metric `pass_at_k`: pass@1 under the scorer's own name (the headline), plus `<scorer>_pass@k`
for k in 5, 10, 20, 50, 100 when every sample has at least k generations (`--samples`), with the
unbiased estimator 1 - C(n-c, k) / C(n, k) of Chen et al.

The sandbox is shared by the process; `configure_sandbox` sets its limits and workers, and
THAIBENCH_UNSAFE_NO_SANDBOX=1 (the CLI's --unsafe-no-sandbox) runs without isolation, loudly.

Example:
    extract_code("<think>...</think>Here:\\n```python\\nprint(1)\\n```")  # 'print(1)'
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from thaibench.metrics import clustered_mean, metric
from thaibench.scorers import scorer
from thaibench.types import Generation, MetricValue, Sample, Score

LCB_PRELUDE = (
    "from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\n"
    "from heapq import *\nfrom bisect import *\nfrom copy import *\nfrom math import *\nfrom random import *\n"
    "from statistics import *\nfrom itertools import *\nfrom functools import *\nfrom operator import *\n"
    "from io import *\nfrom sys import *\nfrom json import *\nfrom builtins import *\nfrom typing import *\n"
    "import string\nimport re\nimport datetime\nimport collections\nimport heapq\nimport bisect\nimport copy\n"
    "import math\nimport random\nimport statistics\nimport itertools\nimport functools\nimport operator\n"
    "import io\nimport sys\nimport json\nsys.setrecursionlimit(50000)\n"
)
PY_TAGS = {"", "python", "py", "python3", "py3", "pycon"}
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*$")
UNSAFE_ENV = "THAIBENCH_UNSAFE_NO_SANDBOX"


# ------------------------------------------------------------------ extraction

def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(info string, body) of every COMPLETE fenced block, in order; an unclosed fence is dropped."""
    blocks, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m.group("fence"), len(m.group("indent"))
        info = m.group("info").strip().split()[0].lower() if m.group("info").strip() else ""
        for j in range(i + 1, len(lines)):
            c = _FENCE.match(lines[j])
            if c and c.group("fence")[0] == fence[0] and len(c.group("fence")) >= len(fence) and not c.group("info"):
                body = [ln[indent:] if ln[:indent].strip() == "" else ln for ln in lines[i + 1:j]]
                blocks.append((info, "\n".join(body)))
                i = j + 1
                break
        else:
            break  # unclosed: a cut-off answer; nothing after it is a block
    return blocks


def _is_program(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return any(not (isinstance(n, ast.Expr) and isinstance(n.value, (ast.Name, ast.Constant))) for n in tree.body)


def extract_code(answer: str) -> str | None:
    """The program in a final answer, or None. See the module docstring for the rules."""
    blocks = [body for info, body in fenced_blocks(answer) if info in PY_TAGS]
    if blocks:
        return blocks[-1].strip("\n")
    if "```" not in answer and "~~~" not in answer and _is_program(answer.strip()):
        return answer.strip("\n")
    return None


def _defines(code: str, name: str) -> bool:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name for n in tree.body)


def complete_humaneval(code: str, prompt: str, entry: str) -> str:
    """A runnable program from a HumanEval answer: the prompt's preamble (imports, helpers) before a
    full function, or the whole prompt before a body-only answer (indented if it was not)."""
    if _defines(code, entry):
        cut = re.search(rf"^def {re.escape(entry)}\s*\(", prompt, flags=re.M)
        preamble = prompt[:cut.start()] if cut else ""
        return preamble + "\n" + code + "\n"
    lines = code.split("\n")
    first = next((ln for ln in lines if ln.strip()), "")
    if first and not first[0].isspace():
        code = "\n".join(("    " + ln) if ln.strip() else ln for ln in lines)
    return prompt + code + "\n"


# ------------------------------------------------------------------ the shared sandbox

_SANDBOX: Any = None
_SETTINGS: dict[str, Any] = {}
_LOCK = threading.Lock()


def configure_sandbox(limits: Any = None, workers: int | None = None, unsafe_no_sandbox: bool | None = None) -> None:
    """Settings for the process-wide sandbox (takes effect on next use)."""
    global _SANDBOX
    with _LOCK:
        if _SANDBOX is not None:
            _SANDBOX.close()
        _SANDBOX = None
        _SETTINGS.update({k: v for k, v in (("limits", limits), ("workers", workers),
                                             ("unsafe_no_sandbox", unsafe_no_sandbox)) if v is not None})


def get_sandbox() -> Any:
    """The shared Sandbox, built on first use; raises SandboxUnavailable where it cannot be."""
    global _SANDBOX
    with _LOCK:
        if _SANDBOX is None:
            from thaibench.sandbox import Sandbox

            unsafe = _SETTINGS.get("unsafe_no_sandbox")
            if unsafe is None:
                unsafe = os.environ.get(UNSAFE_ENV, "") not in ("", "0")
            _SANDBOX = Sandbox(_SETTINGS.get("limits"), _SETTINGS.get("workers"), unsafe_no_sandbox=unsafe)
        return _SANDBOX


def sandbox_record() -> dict[str, Any]:
    """What the run record stores about code execution (called when a code task starts)."""
    return {"sandbox": get_sandbox().info()}


def _no_code(answer: str) -> Score:
    why = "no Python code block in the final answer" if answer.strip() else "empty final answer"
    return Score(0.0, None, why)


# ------------------------------------------------------------------ scorers

Plan = Score | tuple[Any, Callable[[Any], Score]]


def _with_batch(plan: Callable[[Sample, Generation], Plan]) -> Any:
    """A scorer from a plan (an immediate Score, or a sandbox job and how to judge its outcome).
    `score.batch(pairs)` runs the jobs of many generations on the sandbox's workers at once."""

    def score(sample: Sample, gen: Generation) -> Score:
        p = plan(sample, gen)
        return p if isinstance(p, Score) else p[1](get_sandbox().run(p[0]))

    def batch(pairs: Sequence[tuple[Sample, Generation]]) -> list[Score]:
        plans = [plan(s, g) for s, g in pairs]
        jobs = [p[0] for p in plans if not isinstance(p, Score)]
        outs = iter(get_sandbox().run_all(jobs) if jobs else [])
        return [p if isinstance(p, Score) else p[1](next(outs)) for p in plans]

    score.batch = batch  # type: ignore[attr-defined]
    return score


def humaneval_plan(sample: Sample, gen: Generation) -> Plan:
    from thaibench.sandbox import CheckJob

    t = sample.target or {}
    if not t.get("test"):
        return Score(math.nan, None, "no tests for this problem")
    code = extract_code(gen.answer or "")
    if code is None:
        return _no_code(gen.answer or "")
    program = complete_humaneval(code, t["prompt"], t["entry_point"])

    def finish(out: Any) -> Score:
        details = {"calls": out.calls, "transcript": out.transcript[:5],
                   "candidate": out.candidate.summary() if out.candidate else None}
        return Score(1.0 if out.passed else 0.0, program, None if out.passed else f"check failed: {out.error}",
                     details)

    return CheckJob(program, t["entry_point"], t["prompt"], t["test"]), finish


@scorer("humaneval_pass", version="1")
def humaneval_pass() -> Any:
    """1.0 when the dataset's own check passes for the program in the answer."""
    return _with_batch(humaneval_plan)


def lcb_job(target: dict[str, Any], code: str) -> tuple[Any, list[Any]]:
    """The sandbox job for a LiveCodeBench target, and the expected value of each test."""
    from thaibench.sandbox import CallJob, ProgramJob
    from thaibench.sandbox.verdict import call_passed, stdin_passed

    tests = target["tests"]
    if target["style"] == "stdin":
        expected: list[Any] = [t["output"] for t in tests]
        return ProgramJob(code, tuple(t["input"] for t in tests), prelude=LCB_PRELUDE,
                          keep_going=lambda r: stdin_passed(r, expected[r.index])), expected
    calls = tuple(tuple(json.loads(line) for line in t["input"].split("\n")) for t in tests)
    expected = [json.loads(t["output"]) for t in tests]
    return CallJob(code, target["func_name"], calls, klass=target.get("klass"), prelude=LCB_PRELUDE,
                   keep_going=lambda r: call_passed(r, expected[r.index])), expected


def lcb_plan(sample: Sample, gen: Generation) -> Plan:
    from thaibench.sandbox.verdict import call_passed, describe_failure, stdin_passed

    target = sample.target or {}
    if not target.get("tests"):
        return Score(math.nan, None, "no tests for this problem")
    code = extract_code(gen.answer or "")
    if code is None:
        return _no_code(gen.answer or "")
    job, expected = lcb_job(target, code)
    functional = target["style"] == "functional"

    def finish(out: Any) -> Score:
        ok = [(call_passed(r, e) if functional else stdin_passed(r, e)) for r, e in zip(out.runs, expected, strict=True)]
        failed = next((i for i, v in enumerate(ok) if not v), None)
        details = {"style": target["style"], "tests": len(ok), "passed": sum(ok),
                   "runs": [r.summary() for r in out.runs if r.status != "not_run"][:5]}
        if failed is None:
            return Score(1.0, code, None, details)
        return Score(0.0, code, describe_failure(out.runs[failed], expected[failed], functional), details)

    return job, finish


@scorer("lcb_pass", version="1")
def lcb_pass() -> Any:
    """1.0 when the program in the answer passes every test of the problem (public + private)."""
    return _with_batch(lcb_plan)


# ------------------------------------------------------------------ pass@k

PASS_KS = (5, 10, 20, 50, 100)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of P(at least one of k draws passes) from n draws with c passes."""
    if k == 1:
        return c / n
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


@metric("pass_at_k")
def pass_at_k_metric(rows: Sequence[dict[str, Any]], name: str, group: str) -> list[MetricValue]:
    """pass@1 (named `name`) and `name_pass@k` where every sample has k or more scored draws."""
    draws: dict[str, list[float]] = defaultdict(list)
    pairs: dict[str, str] = {}
    nan_samples: set[str] = set()
    for r in rows:
        sid = r["sample_id"]
        pairs[sid] = str(r.get("pair_id", sid))
        v = r.get("value")
        if v is None or (isinstance(v, float) and math.isnan(v)):
            nan_samples.add(sid)
        else:
            draws[sid].append(float(v))
    n_nan = len(nan_samples - set(draws))
    out = []
    for k in (1, *PASS_KS):
        if k > 1 and (not draws or min(len(v) for v in draws.values()) < k):
            break
        per = {sid: pass_at_k(len(v), int(round(sum(v))), k) for sid, v in draws.items()}
        m, se, n = clustered_mean(per, pairs)
        out.append(MetricValue(name if k == 1 else f"{name}_pass@{k}", group, m, se, n, "fraction", n_nan))
    return out
