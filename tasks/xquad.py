"""XQuAD: extractive reading comprehension, Thai and English, paired by question id.

Source: Artetxe et al. 2020, "On the Cross-lingual Transferability of Monolingual
Representations" (arXiv:1910.11856); `google/xquad` (configs `xquad.th`, `xquad.en`, split
validation; CC-BY-SA-4.0). 240 SQuAD v1.1 paragraphs from 48 articles with 1190 questions,
professionally translated; the question ids are the same in every language, so each Thai item
is paired with its English original. Local mirrors `xquad/xquad.th.json`, `xquad/xquad.en.json`
(SQuAD JSON: data > paragraphs > qas, flattened here; the hub's rows are flat already).

The model reads the paragraph and answers with a span; scorers `qa_exact_match` and `qa_f1`
(thaibench.scorers.qa) compare it with the gold spans, Thai segmented into words with
PyThaiNLP newmm, English by the official SQuAD rules. Answers are read from the final answer
only (after the reasoning trace), after an answer prefix when there is one.

Example: {"id": "56beb4343aeaaa14008c925b", "question": "ทีมรับของแพนเธอร์สยอมแพ้ที่คะแนนเท่าไร",
"answers": [{"text": "308", "answer_start": 33}], "context": "ทีมรับของแพนเธอร์สถอดใจที่คะแนน 308 ..."}

Quirks: some Thai paragraphs begin with a byte-order mark (U+FEFF), removed; XQuAD has one gold
answer per question (SQuAD's dev set has three), so F1 is stricter than on SQuAD.
"""

from __future__ import annotations

from typing import Any

from thaibench.data import DataSource
from thaibench.task import MalformedRow, Task, register_task
from thaibench.types import GenerationConfig, Messages, Sample

PROMPT = {
    "th": ("อ่านบทความต่อไปนี้ แล้วตอบคำถามด้วยข้อความสั้น ๆ ที่คัดลอกมาจากบทความ "
           "เขียนบรรทัดสุดท้ายในรูปแบบ \"คำตอบ: ...\"\n\nบทความ:\n{context}\n\nคำถาม: {question}"),
    "en": ("Read the passage, then answer the question with a short span copied from the passage. "
           "End with a line of the form \"Answer: ...\"\n\nPassage:\n{context}\n\nQuestion: {question}"),
}
GENERATION = GenerationConfig(max_tokens=4096, temperature=0.0)


def flatten_squad(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SQuAD articles -> one row per question ({id, question, context, answers, title}); flat
    hub rows (answers as {"text": [...]}) pass through."""
    out: list[dict[str, Any]] = []
    for row in rows:
        if "paragraphs" not in row:
            out.append(row)
            continue
        for para in row.get("paragraphs") or []:
            for qa in para.get("qas") or []:
                out.append({"id": qa.get("id"), "question": qa.get("question"), "context": para.get("context"),
                            "answers": qa.get("answers"), "title": row.get("title")})
    return out


def _answers(raw: Any) -> list[str]:
    if isinstance(raw, dict):  # hub layout: {"text": [...], "answer_start": [...]}
        texts = raw.get("text") or []
    else:
        texts = [a.get("text") for a in raw or [] if isinstance(a, dict)]
    return [t.strip() for t in texts if isinstance(t, str) and t.strip()]


def _load(lang: str, row: dict[str, Any], index: int) -> Sample:
    qid, question, context = row.get("id"), row.get("question"), row.get("context")
    answers = _answers(row.get("answers"))
    if not qid or not isinstance(question, str) or not isinstance(context, str) or not answers:
        raise MalformedRow("missing id, question, context or answers")
    return Sample(id=f"{lang}/{qid}", lang=lang, input=question.strip(),
                  target={"answers": answers},
                  metadata={"pair_id": str(qid), "context": context.lstrip("\ufeff").strip(),
                            "title": row.get("title")})


def _prompt(sample: Sample) -> Messages:
    return [{"role": "user", "content": PROMPT[sample.lang].format(
        context=sample.metadata["context"], question=sample.input)}]


XQUAD = register_task(Task(
    name="xquad",
    version="1",
    description="XQuAD extractive QA, EM and F1 on Thai-segmented words (TH + EN, paired)",
    sources={
        "th": DataSource(hub_id="google/xquad", hub_config="xquad.th", hub_split="validation",
                         local="xquad/xquad.th.json"),
        "en": DataSource(hub_id="google/xquad", hub_config="xquad.en", hub_split="validation",
                         local="xquad/xquad.en.json"),
    },
    load=_load,
    prompt=_prompt,
    scorers=(("qa_exact_match", {}), ("qa_f1", {})),
    generation=GENERATION,
    suites=("thai_knowledge",),
    headline=("qa_f1", "mean"),
    quirks="Some Thai paragraphs start with U+FEFF (removed); one gold answer per question.",
    flatten=flatten_squad,
))
