"""The miniature world's data: deterministic, paired, arithmetically right, held out, scorable."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from thaibench.mini import corpus, generator
from thaibench.mini.generator import bucket, draw, held_out, stream
from thaibench.mini.heldout import FILES, heldout_rows, render

EQ_RE = re.compile(r"(\d+) ([-+×]) (\d+) = (\d+)")
NUM_RE = re.compile(r"\d+")


def _items(seed: int, n: int = 400) -> list[generator.Item]:
    rng = random.Random(seed)
    kinds = [("math", 1), ("math", 2), ("math", 3), ("general", 0)]
    return [draw(rng, *kinds[i % 4]) for i in range(n)]


def test_same_seed_same_items_other_seed_other_items() -> None:
    a, b, c = _items(3), _items(3), _items(4)
    assert [x.key for x in a] == [x.key for x in b]
    assert [x.prompt for x in a] == [x.prompt for x in b]
    assert [x.key for x in a] != [x.key for x in c]


def test_every_trace_step_is_true_and_ends_at_the_target() -> None:
    ops = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "×": lambda x, y: x * y}
    for it in _items(5):
        if it.kind != "math":
            continue
        eqs = EQ_RE.findall(it.trace)
        assert len(eqs) == it.steps, it.trace
        prev = None
        for a, op, b, c in eqs:
            assert ops[op](int(a), int(b)) == int(c), it.trace
            assert 0 <= int(c) <= generator.MAX_VALUE
            if prev is not None:
                assert int(a) == prev  # each step continues from the last result
            prev = int(c)
        assert str(prev) == it.target
        assert it.answer == {"en": f"Answer: {it.target}", "th": f"คำตอบ: {it.target}"}


def test_thai_and_english_prompts_carry_the_same_numbers_in_order() -> None:
    for it in _items(6):
        assert NUM_RE.findall(it.prompt["th"]) == NUM_RE.findall(it.prompt["en"]), it.prompt
        assert re.search(r"[\u0E00-\u0E7F]", it.prompt["th"])
        assert not re.search(r"[\u0E00-\u0E7F]", it.prompt["en"] + it.trace)  # traces are English


@pytest.mark.parametrize("family", ["arith", "word"])
def test_single_and_multi_step_items_exist_in_both_forms(family: str) -> None:
    seen = {(it.family, it.steps) for it in _items(7, 800) if it.kind == "math"}
    assert {(family, 1), (family, 2), (family, 3)} <= seen


def test_training_streams_never_yield_held_out_groups() -> None:
    train = stream(11, "train", corpus.ALL_MIX)
    items = [next(train) for _ in range(3000)]
    assert all(bucket(it.group) == "train" for it in items)
    held = held_out(4242, 30, 60, 20)
    assert all(bucket(it.group) == "eval" for it in held)
    assert not {it.group for it in items} & {it.group for it in held}
    assert len({it.key for it in held}) == len(held)


def test_a_computation_is_held_out_in_every_wording() -> None:
    rng = random.Random(12)
    by_group: dict[str, set[str]] = {}
    for _ in range(4000):
        it = draw(rng, "math", 2)
        by_group.setdefault(it.group, set()).add(it.family)
    assert any(len(f) == 2 for f in by_group.values())  # one computation, arith and word forms


def _doc_prompts(docs: list[str]) -> set[str]:
    """The questions inside pretraining documents (after a heading, or before an answer)."""
    heads = re.findall(r"^(?:Question|โจทย์|Q|ถาม): (.*)$", "\n".join(docs), re.MULTILINE)
    inline = re.findall(r"^(.*) (?:Answer|คำตอบ): \d+$", "\n".join(docs), re.MULTILINE)
    return set(heads) | set(inline)


def test_training_texts_contain_no_held_out_prompt() -> None:
    rows = heldout_rows()
    held = {r[f"prompt_{lang}"] for kind in rows for r in rows[kind] for lang in ("th", "en")}
    docs = corpus.pretrain_docs(1, 4000, xling_share=0.2)
    found = _doc_prompts(docs)
    assert len(found) > 2000  # the parser sees the documents' questions
    chats = {c.user for c in corpus.th_chats(2, 1500) + corpus.reasoner_chats(3, 1500)}
    assert not held & found
    assert not held & chats


def test_shipped_task_data_equals_the_generator_output() -> None:
    data = Path(__file__).resolve().parents[1] / "tasks" / "data"
    for kind, rows in heldout_rows().items():
        assert (data / FILES[kind]).read_text(encoding="utf-8") == render(rows), (
            f"{FILES[kind]} is stale: run `python -m thaibench.mini.heldout tasks/data`")
    assert len(heldout_rows()["multi"]) == 200 and len(heldout_rows()["single"]) == 100


def test_reference_answers_pass_the_harness_scorers() -> None:
    from thaibench.scorers import get_scorer
    from thaibench.types import Generation, Sample

    math_equiv, lang_ok = get_scorer("math_equiv"), get_scorer("answer_lang_ok")
    rows = heldout_rows()
    for r in rows["multi"][:40] + rows["single"][:20] + rows["chat"]:
        for lang, other in (("th", "en"), ("en", "th")):
            sample = Sample(f"{lang}/x", lang, r[f"prompt_{lang}"], r["target"])
            right = Generation(text=r[f"answer_{lang}"], answer=r[f"answer_{lang}"])
            wrong_lang = Generation(text=r[f"answer_{other}"], answer=r[f"answer_{other}"])
            assert lang_ok(sample, right).value == 1.0, r[f"answer_{lang}"]
            assert lang_ok(sample, wrong_lang).value == 0.0, r[f"answer_{other}"]
            if r["kind"] == "math":
                assert math_equiv(sample, right).value == 1.0
                trace = Generation(text="", reasoning=r["prompt_en"], answer=f"Answer: {int(r['target']) + 1}",
                                   think_closed=True)
                assert math_equiv(sample, trace).value == 0.0


def test_parent_chats_have_the_promised_shapes() -> None:
    th = corpus.th_chats(5, 400)
    assert all("<think>" not in c.assistant for c in th)
    assert all(c.lang == "th" for c in th)  # th_share defaults to Thai-only
    rs = corpus.reasoner_chats(6, 2000, p_en=0.55)
    assert all(c.assistant.startswith("<think>\n") and "\n</think>\n\n" in c.assistant for c in rs)
    thai_prompts = [c for c in rs if c.lang == "th"]
    english_answers = [c for c in thai_prompts if not re.search(r"[\u0E00-\u0E7F]", c.assistant)]
    share = len(english_answers) / len(thai_prompts)
    assert 0.48 < share < 0.62  # p_en = 0.55, about 1000 Thai prompts


def test_pretraining_documents_mix_languages_and_work_thai_questions_in_english() -> None:
    docs = corpus.pretrain_docs(8, 2000, drill_share=0.15, xling_share=0.2)
    xling = [d for d in docs if d.startswith("โจทย์:") and "\nSolution: " in d]
    drills = [d for d in docs if EQ_RE.match(d) and "Question" not in d]
    assert xling and drills
    assert any(d.startswith("ถาม:") for d in docs) and any(d.startswith("Q:") for d in docs)
    assert all(d.rstrip().endswith("คำตอบ: " + EQ_RE.findall(d)[-1][3]) for d in xling)
