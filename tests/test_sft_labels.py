"""The SFT training labels: the reasoning trace is trained, the prompt is masked, whatever the template."""

from __future__ import annotations

import pytest

from thaibench.errors import UserError
from thaibench.sftdata.encode import IGNORE, encode_chat, end_of_turn
from thaibench.sftdata.rows import Skip, parse_row, split_reply

QUESTION = "มาลีมีแอปเปิล 7 ผล จากนั้นซื้อมาอีก 5 ผล ตอนนี้มาลีมีแอปเปิลกี่ผล"
TRACE = "Malee starts with 7 apples.\nBuys 5 more: 7 + 5 = 12.\nSo Malee has 12 apples."
ANSWER = "คำตอบ: 12"
BILINGUAL = [{"role": "user", "content": QUESTION},
             {"role": "assistant", "content": f"<think>\n{TRACE}\n</think>\n\n{ANSWER}"}]

# DeepSeek-R1-Distill's template, reduced to its two trace-relevant habits: assistant turns lose
# everything before </think>, and the generation prompt opens <think> itself.
R1_TEMPLATE = (
    "{%- for m in messages -%}"
    "{%- if m['role'] == 'user' -%}{{ '<|im_start|>user\\n' + m['content'] + '<|im_end|>\\n' }}"
    "{%- elif m['role'] == 'assistant' -%}"
    "{%- set c = m['content'] -%}{%- if '</think>' in c -%}{%- set c = c.split('</think>')[-1] -%}{%- endif -%}"
    "{{ '<|im_start|>assistant\\n' + c + '<|im_end|>\\n' }}"
    "{%- endif -%}{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n<think>\\n' }}{%- endif -%}"
)


@pytest.fixture(scope="module")
def tok():
    from thaibench.mini.pico import DEFAULT_CORPUS, build_tokenizer

    return build_tokenizer([DEFAULT_CORPUS, QUESTION, TRACE, ANSWER] * 3, vocab_size=600)


def _trained(tok, enc) -> str:
    return tok.decode([t for t in enc.labels if t != IGNORE])


def _contains(seq: list[int], sub: list[int]) -> bool:
    return any(seq[i:i + len(sub)] == sub for i in range(len(seq) - len(sub) + 1))


def test_bilingual_labels_hold_the_trace_and_mask_the_prompt(tok) -> None:
    enc = encode_chat(tok, BILINGUAL)
    prompt = tok.apply_chat_template(BILINGUAL[:1], tokenize=False, add_generation_prompt=True)
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    assert enc.input_ids[: enc.prompt_len] == prompt_ids
    assert enc.labels[: enc.prompt_len] == [IGNORE] * len(prompt_ids)          # every prompt token masked
    assert enc.labels[enc.prompt_len:] == enc.input_ids[enc.prompt_len:]       # every reply token trained
    trace_ids = tok("\n" + TRACE + "\n", add_special_tokens=False)["input_ids"]
    assert _contains(enc.labels, trace_ids[1:-1])                               # the trace's own tokens
    assert _trained(tok, enc) == f"<think>\n{TRACE}\n</think>\n\n{ANSWER}<|im_end|>"
    assert QUESTION not in _trained(tok, enc)


def test_r1_template_would_drop_the_trace_but_the_labels_keep_it(tok) -> None:
    tok = _copy(tok)
    tok.chat_template = R1_TEMPLATE
    naive = tok.apply_chat_template(BILINGUAL, tokenize=False)
    assert TRACE not in naive            # the trap: rendering the whole chat loses the trace
    enc = encode_chat(tok, BILINGUAL)
    trained = _trained(tok, enc)
    assert TRACE in trained and ANSWER in trained
    full = tok.decode(enc.input_ids)
    assert full.count("<think>") == 1    # the prompt opened it; the reply does not repeat it
    assert trained.startswith(TRACE.split("\n")[0]) and trained.endswith("<|im_end|>")


def _copy(tok):
    import copy

    return copy.deepcopy(tok)


def test_trl_keeps_the_labels_it_is_given(tok, pico_qwen2, tmp_path) -> None:
    """SFTTrainer's dataset preparation must not rebuild labels from its own template logic."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    t = AutoTokenizer.from_pretrained(pico_qwen2)
    enc = encode_chat(t, BILINGUAL)
    model = AutoModelForCausalLM.from_pretrained(pico_qwen2)
    trainer = SFTTrainer(model=model, processing_class=t,
                         args=SFTConfig(output_dir=str(tmp_path), use_cpu=True, report_to="none", max_length=512),
                         train_dataset=Dataset.from_list([{"input_ids": enc.input_ids, "labels": enc.labels}]))
    row = trainer.train_dataset[0]
    assert row["labels"] == enc.labels and row["input_ids"] == enc.input_ids
    batch = trainer.data_collator([row])
    assert batch["labels"][0].tolist() == enc.labels


def test_end_of_turn_is_the_templates(tok) -> None:
    assert end_of_turn(tok, BILINGUAL[:1]) == "<|im_end|>"


def test_multi_turn_trains_only_the_last_reply(tok) -> None:
    msgs = [{"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "Answer: 4"},
            *BILINGUAL]
    enc = encode_chat(tok, msgs)
    trained = _trained(tok, enc)
    assert "Answer: 4" not in trained and TRACE in trained


def test_bad_inputs(tok) -> None:
    with pytest.raises(Skip) as e:
        encode_chat(tok, BILINGUAL[:1])
    assert e.value.reason == "no_assistant_turn"
    with pytest.raises(Skip) as e:
        encode_chat(tok, BILINGUAL, max_length=10)
    assert e.value.reason == "too_long"
    bare = _copy(tok)
    bare.chat_template = None
    with pytest.raises(UserError, match="no chat template"):
        encode_chat(bare, BILINGUAL)


STRATOS_REPLY = ("<|begin_of_thought|>\n\nLet me add. 2 + 3 = 5.\n\n<|end_of_thought|>\n\n"
                 "<|begin_of_solution|>\n\n\\boxed{5}\n\n<|end_of_solution|>")


@pytest.mark.parametrize(("text", "trace", "answer"), [
    (STRATOS_REPLY, "Let me add. 2 + 3 = 5.", "\\boxed{5}"),
    ("<think>\nคิดก่อน 2 + 3 = 5\n</think>\n\nคำตอบ: 5", "คิดก่อน 2 + 3 = 5", "คำตอบ: 5"),
    ("2 + 3 = 5 so\n</think>\n\nAnswer: 5", "2 + 3 = 5 so", "Answer: 5"),             # R1: opened in the prompt
    ("Answer: 5", None, "Answer: 5"),                                                 # no trace at all
    ("<think>\n\n</think>\n\nAnswer: 5", None, "Answer: 5"),                          # empty trace = none
    ("<|begin_of_thought|>\nx\n<|end_of_thought|>\n\nplain answer", "x", "plain answer"),
])
def test_split_reply(text: str, trace: str | None, answer: str) -> None:
    assert split_reply(text) == (trace, answer)


@pytest.mark.parametrize(("text", "reason"), [
    ("<think>\nstill thinking when the budget ran out", "unclosed_trace"),
    ("<|begin_of_thought|>\n\nstill thinking", "unclosed_trace"),
    ("Sure! <think>\nhmm\n</think>\n\n5", "misplaced_trace"),
    ("Intro <|begin_of_thought|> x <|end_of_thought|> y", "misplaced_trace"),
])
def test_split_reply_skips(text: str, reason: str) -> None:
    with pytest.raises(Skip) as e:
        split_reply(text)
    assert e.value.reason == reason


@pytest.mark.parametrize(("row", "reason"), [
    ({"conversations": [{"from": "user", "value": "hi"}]}, "no_assistant_turn"),
    ({"conversations": [{"from": "assistant", "value": "hello"}]}, "no_user_turn"),
    ({"messages": [{"role": "user", "content": "  "}, {"role": "assistant", "content": "x"}]}, "empty_question"),
    ({"instruction": "q", "output": ""}, "no_assistant_turn"),
    ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "<think>a</think>"}]},
     "empty_answer"),
    ({"conversations": [{"from": "narrator", "value": "q"}]}, "unknown_role"),
])
def test_parse_row_skips(row: dict, reason: str) -> None:
    with pytest.raises(Skip) as e:
        parse_row(row, "s", 0)
    assert e.value.reason == reason


def test_parse_row_shapes() -> None:
    stratos = parse_row({"system": "Your role as an assistant ...", "conversations": [
        {"from": "user", "value": "What is 2+3?"}, {"from": "assistant", "value": STRATOS_REPLY}]}, "s", 0)
    assert (stratos.question, stratos.trace, stratos.answer, stratos.history) == (
        "What is 2+3?", "Let me add. 2 + 3 = 5.", "\\boxed{5}", ())
    kept = parse_row({"system": "S", "conversations": [{"from": "human", "value": "q"},
                                                       {"from": "gpt", "value": "a"}]}, "s", 0, system="keep")
    assert kept.history == ({"role": "system", "content": "S"},)
    alpaca = parse_row({"instruction": "แปลคำว่า cat", "input": "ตอบสั้น ๆ", "output": "แมว",
                        "reasoning": "cat is แมว"}, "s", 3)
    assert (alpaca.question, alpaca.trace, alpaca.answer, alpaca.id) == ("แปลคำว่า cat\n\nตอบสั้น ๆ", "cat is แมว",
                                                                         "แมว", "s-3")
    rc = parse_row({"messages": [{"role": "user", "content": "q"},
                                 {"role": "assistant", "content": "5", "reasoning_content": "2+3"}]}, "s", 0)
    assert (rc.trace, rc.answer) == ("2+3", "5")
    assert rc.messages()[-1]["content"] == "<think>\n2+3\n</think>\n\n5"
