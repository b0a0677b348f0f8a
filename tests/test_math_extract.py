"""Answer extraction and equivalence, table-driven, on the shapes real reasoning models write."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter

import pytest

from thaibench.scorers import get_scorer
from thaibench.scorers._math_equal import _inline_compare, canonical, check_equal
from thaibench.scorers.math import extract_answer
from thaibench.types import Generation, Sample

THAI = "thai answer lines and digits"
BOXED = "boxed forms"
LATEX = "fractions and latex"
SEVERAL = "several answers"
NONE = "no answer or unclosed trace"
STYLE = "reasoning-model styles"

# (group, final answer text, expected extraction; None = no answer)
EXTRACT = [
    (THAI, "**คำตอบ:** ๒,๕๐๐ บาท", "2500"),
    (THAI, "คำตอบสุดท้าย: ๑๘ ดอลลาร์", "18"),
    (THAI, "ดังนั้น คำตอบคือ 42", "42"),
    (THAI, "ดังนั้นคำตอบคือ $\\frac{1}{2}$ ของเค้กทั้งหมด", "\\frac{1}{2}"),
    (THAI, "ตอบ ๑๒ บาท", "12"),
    (THAI, "ตอบ: 7 คน", "7"),
    (THAI, "คำตอบที่ถูกต้องคือ 15 เซนติเมตร", "15"),
    (THAI, "### คำตอบ\n\n**๒๕**", "25"),
    (THAI, "คำตอบคือ ร้อยละ 20", "20%"),
    (THAI, "คำตอบ: 1.5 ล้านบาท", "1500000"),
    (THAI, "ดังนั้น เจเน็ตได้เงิน 18 ดอลลาร์ต่อวัน", "18"),
    (THAI, "ผลลัพธ์สุดท้ายคือ ๙๖", "96"),
    (THAI, "คำตอบ = 64 ลูก", "64"),
    (THAI, "∴ ตอบ ๑๘ บาท", "18"),
    (THAI, "ดังนั้น เจเน็ตได้เงิน 18 ดอลลาร์ต่อวัน\n\nหวังว่าจะช่วยได้นะครับ", "18"),
    (THAI, "คำตอบคือ เศษ 3 ส่วน 4", "\\frac{3}{4}"),
    (BOXED, "\\boxed{18}", "18"),
    (BOXED, "The total is \\boxed {18}.", "18"),
    (BOXED, "so we get \\boxed 18", "18"),
    (BOXED, "\\fbox{18}", "18"),
    (BOXED, "\\boxed{\\boxed{18}}", "18"),
    (BOXED, "Thus the area is $\\boxed{28\\,800}$ square feet.", "28800"),
    (BOXED, "\\boxed{28,800}", "28800"),
    (BOXED, "\\boxed{025}", "025"),
    (BOXED, "\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"),
    (BOXED, "\\[\\boxed{-7}\\]", "-7"),
    (BOXED, "ดังนั้นราคาคือ \\boxed{12\\text{ บาท}}", "12"),
    (BOXED, "\\boxed{5 ซม.}", "5"),
    (BOXED, "\\boxed{11,\\! 111,\\! 111,\\! 100}", "11111111100"),
    (LATEX, "\\boxed{\\dfrac{3}{4}}", "\\frac{3}{4}"),
    (LATEX, "\\boxed{\\frac34}", "\\frac{3}{4}"),
    (LATEX, "\\boxed{3/4}", "3/4"),
    (LATEX, "$\\boxed{\\displaystyle \\frac{\\sqrt{3}}{2}}$", "\\frac{\\sqrt{3}}{2}"),
    (LATEX, "\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}", "( 3, \\frac{\\pi}{2} )"),
    (LATEX, "The angle is \\boxed{30^\\circ}.", "30"),
    (LATEX, "\\boxed{10\\%}", "10%"),
    (LATEX, "\\boxed{\\text{(C)}}", "(C)"),
    (LATEX, "\\boxed{\\$18.90}", "18.90"),
    (LATEX, "\\boxed{5\\sqrt{2}\\text{ cm}}", "5\\sqrt{2}"),
    (LATEX, "\\boxed{x \\in [-2, 7]}", "x \\in [-2, 7]"),
    (LATEX, "\\boxed{\\mathrm{(B)}}", "(B)"),
    (LATEX, "\\boxed{\\begin{pmatrix} 1 \\\\[4pt] 2 \\end{pmatrix}}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"),
    (LATEX, "\\boxed{864 \\mbox{ inches}^2}", "864"),
    (LATEX, "\\boxed{2 \\times 9 = 18}", "18"),
    (LATEX, "\\boxed{\\text{18 dollars}}", "18"),
    (LATEX, "\\boxed{\\frac{1}{2}\\text{ of the pie}}", "\\frac{1}{2}"),
    (LATEX, "The temperature drops to \\boxed{\u22125}.", "-5"),
    (LATEX, "Answer: 2√3 cm", "2\\sqrt{3}"),
    (LATEX, "\\boxed{x^2 = 25 \\implies x = 5}", "x = 5"),
    (SEVERAL, "\\boxed{3} is wrong... the answer is \\boxed{5}", "5"),
    (SEVERAL, "First $\\boxed{4}$, then $\\boxed{7}$ as partial sums.\n\nAnswer: \\boxed{12}", "12"),
    (SEVERAL, "x = \\boxed{2} or x = \\boxed{-3}", "2, -3"),
    (SEVERAL, "The roots are $\\boxed{1}$, $\\boxed{2}$ and $\\boxed{3}$.", "1, 2, 3"),
    (SEVERAL, "The answer is 7.\n\nWait, let me recheck. Actually the answer is 8.", "8"),
    (SEVERAL, "Each batch needs \\boxed{6} eggs.\n\n**Answer:** 18", "18"),
    (SEVERAL, "\\boxed{5}\n\nThe answer is correct.", "5"),
    (SEVERAL, "**คำตอบ:** 3\n\nแก้ไข: คำตอบที่ถูกต้องคือ 4", "4"),
    (SEVERAL, "\\[ \\boxed{a = 2} \\quad \\boxed{b = 3} \\]", "a = 2, b = 3"),
    (SEVERAL, "\\boxed{5}\n\nตรวจสอบคำตอบ: 5 × 2 = 10 ถูกต้อง", "5"),
    (SEVERAL, "We found $\\boxed{4}$ earlier, but that was a mistake.\n\nFinal answer: 6", "6"),
    (SEVERAL, "\\boxed{12}\n\nTo verify the answer: 12 \\cdot 2 = 24.", "12"),
    (NONE, "", None),
    (NONE, "   \n  ", None),
    (NONE, "Hope this helps!", None),
    (NONE, "The value is \\boxed{12", None),
    (NONE, "Earlier I wrote \\boxed{3}. Correcting: the total is \\boxed{12", None),
    (NONE, "I could not solve this problem.", None),
    (NONE, "ไม่ทราบคำตอบ", None),
    (NONE, "Let me think step by step.", None),
    (NONE, "\\boxed{}", None),
    (NONE, "ขอโทษครับ ผมไม่สามารถหาคำตอบได้", None),
    (STYLE, "To find the income: 16 - 3 - 4 = 9 eggs, and 9 × $2 = $18.\n\n"
            "**Answer:** Janet makes \\boxed{18} dollars every day.", "18"),
    (STYLE, "Thus, the graph has \\(\\boxed{2}\\) vertical asymptotes.", "2"),
    (STYLE, "### Step 1\nCompute.\n\n### Final Answer\n\n$$\n\\boxed{\\dfrac{14}{3}}\n$$", "\\frac{14}{3}"),
    (STYLE, "**วิธีทำ**\n1. ไข่ที่เหลือ = 16 - 3 - 4 = 9 ฟอง\n2. รายได้ = 9 × 2 = 18 ดอลลาร์\n\n"
            "**คำตอบ:** เจเน็ตมีรายได้ $\\boxed{18}$ ดอลลาร์ต่อวัน", "18"),
    (STYLE, "ดังนั้น คำตอบคือ $\\boxed{๑๘}$", "18"),
    (STYLE, "The final answer is $\\boxed{70}$.", "70"),
    (STYLE, "Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.", "\\frac{3}{4}"),
    (STYLE, "**Answer: 18**", "18"),
    (STYLE, "Answer: The number of ways is 120.", "120"),
    (STYLE, "Answer: 16 - 3 - 4 = 9 eggs, and 9 × 2 = $18 a day.", "18"),
    (STYLE, "The answer is y = 2x + 3, the tangent line.", "2x + 3"),
    (STYLE, "Natalia sold 48 + 24 = 72 clips.\n#### 72", "72"),
    (STYLE, "**Final Answer**\n\\[\n\\boxed{204}\n\\]", "204"),
    (STYLE, "The answer is: $\\boxed{-\\frac{\\pi}{6}}$", "-\\frac{\\pi}{6}"),
    (STYLE, "**คำตอบสุดท้าย:** $\\boxed{\\dfrac{9}{19}}$", "\\frac{9}{19}"),
    (STYLE, "</think>\n\nSo the answer is $\\boxed{33}$.", "33"),
    (STYLE, "Putting it together:\n\\[\n\\begin{aligned} a &= 3 \\\\[4pt] b &= 4 \\end{aligned}\n\\]\n"
            "The answer is $\\boxed{7}$.", "7"),
]


def test_table_has_enough_cases_per_group() -> None:
    counts = Counter(group for group, _, _ in EXTRACT)
    assert len(EXTRACT) >= 60
    assert all(counts[g] >= 10 for g in (THAI, BOXED, LATEX, SEVERAL, NONE, STYLE)), counts


@pytest.mark.parametrize(("group", "text", "expected"), EXTRACT, ids=[f"{g}-{i}" for i, (g, _, _) in enumerate(EXTRACT)])
def test_extract_answer(group: str, text: str, expected: str | None) -> None:
    assert extract_answer(text) == expected


def _score(text: str, gold: str = "18", **gen: object):
    sample = Sample(id="s", lang="en", input="q", target=gold)
    generation = Generation(text=text, answer=gen.pop("answer", text), **gen)  # type: ignore[arg-type]
    return get_scorer("math_equiv")(sample, generation)


def test_unclosed_trace_is_wrong_with_no_answer() -> None:
    s = _score("<think>16 - 3 - 4 = 9, so 18", answer="", reasoning="16 - 3 - 4 = 9, so 18", think_closed=False)
    assert s.value == 0.0 and s.answer is None
    assert s.explanation == "unclosed reasoning trace, no answer"
    # Even if a backend left text in `answer`, an unclosed trace has no answer.
    assert _score("\\boxed{18}", think_closed=False).value == 0.0


def test_backend_error_is_nan_not_wrong() -> None:
    s = _score("", answer="", error="CUDA out of memory")
    assert math.isnan(s.value) and "backend error" in (s.explanation or "")


def test_scorer_values_and_explanations() -> None:
    right = _score("**Answer:** \\boxed{18}", think_closed=True)
    assert (right.value, right.answer) == (1.0, "18")
    wrong = _score("\\boxed{17}")
    assert wrong.value == 0.0 and wrong.answer == "17" and "differs" in (wrong.explanation or "")
    missing = _score("Hope this helps!", finish_reason="length")
    assert missing.value == 0.0 and "cut off" in (missing.explanation or "")
    # A response cut off mid-computation: its last number is no commitment...
    cut = _score("First, 16 - 3 - 4 = 9, and 9 * 2 = 18", finish_reason="length")
    assert cut.value == 0.0 and cut.answer is None
    # ...but a box it wrote before the cut is.
    assert _score("So the answer is \\boxed{18}. Let me double-check: 16 - 3", finish_reason="length").value == 1.0
    # With no trace at all the whole text is the answer.
    assert _score("so \\boxed{18}", answer="", think_closed=None).value == 1.0
    # A list of accepted golds: any one matches.
    assert get_scorer("math_equiv")(Sample("s", "en", "q", ["5", "6"]), Generation("\\boxed{6}", answer="\\boxed{6}")).value == 1.0


# (model answer, gold, equal?)
EQUIV = [
    ("28\\,800", "28800", True), ("28,800", "28800", True), ("2,125", "2,125", True), ("2125", "2,125", True),
    ("0.5", "\\frac12", True), ("\\frac{1}{2}", "0.5", True), ("1/2", "\\frac{1}{2}", True),
    ("10\\%", "10", True), ("0.1", "10\\%", True), ("30^\\circ", "30", True), ("30", "30^\\circ", True),
    ("12\\text{ cm}", "12", True), ("12 บาท", "12", True), ("x = 3", "3", True), ("3", "x=5", False),
    ("5", "x=5", True), ("[-2,7]", "x \\in [-2,7]", True), ("025", "25", True), ("25", "025", True),
    ("๒๕", "25", True), ("1\\frac{4}{5}", "\\frac{9}{5}", True), ("137.5", "137 \\frac{1}{2}", True),
    ("(3,4]", "(3,4]", True), ("(3,4)", "(3,4]", False), ("x > 5", "(5,\\infty)", True),
    ("-2, 1", "1,-2", True), ("1,2", "1,-2", False), ("C", "\\text{(C)}", True), ("(B)", "\\text{(C)}", False),
    ("Even", "\\text{even}", True), ("nivan", "\\text{Navin}", False), ("2516", "2516_8", True),
    ("2516_{10}", "2516_8", False), ("(-7, 16, 5)", "\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}", True),
    ("\\frac{1}{\\sqrt3}", "\\frac{\\sqrt{3}}{3}", True), ("2(k+1)", "2k+2", True), ("28801", "28800", False),
    ("0.333", "\\frac13", True), ("0.33", "\\frac13", False), ("-\\pi/6", "-\\frac{\\pi}{6}", True),
    ("\\frac{3}{2}", "\\frac{2}{3}", False), ("18.90", "\\$18.90", True), ("18.9", "\\$18.90", True),
    ("9^{9^{9}}", "3", False), ("1500000", "1,500,000", True), ("-18", "18", False),
    ("(C) plane", "\\text{(C)}", True), ("ข้อ ค", "\\text{(C)}", True), ("a circle", "\\text{(A)}", False),
    ("Cylinder", "\\text{(C)}", False), ("คู่", "\\text{even}", True), ("ฟังก์ชันคี่", "\\text{even}", False),
    ("ทิศตะวันออก", "\\text{east}", True), ("an ellipse", "\\text{ellipse}", True), ("วงรี", "\\text{ellipse}", True),
    ("\\sqrt{8}", "2\\sqrt{2}", True), ("x^2+2x+1", "(x+1)^2", True), ("x^2+2x", "(x+1)^2", False),
    ("(-\\infty,2)\\cup(3,\\infty)", "(-\\infty, 2) \\cup (3, \\infty)", True), ("(2,102)", "(2,12) \\cup (12,102)", False),
    ("2√3", "\\sqrt{12}", True), ("π/2", "\\frac{\\pi}{2}", True), ("½", "0.5", True),
]


@pytest.mark.parametrize(("pred", "gold", "equal"), EQUIV, ids=[f"{p}|{g}" for p, g, _ in EQUIV])
def test_math_equal(pred: str, gold: str, equal: bool) -> None:
    assert check_equal(pred, gold).equal is equal


SLOW = "\\prod_{k=1}^{100000} \\left(1+\\frac{1}{k^2}\\right)"  # sympy needs minutes for this


def test_equivalence_from_threads_uses_the_worker() -> None:
    """math-verify's SIGALRM timeouts raise ValueError off the main thread; ours must not."""
    results: list = []

    def work() -> None:
        results.append(check_equal("\\sqrt{12}", "2\\sqrt{3}"))
        results.append(check_equal("\\frac{\\sqrt2}{2}", "\\frac{1}{\\sqrt2}"))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 6 and all(r.equal is True for r in results)


def test_a_slow_comparison_is_undecided_not_a_hang() -> None:
    start = time.monotonic()
    verdict = check_equal(SLOW, "2", timeout=1.0)
    assert verdict.equal is None and "no verdict" in verdict.method
    assert time.monotonic() - start < 5
    assert check_equal("\\sqrt{8}", "2\\sqrt{2}").equal is True  # the worker came back
    s = get_scorer("math_equiv", timeout=1.0)(Sample("s", "en", "q", "2"), Generation(f"\\boxed{{{SLOW}}}", answer=f"\\boxed{{{SLOW}}}"))
    assert math.isnan(s.value) and "undecided" in (s.explanation or "")


def test_in_process_fallback_times_out_in_main_and_other_threads() -> None:
    start = time.monotonic()
    assert "timed out" in str(_inline_compare(canonical(SLOW), "2", 3.0))  # SIGALRM, main thread
    box: list = []
    medium = "\\prod_{k=1}^{100} \\left(1+\\frac{1}{k^2}\\right)"  # about a second: the abandoned thread ends soon
    t = threading.Thread(target=lambda: box.append(_inline_compare(canonical(medium), "3", 0.2)))
    t.start()
    t.join(30)
    assert "abandoned" in str(box[0])
    assert time.monotonic() - start < 10
