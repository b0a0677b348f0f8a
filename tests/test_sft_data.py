"""The SFT data builder: parsing, skips, language filters, dedup, mixing, card, translation, presets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thaibench.backends import Backend, BackendOptions
from thaibench.errors import UserError
from thaibench.sftdata import build_data, parse_config
from thaibench.sftdata.filters import lang_of, near_duplicates
from thaibench.types import Generation


def stratos(q: str, trace: str | None, answer: str) -> dict:
    reply = (f"<|begin_of_thought|>\n\n{trace}\n\n<|end_of_thought|>\n\n" if trace else "") + \
        f"<|begin_of_solution|>\n\n{answer}\n\n<|end_of_solution|>"
    return {"system": "Your role as an assistant involves ...",
            "conversations": [{"from": "user", "value": q}, {"from": "assistant", "value": reply}]}


ROWS = [
    stratos("What is 7 + 5?", "Add them: 7 + 5 = 12.", "Answer: 12"),
    stratos("What is 9 - 4?", "Subtract: 9 - 4 = 5.", "Answer: 5"),
    stratos("What is 7 + 5?", "Add them: 7 + 5 = 12.", "Answer: 12"),           # exact duplicate
    stratos("what is 9 - 4 ?", "Nine minus four is 5.", "Answer: 5"),            # near duplicate of row 1
    stratos("Name three primary colours.", None, "Red, yellow and blue."),       # no trace
    {"system": "S", "conversations": [{"from": "user", "value": "Is this kept?"},
                                      {"from": "assistant", "value": "<|begin_of_thought|>\n\nI was cut off"}]},
    {"system": "S", "conversations": [{"from": "user", "value": "A question nobody answered"}]},
    stratos("จงคำนวณ 8 + 6", "Add: 8 + 6 = 14.", "คำตอบ: 14"),                         # Thai question and answer
    stratos("จงคำนวณ 3 + 3", "Add: 3 + 3 = 6.", "Answer: 6"),                           # Thai question, English answer
    stratos("How many legs does a spider have?", "Spiders are arachnids with eight legs.", "Eight."),
]


@pytest.fixture()
def stratos_file(tmp_path: Path) -> Path:
    p = tmp_path / "stratos.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    return p


def by_name(card: dict, name: str) -> dict:
    return next(s for s in card["sources"] if s["name"] == name)


def test_card_counts_every_step(stratos_file: Path, tmp_path: Path) -> None:
    cfg = parse_config({"name": "t", "dedup": "near", "filters": {"require_trace": True},
                        "sources": [{"name": "stratos", "path": str(stratos_file),
                                     "filters": {"answer_lang_matches_question": True}}]})
    card = build_data(cfg, tmp_path / "out")
    s = by_name(card, "stratos")
    assert s["read"] == 10
    assert s["skipped"] == {"no_assistant_turn": 1, "unclosed_trace": 1}
    assert s["filters"] == {"answer_lang_matches_question": 1, "require_trace": 1}
    assert s["duplicates"] == {"exact": 1, "near": 1}
    assert s["selected"] == card["rows"] == 4
    assert card["languages"]["question"] == {"en": 3, "th": 1}
    assert card["languages"]["trace"] == {"en": 4}
    assert {(r["step"], r["rule"], r["removed"]) for r in card["removed"]} >= {
        ("parse", "unclosed_trace", 1), ("filter", "require_trace", 1), ("dedup", "near", 1)}
    lines = [json.loads(x) for x in (tmp_path / "out" / "data.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4
    th = next(x for x in lines if "8 + 6" in x["messages"][0]["content"])
    assert th["messages"][1]["content"] == "<think>\nAdd: 8 + 6 = 14.\n</think>\n\nคำตอบ: 14"
    assert (tmp_path / "out" / "card.md").read_text(encoding="utf-8").startswith("# SFT data: t")


def test_same_config_same_card_and_reuse(stratos_file: Path, tmp_path: Path) -> None:
    cfg = parse_config({"sources": [{"name": "s", "path": str(stratos_file), "n": 3}], "seed": 7})
    a = build_data(cfg, tmp_path / "a")
    b = build_data(cfg, tmp_path / "b")
    assert a["digest"] == b["digest"] and a["data_sha256"] == b["data_sha256"]
    logs: list[str] = []
    again = build_data(cfg, tmp_path / "a", log=logs.append)
    assert again == a and "already built" in logs[0]
    other = build_data(parse_config({"sources": [{"name": "s", "path": str(stratos_file), "n": 3}], "seed": 8}),
                       tmp_path / "c")
    assert other["config_id"] != a["config_id"]


def test_mix_by_count_and_ratio(stratos_file: Path, tmp_path: Path) -> None:
    cfg = parse_config({"total": 10, "dedup": "none", "sources": [
        {"name": "a", "path": str(stratos_file), "n": 2},
        {"name": "b", "path": str(stratos_file), "ratio": 0.3},
        {"name": "c", "path": str(stratos_file), "n": 50}]})
    card = build_data(cfg, tmp_path / "o")
    assert [by_name(card, n)["selected"] for n in "abc"] == [2, 3, 8]
    assert by_name(card, "c")["short_by"] == 42
    assert card["rows"] == 13


def test_columns_mapping_and_wrong_columns(tmp_path: Path) -> None:
    p = tmp_path / "inst.jsonl"
    p.write_text(json.dumps({"prompt": "สวัสดี", "response": "สวัสดีครับ"}, ensure_ascii=False) + "\n",
                 encoding="utf-8")
    with pytest.raises(UserError) as e:
        build_data(parse_config({"sources": [{"name": "i", "path": str(p)}]}), tmp_path / "x")
    msg = str(e.value)
    assert "\n" not in msg and "[prompt, response]" in msg and "columns:" in msg
    cfg = parse_config({"sources": [{"name": "i", "path": str(p),
                                     "columns": {"instruction": "prompt", "output": "response"}}]})
    assert build_data(cfg, tmp_path / "y")["rows"] == 1


@pytest.mark.parametrize(("config", "match"), [
    ({"sources": [{"name": "a", "path": "x", "oops": 1}]}, "unknown keys"),
    ({"sources": [{"name": "a", "path": "x", "filters": {"trace_language": "en"}}]}, "unknown filters"),
    ({"sources": [{"name": "a", "from": "b"}]}, "must name a source listed before"),
    ({"sources": [{"name": "a", "path": "x", "mini": {}}]}, "exactly one of"),
    ({"sources": [{"name": "a", "path": "x", "ratio": 0.5}]}, "need `total:`"),
    ({"sources": []}, "at least one source"),
    ({"preset": "SFT-v9"}, "unknown data preset"),
    ({"preset": "SFT-v2"}, "translate"),
    ({"preset": {"name": "SFT-v3", "translate": {"backend": "hf", "model": "m"}}}, "th_general"),
])
def test_config_errors(config: dict, match: str) -> None:
    with pytest.raises(UserError, match=match):
        parse_config(config)


def test_hub_id_offline_is_one_line(tmp_path: Path) -> None:
    cfg = parse_config({"sources": [{"name": "s", "path": "bespokelabs/Bespoke-Stratos-17k", "limit": 5}]})
    with pytest.raises(UserError) as e:
        build_data(cfg, tmp_path / "o")
    assert "\n" not in str(e.value) and "local mirror" in str(e.value)


def test_presets_mix_what_the_docs_say() -> None:
    tr = {"backend": "hf", "model": "./translator"}
    v1 = parse_config({"preset": "SFT-v1"})
    assert [s.name for s in v1.sources] == ["stratos"]
    assert v1.sources[0].origin.path == "bespokelabs/Bespoke-Stratos-17k"
    v3 = parse_config({"preset": {"name": "SFT-v3", "translate": tr, "th_general": "g.jsonl"}})
    assert [(s.name, s.n) for s in v3.sources] == [("stratos", None), ("stratos_th", 6500), ("th_general", 500)]
    th = v3.sources[1]
    assert th.origin.parent == "stratos" and th.translate is not None
    assert th.translate.fields == ("question", "answer") and th.filters["trace_lang"] == "en"
    v4 = parse_config({"preset": {"name": "SFT-v4", "translate": tr, "th_general": "g.jsonl"}})
    assert v4.sources[1].translate.fields == ("question", "answer", "trace")
    assert v4.sources[1].filters["trace_lang"] == "th"


def test_v1_preset_on_a_mirror_keeps_bare_boxed_answers(tmp_path: Path) -> None:
    p = tmp_path / "mirror.jsonl"
    rows = [stratos("What is 2 + 3?", "Add: 2 + 3 = 5.", "\\boxed{5}"),
            stratos("What is 4 + 4?", "Add: 4 + 4 = 8.", "The answer is \\boxed{8}."),
            stratos("What is 1 + 1?", "บวกกัน 1 + 1 = 2", "\\boxed{2}")]          # Thai trace: filtered
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    card = build_data(parse_config({"preset": {"name": "SFT-v1", "stratos": str(p)}}), tmp_path / "o")
    assert card["rows"] == 2 and by_name(card, "stratos")["filters"] == {"trace_lang": 1}
    assert card["languages"]["answer"] == {"en": 1, "none": 1}


def test_mini_preset_builds_offline(tmp_path: Path) -> None:
    card = build_data(parse_config({"preset": {"name": "mini-SFT-v3", "n": 60}}), tmp_path / "m")
    assert card["languages"]["trace"] == {"en": card["rows"]}
    th = by_name(card, "mini_stratos_th")["languages"]
    assert th["question"] == {"th": by_name(card, "mini_stratos_th")["selected"]} and set(th["answer"]) == {"th"}


@pytest.mark.parametrize(("text", "lang"), [
    ("จงหาค่าของ 7 + 5", "th"),
    ("Let x be the price (ราคา) of one apple.", "en"),
    ("ฟังก์ชัน f(x) มีค่า derivative เท่ากับ 2x ดังนั้นคำตอบคือ 4", "th"),
    ("What is 7 + 5?", "en"),
    ("12 + 7 = 19", "none"),
    ("", "none"),
    ("这是中文的句子，没有泰语也没有英语。", "zh"),
])
def test_lang_of(text: str, lang: str) -> None:
    assert lang_of(text) == lang


@pytest.mark.parametrize(("texts", "dropped"), [
    (["What is 7 + 5?", "what is 7+5 ?", "Name a colour."], {1}),
    (["มาลีมีแอปเปิล 7 ผล ซื้อเพิ่ม 5 ผล", "มาลีมีแอปเปิล 7 ผล ซื้อเพิ่ม 5 ผล ", "มานะมีส้ม 3 ผล"], {1}),
    (["What is 7 + 5?", "What is 9 - 4?"], set()),
    (["A long question about the speed of a train leaving Bangkok at noon.",
      "A long question about the speed of a train leaving Bangkok at night."], {1}),
])
def test_near_duplicates(texts: list[str], dropped: set[int]) -> None:
    assert near_duplicates(texts, 0.8) == dropped


class Dictionary(Backend):
    """A translator backend that looks texts up (and fails on some), counting what it is sent."""

    name = "dictionary"
    table = {"What is 7 + 5?": "7 + 5 เท่ากับเท่าไร", "Answer: 12": "คำตอบ: 12",
             "What is 9 - 4?": "9 - 4 เท่ากับเท่าไร", "Answer: 5": "คำตอบ: 5",
             "How many legs does a spider have?": "แมงมุมมีกี่ขา", "Eight.": "แปดขา"}

    def __init__(self, fail: set[str] | None = None) -> None:
        super().__init__("dictionary", BackendOptions())
        self.fail = fail or set()
        self.sent: list[str] = []

    def identity(self) -> dict:
        return {"name": "dictionary", "version": 1}

    def candidate(self) -> dict:
        return {"id": "dictionary-v1", "name": "dictionary"}

    def generate(self, requests, progress=None):
        out = []
        for r in requests:
            text = r.messages[-1]["content"]
            self.sent.append(text)
            if text in self.fail or text not in self.table:
                out.append(Generation(text="", error="cannot translate"))
            else:
                out.append(Generation(text=self.table[text], answer=self.table[text]))
        return out


def test_translation_keeps_the_trace_and_resumes(stratos_file: Path, tmp_path: Path) -> None:
    def config() -> dict:
        return {"seed": 1, "sources": [
            {"name": "en", "path": str(stratos_file), "filters": {"question_lang": "en", "require_trace": True}},
            {"name": "th", "from": "en", "translate": {"backend": "dictionary", "model": "d"},
             "filters": {"question_lang": "th", "answer_lang": "th", "trace_lang": "en"}}]}

    first = Dictionary(fail={"Answer: 5"})
    card = build_data(parse_config(config()), tmp_path / "o", translators={"th": first})
    th = by_name(card, "th")
    # en keeps 5 rows (7+5 twice, 9-4, its near duplicate, spider); "Answer: 5" fails, so both
    # 9-4 rows are counted as failed, never kept in English.
    assert th["translation_failed"] == 2 and th["translated"] == 3
    rows = [json.loads(x) for x in (tmp_path / "o" / "data.jsonl").read_text(encoding="utf-8").splitlines()]
    spider = next(r for r in rows if r["source"] == "th" and "แมงมุม" in r["messages"][0]["content"])
    assert spider["messages"][1]["content"] == "<think>\nSpiders are arachnids with eight legs.\n</think>\n\nแปดขา"
    assert spider["meta"]["translated"] == ["answer", "question"]
    assert spider["pair_id"].startswith("en-")
    # A second build sends only what was not cached: the failures (one of them fails again).
    second = Dictionary()
    card2 = build_data(parse_config(config()), tmp_path / "o", translators={"th": second}, force=True)
    assert sorted(set(second.sent)) == ["Answer: 5", "what is 9 - 4 ?"]
    assert by_name(card2, "th")["translation_failed"] == 1 and by_name(card2, "th")["translated"] == 4


def test_sft_data_cli_with_a_preset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from thaibench.cli import main

    assert main(["sft", "data", "mini-SFT-v3", str(tmp_path / "d"), "--quiet"]) == 0
    assert (tmp_path / "d" / "card.json").is_file()
    assert "| mini_stratos_th |" in capsys.readouterr().out


def test_translation_through_the_hf_backend(stratos_file: Path, tmp_path: Path, pico_qwen2: Path) -> None:
    """The real backend path, with a random pico model as translator: within 6 tokens it never
    finishes a translation, so every row is counted as failed (none kept in English) and nothing
    is cached; the success path is test_translation_keeps_the_trace_and_resumes."""
    cfg = parse_config({"sources": [
        {"name": "en", "path": str(stratos_file), "filters": {"question_lang": "en", "require_trace": True}},
        {"name": "th", "from": "en", "translate": {"backend": "hf", "model": str(pico_qwen2), "max_tokens": 6,
                                                  "options": {"dtype": "float32", "device": "cpu"}}}]})
    card = build_data(cfg, tmp_path / "o")
    th = by_name(card, "th")
    assert (th["read"], th["translated"], th["translation_failed"], th["selected"]) == (5, 0, 5, 0)
    assert (tmp_path / "o" / "cache" / "translations.jsonl").read_text(encoding="utf-8") == ""
