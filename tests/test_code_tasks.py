"""The code tasks on real data: HumanEval's canonical solutions pass and wrong ones fail; reference
solutions to Thai LiveCodeBench problems pass (arguments really reach the method) and wrong ones
fail; the English release loader reads the official format from a fixture (private tests decoded
by the restricted unpickler); and `thaibench score --suite code` runs end to end offline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from thaibench.scorers import get_scorer
from thaibench.scorers.code import lcb_job
from thaibench.task import get_task
from thaibench.tasks.livecodebench import PlainUnpickler, decode_tests
from thaibench.types import Generation, Sample

DATA = Path(__file__).parent / "data"
RELEASE = DATA / "lcb_release"
F = "```"


def _answer(code: str) -> Generation:
    return Generation(text="", reasoning="thinking", answer=f"Here is the program.\n{F}python\n{code}\n{F}\n",
                      think_closed=True)


def solutions() -> tuple[dict[str, str], dict[str, str]]:
    good: dict[str, str] = {}
    wrong: dict[str, str] = {}
    key, lines = None, []
    for line in (DATA / "lcb_th_solutions.txt").read_text(encoding="utf-8").splitlines() + ["### end"]:
        if line.startswith("### "):
            if key:
                tid, _, kind = key.partition(" ")
                (wrong if kind == "wrong" else good)[tid] = "\n".join(lines).strip("\n") + "\n"
            key, lines = line[4:].strip(), []
        elif key:
            lines.append(line)
    return good, wrong


# ------------------------------------------------------------------ HumanEval

def test_humaneval_canonical_solutions_all_pass(shared_data: Path) -> None:
    task = get_task("humaneval")
    samples = task.samples("en").samples
    rows = {json.loads(line)["task_id"]: json.loads(line)
            for line in (shared_data / "humaneval" / "HumanEval.jsonl").read_text(encoding="utf-8").splitlines()}
    assert len(samples) == 164
    gens = [_answer(s.target["prompt"] + rows[s.pair_id]["canonical_solution"]) for s in samples]
    scores = get_scorer("humaneval_pass").fn.batch(list(zip(samples, gens, strict=True)))
    failed = [(s.id, sc.explanation) for s, sc in zip(samples, scores, strict=True) if sc.value != 1.0]
    assert failed == []
    assert all(sc.details["calls"] > 0 for sc in scores)


def test_humaneval_wrong_and_partial_answers(shared_data: Path) -> None:
    task = get_task("humaneval")
    by_id = {s.pair_id: s for s in task.samples("en").samples}
    s2, s33 = by_id["HumanEval/2"], by_id["HumanEval/33"]
    cases = [
        (s2, _answer("def truncate_number(number: float) -> float:\n    return number // 1.0"), 0.0),
        (s2, _answer("    return number % 1.0"), 1.0),  # body only: completed from the prompt
        (s2, _answer("return number % 1.0"), 1.0),  # body without indentation
        (s2, Generation(text="", reasoning=f"{F}python\n    return number % 1.0\n{F}", answer="Done."), 0.0),
        (s33, _answer("def sort_third(l: list):\n    return l"), 0.0),  # check calls sort_third by name
    ]
    scores = get_scorer("humaneval_pass").fn.batch([(s, g) for s, g, _ in cases])
    assert [sc.value for sc in scores] == [want for _, _, want in cases], [sc.explanation for sc in scores]


# ------------------------------------------------------------------ LiveCodeBench, Thai

@pytest.fixture(scope="module")
def thai(shared_data: Path) -> dict[str, Sample]:
    return {s.pair_id: s for s in get_task("livecodebench").samples("th", shared_data).samples}


def test_thai_subset_loads_with_styles_from_the_data(thai: dict[str, Sample]) -> None:
    styles = [s.metadata["style"] for s in thai.values()]
    assert len(thai) == 111 and styles.count("stdin") == 56 and styles.count("functional") == 54
    assert thai["3334"].target["func_name"] == "minimumBoxes" and thai["3334"].target["klass"] == "Solution"
    assert "&quot;" not in thai["3353"].input and '"leetcode"' in thai["3353"].input
    flagged = {s.pair_id for s in thai.values() if s.metadata["yes_no_translated"]}
    assert {"abc346_b", "abc347_c", "abc350_a"} <= flagged and "abc344_a" not in flagged
    [no_tests] = [s for s in thai.values() if not s.target["tests"]]
    assert math.isnan(get_scorer("lcb_pass")(no_tests, _answer("print(1)")).value)


def test_thai_reference_solutions_pass_and_wrong_ones_fail(thai: dict[str, Sample]) -> None:
    good, wrong = solutions()
    by_style = {st: [t for t in good if thai[t].metadata["style"] == st] for st in ("stdin", "functional")}
    assert len(by_style["stdin"]) >= 10 and len(by_style["functional"]) >= 10
    pairs = [(thai[t], _answer(code)) for t, code in good.items()]
    # Automatic mistakes: one extra output line (stdin); the right value wrapped in a list (functional).
    for t, code in good.items():
        s = thai[t]
        if s.metadata["style"] == "stdin":
            pairs.append((s, _answer(code + "print(0)\n")))
        else:
            m = s.target["func_name"]
            pairs.append((s, _answer(code + f"_f = Solution.{m}\nSolution.{m} = lambda self, *a: [_f(self, *a)]\n")))
    pairs += [(thai[t], _answer(code)) for t, code in wrong.items()]
    scores = get_scorer("lcb_pass").fn.batch(pairs)
    n = len(good)
    assert [(p[0].pair_id, sc.value) for p, sc in zip(pairs[:n], scores[:n], strict=True)] == \
        [(t, 1.0) for t in good], [sc.explanation for sc in scores[:n] if sc.value != 1.0]
    assert all(sc.value == 0.0 for sc in scores[n:]), [(p[0].pair_id, sc.explanation)
                                                       for p, sc in zip(pairs[n:], scores[n:], strict=True) if sc.value]
    assert all(sc.details["passed"] == sc.details["tests"] for sc in scores[:n])


def test_functional_arguments_reach_the_method(thai: dict[str, Sample]) -> None:
    """Each functional problem's method receives exactly the test's arguments, as values: a method
    that returns its arguments gives back the parsed input lines, and one that ignores them and
    returns the first test's answer fails wherever the answers differ."""
    from thaibench.sandbox import CallJob
    from thaibench.sandbox.verdict import call_passed
    from thaibench.scorers.code import LCB_PRELUDE, get_sandbox

    good, _ = solutions()
    echo_jobs, want, const_jobs, const_expected = [], [], [], []
    for t in good:
        s = thai[t]
        if s.metadata["style"] != "functional":
            continue
        m = s.target["func_name"]
        args = [[json.loads(line) for line in tc["input"].split("\n")] for tc in s.target["tests"]]
        echo = f"class Solution:\n    def {m}(self, *args):\n        return list(args)\n"
        echo_jobs.append(CallJob(echo, m, tuple(tuple(a) for a in args), klass="Solution", prelude=LCB_PRELUDE))
        want.append(args)
        _, expected = lcb_job(s.target, "")
        if len({json.dumps(e) for e in expected}) > 1:
            const = f"class Solution:\n    def {m}(self, *args):\n        return {expected[0]!r}\n"
            const_jobs.append(lcb_job(s.target, const)[0])
            const_expected.append(expected)
    outs = get_sandbox().run_all(echo_jobs + const_jobs)
    for out, args in zip(outs[:len(echo_jobs)], want, strict=True):
        assert [r.reply() for r in out.runs] == [{"v": a} for a in args]
    for out, expected in zip(outs[len(echo_jobs):], const_expected, strict=True):
        assert not all(call_passed(r, e) for r, e in zip(out.runs, expected, strict=True))
    assert len(const_jobs) >= 8


# ------------------------------------------------------------------ LiveCodeBench, English releases

def test_release_files_and_window_select_problems() -> None:
    task = get_task("livecodebench")
    ids = {rel: [s.pair_id for s in task.with_params(release=rel).samples("en", RELEASE).samples]
           for rel in ("release_v1", "release_v2", "release_v3", "v3")}
    assert ids == {"release_v1": ["tb001_a", "9001"], "release_v2": ["tb001_a", "9001", "tb002_b"],
                   "release_v3": ["tb001_a", "9001", "tb002_b", "9002"], "v3": ["9002"]}
    window = task.with_params(release="release_v3", start_date="2023-06-01", end_date="2023-12-31")
    assert [s.pair_id for s in window.samples("en", RELEASE).samples] == ["9001", "tb002_b"]
    v2 = task.with_params(release="release_v2").samples("en", RELEASE)
    assert len(v2.skipped) == 1 and "refused" in v2.skipped[0]
    assert not Path("/tmp/thaibench-fixture-pwned").exists()
    with pytest.raises(Exception, match="release"):
        task.with_params(release="release_v9")


def test_private_tests_are_decoded_and_graded() -> None:
    task = get_task("livecodebench").with_params(release="release_v3")
    by_id = {s.pair_id: s for s in task.samples("en", RELEASE).samples}
    assert [len(by_id[q].target["tests"]) for q in ("tb001_a", "9001", "tb002_b", "9002")] == [3, 3, 3, 3]
    answers = {
        "tb001_a": "a, b = map(int, input().split())\nprint(a + b)",
        "9001": "class Solution:\n    def countVowels(self, s: str) -> int:\n        return sum(c in 'aeiouAEIOU' for c in s)",
        "tb002_b": "n = int(input())\na = sorted(map(int, input().split()))\nprint(a[-1] + a[-2])",
        "9002": "class Solution:\n    def sumList(self, nums: List[int], k: int) -> int:\n        return sum(nums) + k",
    }
    # Passing the public test alone is not enough: these fail a private test.
    public_only = {
        "tb001_a": "print(3)",
        "9001": "class Solution:\n    def countVowels(self, s: str) -> int:\n        return 2",
        "tb002_b": "n = int(input())\na = list(map(int, input().split()))\nprint(max(a) + sorted(a)[1])",
        "9002": "class Solution:\n    def sumList(self, nums: List[int], k: int) -> int:\n        return 10",
    }
    pairs = [(by_id[q], _answer(c)) for q, c in answers.items()] + [(by_id[q], _answer(c)) for q, c in public_only.items()]
    scores = get_scorer("lcb_pass").fn.batch(pairs)
    assert [sc.value for sc in scores] == [1.0] * 4 + [0.0] * 4, [sc.explanation for sc in scores]


def test_restricted_unpickler_refuses_code() -> None:
    import base64
    import io
    import pickle
    import zlib

    class Boom:
        def __reduce__(self) -> tuple:
            return (print, ("unpickled!",))

    plain = [{"input": "1", "output": "2", "testtype": "stdin"}]
    enc = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(plain)))).decode()
    assert decode_tests(enc) == plain
    assert decode_tests(json.dumps(plain)) == plain and decode_tests(plain) == plain and decode_tests("") == []
    with pytest.raises(pickle.UnpicklingError):
        PlainUnpickler(io.BytesIO(pickle.dumps(Boom()))).load()
    from thaibench.task import MalformedRow

    for bad in (base64.b64encode(zlib.compress(pickle.dumps(Boom()))).decode(), "not base64 !!", "AAAA"):
        with pytest.raises(MalformedRow):
            decode_tests(bad)


def test_prompts_follow_livecodebench_in_each_language(thai: dict[str, Sample]) -> None:
    task = get_task("livecodebench")
    en = {s.pair_id: s for s in task.with_params(release="release_v3").samples("en", RELEASE).samples}
    p_fn = task.prompt(en["9001"])[0]["content"]
    assert "### Question:" in p_fn and "def countVowels(self, s: str)" in p_fn and "starter code" in p_fn
    p_in = task.prompt(en["tb001_a"])[0]["content"]
    assert "Read the inputs from stdin" in p_in and "# YOUR CODE HERE" in p_in
    th_fn = task.prompt(thai["3334"])[0]["content"]
    assert "### โจทย์:" in th_fn and "def minimumBoxes" in th_fn and "โค้ดเริ่มต้น" in th_fn
    th_in = task.prompt(thai["abc344_a"])[0]["content"]
    assert "อ่านอินพุตจาก stdin" in th_in and "# YOUR CODE HERE" in th_in


# ------------------------------------------------------------------ end to end

def test_score_suite_code_end_to_end(pico_llama: Path, shared_data: Path, tmp_path: Path) -> None:
    from thaibench.cli import main

    out = tmp_path / "out"
    assert main(["score", str(pico_llama), "--suite", "code", "--limit", "2", "--max-tokens", "16",
                 "--out", str(out), "--data-dir", str(RELEASE), "--quiet"]) == 0
    results = {json.loads(p.read_text(encoding="utf-8"))["task"]["name"]: (p.parent, json.loads(p.read_text()))
               for p in out.rglob("results.json")}
    assert set(results) == {"humaneval", "livecodebench"}
    for name, scorer in (("humaneval", "humaneval_pass"), ("livecodebench", "lcb_pass")):
        d, res = results[name]
        run = json.loads((d / "run.json").read_text(encoding="utf-8"))
        assert run["task"]["sandbox"]["mechanism"] == "bubblewrap"
        groups = {m["group"] for m in res["metrics"] if m["name"] == scorer}
        assert groups == ({"en"} if name == "humaneval" else {"th", "en", "th-en"})
        rows = [json.loads(line) for line in (d / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
        code_rows = [r for r in rows if r["scorer"] == scorer]
        assert code_rows and all(r["value"] in (0.0, 1.0) for r in code_rows)  # a random model writes no passing code
    run = json.loads((results["livecodebench"][0] / "run.json").read_text(encoding="utf-8"))
    assert run["task"]["livecodebench"]["release"] == "release_v2"
    # --limit keeps the Thai side's first pair ids, which the English fixture does not share:
    # score the English release on its own too.
    out_en = tmp_path / "out_en"
    assert main(["score", str(pico_llama), "--tasks", "livecodebench:en", "--max-tokens", "16",
                 "--out", str(out_en), "--data-dir", str(RELEASE), "--quiet"]) == 0
    [res_en] = [json.loads(p.read_text(encoding="utf-8")) for p in out_en.rglob("results.json")]
    [head] = [m for m in res_en["metrics"] if m["name"] == "lcb_pass" and m["group"] == "en"]
    assert head["n"] == 3 and head["value"] == 0.0
    # The same run with answers that hold real programs: `rescore` runs them in the sandbox.
    d = results["humaneval"][0]
    canon = {f"en/{json.loads(line)['task_id']}": json.loads(line)
             for line in (shared_data / "humaneval" / "HumanEval.jsonl").read_text(encoding="utf-8").splitlines()}
    lines = []
    for line in (d / "generations.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        row = canon[g["sample_id"]]
        g["text"] = g["answer"] = f"{F}python\n{row['prompt']}{row['canonical_solution']}{F}\n"
        g["reasoning"], g["think_closed"] = None, None
        lines.append(json.dumps(g, ensure_ascii=False))
    (d / "generations.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["rescore", str(d), "--data-dir", str(shared_data)]) == 0
    rows = [json.loads(line) for line in (d / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    latest = {r["sample_id"]: r for r in rows if r["scorer"] == "humaneval_pass"}
    assert [r["value"] for r in latest.values()] == [1.0, 1.0]
    assert all(r["details"]["calls"] > 0 for r in latest.values())
