"""Rating parsing on real-looking judge replies (table-driven)."""

from __future__ import annotations

import pytest

from thaibench.judge_parse import parse_choice, parse_rating

RATINGS = [
    ("The response is accurate and helpful. Rating: [[7]]", 7.0),
    ("Rating: [[8.5]]", 8.5),
    ("[[10]]", 10.0),
    ("Rating: [[1]]", 1.0),
    ("The answer is wrong. Rating: [2]", 2.0),
    ("Overall [7]. ", 7.0),
    ("Rating: [[ 6 ]]", 6.0),
    ("Rating: [[7/10]]", 7.0),
    ("I first considered [[6]], but after checking the math the final rating is [[4]].", 4.0),
    ("คำตอบถูกต้องและอธิบายชัดเจน คะแนน: [[9]]", 9.0),
    ("ผู้ช่วยตอบเป็นภาษาอังกฤษทั้งที่ถามเป็นภาษาไทย ให้คะแนน [[๓]]", 3.0),
    ("การประเมิน: ดีมาก\n\nRating: [[8]]", 8.0),
    ("<think>Maybe [[9]]? No, the second step is wrong.</think>The answer has an error. Rating: [[5]]", 5.0),
    ("<think>I would give [[10]]</think>Rating: [[3]]", 3.0),
    ("<think>rating [[8]] seems right but I ran out of time", None),
    ("<think>thinking [[8]]</think>I cannot rate this.", None),
    ("The response is good but I will not give a number.", None),
    ("", None),
    ("Rating: [[11]]", None),
    ("Rating: [[0]]", None),
    ("Rating: [[-3]]", None),
    ("Rating: [[seven]]", None),
    ("Rating: 7", None),
    ("See reference [1] and [2]. Rating: [[6]]", 6.0),
    ("The list item [3] is missing. Final: [[2]]", 2.0),
    ("**Rating: [[9]]**", 9.0),
    ("Rating: [[7]]\n\nNote: a stricter judge might give [[6]].", 6.0),
    ("Score [[4.0]]", 4.0),
    ("Rating:[[5]]Explanation follows", 5.0),
    ("ความถูกต้อง [[7]] ความครบถ้วน ดี", 7.0),
    ("Rating: [[10.5]]", None),
    ("rating [ [7] ]", 7.0),
]


@pytest.mark.parametrize(("reply", "expected"), RATINGS)
def test_parse_rating(reply: str, expected: float | None) -> None:
    assert parse_rating(reply) == expected


CHOICES = [
    ("Assistant A is more detailed. [[A]]", "A"),
    ("[[B]]", "B"),
    ("Both are equally good. [[C]]", "C"),
    ("<think>[[A]]?</think>After review: [[B]]", "B"),
    ("no verdict", None),
]


@pytest.mark.parametrize(("reply", "expected"), CHOICES)
def test_parse_choice(reply: str, expected: str | None) -> None:
    assert parse_choice(reply) == expected
