"""ThaiExam and OpenThaiEval: every row loads (or is skipped for a documented reason), the gold
choice wins when a scripted model puts all probability on it, and letters are read from the
final answer only."""

from __future__ import annotations

import json
import math

import pytest

from thaibench.backends import BACKENDS, Backend, backend
from thaibench.run import Pipeline, RunSettings
from thaibench.scorers.choice import LABELS, extract_choice
from thaibench.task import get_task, resolve
from thaibench.tasks.openthaieval import split_choices, unescape_newlines
from thaibench.types import Generation, Sample

EXAMS = {"onet": 162, "ic": 95, "tgat": 65, "tpat1": 116, "a_level": 127}
OPENTHAIEVAL_SKIPPED = {28, 38, 900, 901, 902, 903, 913, 954, 955, 1062, 1063, 1064, 1065, 1066}


@pytest.mark.parametrize("exam,n", EXAMS.items())
def test_every_thai_exam_row_loads(exam: str, n: int) -> None:
    for name in (f"thai_exam_{exam}", f"thai_exam_{exam}_mc"):
        loaded = get_task(name).samples("th")
        assert len(loaded.samples) == n and not loaded.skipped
        for s in loaded.samples:
            choices, gold = s.target["choices"], s.target["gold"]
            assert 2 <= len(choices) <= 5 and 0 <= gold < len(choices) and choices[gold]


def test_thai_exam_quirky_rows(shared_data) -> None:
    rows = [json.loads(line) for line in (shared_data / "thai_exam/ic/ic_test.jsonl").open(encoding="utf-8")]
    ic = {s.id: s for s in get_task("thai_exam_ic").samples("th").samples}
    # IC row 7: empty b and c in the middle stay, so the letter of d is still D.
    assert ic["th/ic-007"].target["choices"][1:3] == ["", ""]
    assert ic["th/ic-007"].target["choices"][3] == rows[7]["d"]
    tgat = {s.id: s for s in get_task("thai_exam_tgat").samples("th").samples}
    assert len(tgat["th/tgat-030"].target["choices"]) == 4  # trailing empty e dropped
    assert len(tgat["th/tgat-000"].target["choices"]) == 5


def test_every_openthaieval_row_loads_or_is_a_documented_skip(shared_data) -> None:
    n_rows = sum(1 for line in (shared_data / "openthaieval/openthaieval.jsonl").open(encoding="utf-8") if line.strip())
    loaded = get_task("openthaieval").samples("th")
    skipped = {int(s.split(":")[0].split()[1]) for s in loaded.skipped}
    assert skipped == OPENTHAIEVAL_SKIPPED
    assert len(loaded.samples) + len(skipped) == n_rows == 1232
    slices = {}
    for s in loaded.samples:
        slices[s.metadata["slice"]] = slices.get(s.metadata["slice"], 0) + 1
        assert "\\n" not in s.input or "\n" in s.input
        assert 0 <= s.target["gold"] < len(s.target["choices"])
    assert slices == {"exam": 618, "xnli": 200, "xcopa": 200, "belebele": 200}
    xnli = next(s for s in loaded.samples if s.metadata["slice"] == "xnli")
    assert xnli.target["choices"] == ["entailment", "neutral", "contradiction"]
    assert sum(not s.metadata["answerable"] for s in loaded.samples) == 42


@pytest.mark.parametrize("raw,head,choices", [
    ("(1) a\n(2) b\n(3) c", "", ["a", "b", "c"]),
    ("(1) 2.94% (2) 5.71% (3) 5.88%", "", ["2.94%", "5.71%", "5.88%"]),
    ("ข้อใดถูกต้อง\n(1) x\n(2) y", "ข้อใดถูกต้อง", ["x", "y"]),
    ("\\1) 3.05 X 10^9\n(2) 3.05 x 10^10", "", ["3.05 X 10^9", "3.05 x 10^10"]),
    ("1 helpless\n(2) hopeless\n(3) tireless", "", ["helpless", "hopeless", "tireless"]),
    ("(1) active\n2 unuseful\n(3) excess", "", ["active", "unuseful", "excess"]),
    ("(1) p\n2.q\n(3) r", "", ["p", "q", "r"]),
    ("(1) lying to m(5)\n(2) honest", "", ["lying to m(5)", "honest"]),
    ("(1) ข้อ (1) และ (2) ถูก\n(2) ไม่มีข้อถูก", "", ["ข้อ (1) และ (2) ถูก", "ไม่มีข้อถูก"]),
])
def test_split_choices(raw: str, head: str, choices: list[str]) -> None:
    assert split_choices(raw) == (head, choices)


@pytest.mark.parametrize("raw", ["(1) | a |\n(2) b\n(1) | a |\n(2) b", "no markers at all"])
def test_split_choices_refuses_broken_lists(raw: str) -> None:
    from thaibench.task import MalformedRow

    with pytest.raises(MalformedRow):
        split_choices(raw)


def test_unescape_only_escaped_rows() -> None:
    assert unescape_newlines("a\\nb") == "a\nb"
    assert unescape_newlines("$a \\neq b$\nline") == "$a \\neq b$\nline"


CHOICES = ["๑ คำ", "๓ คำ", "๔ คำ", "๕ คำ", "๖ คำ"]


@pytest.mark.parametrize("answer,want", [
    ("Answer: B", 1),
    ("The correct answer is (C).", 2),
    ("**คำตอบ:** ข", 1),
    ("คำตอบที่ถูกต้องคือ ข้อ ค", 2),
    ("คำตอบคือข้อ ข", 1),
    ("ตอบ D", 3),
    ("ข้อ 2", 1),
    ("ตัวเลือกที่ 5 ถูกต้อง", 4),
    ("B", 1),
    ("(B)", 1),
    ("**B.**", 1),
    ("\\boxed{B}", 1),
    ("$\\boxed{\\text{E}}$", 4),
    ("ค", 2),
    ("b", 1),
    ("B. ๓ คำ", 1),
    ("๓ คำ", 1),
    ("คำตอบ: ๕ คำ", 3),
    ("Option A is wrong. The answer is B", 1),
    ("I think the answer is C.\n\nFinal answer: D", 3),
    ("answer: e", 4),
    ("คำตอบ: 3", None),  # a bare number after คำตอบ may be a value, not a label
    ("A cat is on the mat.", None),
    ("The answer is a prime number.", None),
    ("ข้อความนี้ยาวมาก", None),
    ("Answer: Bangkok", None),
    ("", None),
])
def test_extract_choice(answer: str, want: int | None) -> None:
    assert extract_choice(answer, CHOICES)[0] == want


def test_choice_letter_reads_the_final_answer_only() -> None:
    from thaibench.scorers import get_scorer

    sc = get_scorer("choice_letter")
    s = Sample("th/x", "th", "q", {"choices": CHOICES, "gold": 2})
    assert sc(s, Generation("", reasoning="คำตอบ: A", answer="คำตอบ: C", think_closed=True)).value == 1.0
    assert sc(s, Generation("", reasoning="คำตอบ: C", answer="คำตอบ: A", think_closed=True)).value == 0.0
    unclosed = sc(s, Generation("", reasoning="คำตอบ: C", answer="", think_closed=False))
    assert unclosed.value == 0.0 and "unclosed" in unclosed.explanation
    assert math.isnan(sc(s, Generation("", error="timeout")).value)


# -- a scripted model that knows the gold answers ---------------------------------------------
GOLD: dict[str, str] = {}  # log-likelihood context -> gold continuation; prompt -> gold letter

if "gold_oracle" not in BACKENDS:
    @backend("gold_oracle")
    class GoldOracle(Backend):
        """All probability on the gold continuation (model "gold") or on a wrong one ("wrong");
        generated answers carry a misleading letter in the trace and the gold one after it."""

        batch_size = 7

        def identity(self):
            return {"name": "gold_oracle"}

        def candidate(self):
            return {"id": f"oracle-{self.model}", "kind": "test", "name": self.model, "cacheable": True}

        def loglikelihood(self, requests):
            out = []
            for ctx, cont in requests:
                hit = GOLD[ctx] == cont
                if self.model == "wrong":
                    hit = not hit and cont == next(c for c in (" A", " B") if c != GOLD[ctx])
                out.append((0.0 if hit else -1e9, hit))
            return out

        def generate(self, requests, progress=None):
            out = []
            for r in requests:
                gold = GOLD[r.messages[-1]["content"]]
                decoy = "A" if gold != "A" else "B"
                out.append(Generation(f"<think>คำตอบ: {decoy}? ไม่ใช่</think>\n\nคำตอบ: {gold}", finish_reason="stop"))
            return out


@pytest.mark.parametrize("name", ["thai_exam_tgat", "openthaieval"])
def test_gold_choice_scores_one(tmp_path, name: str) -> None:
    from thaibench.backends import make_backend

    task = get_task(name)
    mc = get_task(f"{name}_mc")
    for s in task.samples("th").samples:
        ctx = mc.continuations(s)[0][0]
        GOLD[ctx] = f" {LABELS[s.target['gold']]}"
        GOLD[task.prompt(s)[-1]["content"]] = LABELS[s.target["gold"]]
    limit = 40
    for model, want in (("gold", 1.0), ("wrong", 0.0)):
        pipe = Pipeline(make_backend("gold_oracle", model), tmp_path / model, RunSettings(limit=limit))
        [sel] = resolve([f"{name}_mc"])
        res = pipe.run(sel).results
        acc = next(m for m in res["metrics"] if m["name"] == "mc_acc" and m["slice"] is None)
        assert acc["value"] == want and acc["n"] == limit
    [sel] = resolve([name])
    res = Pipeline(make_backend("gold_oracle", "gold"), tmp_path / "gen", RunSettings(limit=limit)).run(sel).results
    acc = next(m for m in res["metrics"] if m["name"] == "choice_letter" and m["slice"] is None)
    assert acc["value"] == 1.0 and acc["n"] == limit


def test_openthaieval_reports_each_part() -> None:
    from thaibench.run import aggregate
    from thaibench.scorers import get_scorer

    task = get_task("openthaieval_mc")
    samples = task.samples("th").samples
    sc = get_scorer("mc_acc")
    rows = []
    for s in samples:
        lls = [0.0 if i == s.target["gold"] else -9.0 for i in range(len(s.target["choices"]))]
        if s.metadata["slice"] == "xcopa":
            lls.reverse()  # two choices: all probability on the wrong one
        score = sc(s, Generation("", extra={"loglikelihoods": lls}))
        rows.append({"sample_id": s.id, "epoch": 0, "lang": "th", "pair_id": s.pair_id, "scorer": sc.name,
                     "value": score.value, "details": score.details})
    parts = {m.slice: m for m in aggregate(task, ["th"], rows, [])}
    assert set(parts) == {None, "exam", "xnli", "xcopa", "belebele"}
    assert parts["xnli"].n == 200 and parts[None].n == len(samples)
    assert parts["exam"].value == parts["belebele"].value == 1.0 and parts["xcopa"].value == 0.0
    assert parts[None].value == pytest.approx(1 - 200 / len(samples))


def test_backend_without_loglikelihood_is_a_clear_error(tmp_path) -> None:
    from thaibench.backends import make_backend
    from thaibench.errors import UserError

    if "no_ll" not in BACKENDS:
        @backend("no_ll")
        class NoLL(Backend):
            def identity(self):
                return {"name": "no_ll"}

            def candidate(self):
                return {"id": "no-ll", "kind": "test", "name": self.model, "cacheable": True}

    [sel] = resolve(["thai_exam_ic_mc"])
    with pytest.raises(UserError, match="log-likelihood"):
        Pipeline(make_backend("no_ll", "m"), tmp_path, RunSettings(limit=2)).run(sel)
