"""Writes the LiveCodeBench release fixture in this folder (run from here: python make_fixture.py).

Five small problems written for this project, in the format of the official release files of
livecodebench/code_generation_lite: JSON-string public tests, private tests as
base64(zlib(pickle(json string))), metadata as a JSON string with `func_name` for functional
problems. test.jsonl and test2.jsonl make release_v2; test3.jsonl adds one problem for
release_v3. One row of test2.jsonl carries a pickle that would run a shell command if it were
unpickled without restriction; the loader must refuse it and skip the row.
"""

import base64
import json
import os
import pickle
import zlib
from pathlib import Path


def private(tests):
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/thaibench-fixture-pwned",))


def row(qid, title, platform, date, content, public, hidden, func=None, starter=""):
    kind = "functional" if func else "stdin"
    return {
        "question_title": title, "question_content": content, "platform": platform, "question_id": qid,
        "contest_id": qid.split("_")[0], "contest_date": date, "starter_code": starter, "difficulty": "easy",
        "public_test_cases": json.dumps([{"input": i, "output": o, "testtype": kind} for i, o in public]),
        "private_test_cases": private([{"input": i, "output": o, "testtype": kind} for i, o in hidden]),
        "metadata": json.dumps({"func_name": func} if func else {}),
    }


files = {
    "test.jsonl": [
        row("tb001_a", "Add Two", "atcoder", "2023-05-13T00:00:00",
            "Given two integers A and B on one line, print A + B.",
            [("1 2\n", "3\n")], [("10 20\n", "30\n"), ("-5 5\n", "0\n")]),
        row("9001", "Count Vowels", "leetcode", "2023-06-10T00:00:00",
            "Given a string s, return the number of vowels (a, e, i, o, u, either case) in s.",
            [('"hello"', "2")], [('"sky"', "0"), ('"AEIOUaeiou"', "10")], func="countVowels",
            starter="class Solution:\n    def countVowels(self, s: str) -> int:\n        "),
    ],
    "test2.jsonl": [
        row("tb002_b", "Best Pair", "atcoder", "2023-09-02T00:00:00",
            "Given N and a list of N integers, print the largest sum of two different elements.",
            [("3\n1 5 3\n", "8\n")], [("2\n-1 -2\n", "-3\n"), ("4\n7 7 7 7\n", "14\n")]),
        {**row("tb002_c", "Trap", "atcoder", "2023-09-03T00:00:00", "Print 1.", [("\n", "1\n")], []),
         "private_test_cases": base64.b64encode(zlib.compress(pickle.dumps(Evil()))).decode()},
    ],
    "test3.jsonl": [
        row("9002", "Sum List", "leetcode", "2024-02-01T00:00:00",
            "Given an integer array nums and an integer k, return the sum of nums plus k.",
            [("[1, 2, 3]\n4", "10")], [("[]\n0", "0"), ("[-1]\n1", "0")], func="sumList",
            starter="class Solution:\n    def sumList(self, nums: List[int], k: int) -> int:\n        "),
    ],
}
out = Path(__file__).parent / "code_generation_lite"
out.mkdir(exist_ok=True)
for name, rows in files.items():
    (out / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
