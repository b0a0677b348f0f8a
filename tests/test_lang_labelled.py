"""The labelled language-fidelity set (tests/data/lang_labelled.jsonl): the acceptance bar.

168 responses written for this project before the analyser was tuned (committed first, in a
separate commit): pure Thai; Thai with accepted English, code, math and numbers; Thai with
Chinese (and other-script) leakage; Thai switching to English; English (expect en, and
English answers to Thai prompts); mixed reasoning traces. Each has the expected verdict and
expected spans, whose offsets were located from the span text by `locate` (checked below).

Bar: verdict accuracy >= 97%; span recall and precision >= 90%, where a predicted span
matches a labelled one when both have the same language and their character ranges overlap
with intersection-over-union >= 0.5. The figures are printed (run with -s to see them).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from thaibench.lang import analyse

LABELLED = Path(__file__).parent / "data" / "lang_labelled.jsonl"
CATEGORIES = {"pure_th", "th_accepted", "th_zh_leak", "th_en_switch", "english", "mixed_trace"}


def load() -> list[dict]:
    with LABELLED.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def locate(text: str, span_text: str, occurrence: int = 0) -> tuple[int, int]:
    """Offsets of the n-th occurrence of span_text: how the labels' offsets were computed."""
    pos = -1
    for _ in range(occurrence + 1):
        pos = text.find(span_text, pos + 1)
        assert pos >= 0, f"span {span_text!r} not in text"
    return pos, pos + len(span_text)


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def evaluate(records: list[dict]) -> dict:
    """Verdict accuracy and span recall/precision, overall and per category."""
    per: dict[str, Counter] = defaultdict(Counter)
    misses = []
    for r in records:
        a = analyse(r["text"], r["expect"])
        c = per[r["category"]]
        c["n"] += 1
        c["verdict_ok"] += a.verdict == r["verdict"]
        gold = [(s["start"], s["end"], s["lang"]) for s in r["spans"]]
        pred = [(s.start, s.end, s.lang) for s in a.spans]
        hit_gold = sum(any(g[2] == p[2] and iou(g[:2], p[:2]) >= 0.5 for p in pred) for g in gold)
        hit_pred = sum(any(g[2] == p[2] and iou(g[:2], p[:2]) >= 0.5 for g in gold) for p in pred)
        c["gold"] += len(gold)
        c["gold_hit"] += hit_gold
        c["pred"] += len(pred)
        c["pred_hit"] += hit_pred
        if a.verdict != r["verdict"] or hit_gold < len(gold) or hit_pred < len(pred):
            misses.append((r["id"], a.verdict, [s.text for s in a.spans]))
    total: Counter = sum(per.values(), Counter())
    return {"per": per, "total": total, "misses": misses}


def _fmt(c: Counter) -> str:
    rec = c["gold_hit"] / c["gold"] if c["gold"] else float("nan")
    prec = c["pred_hit"] / c["pred"] if c["pred"] else float("nan")
    return f"n={c['n']:3d} verdict={c['verdict_ok'] / c['n']:.3f} span_recall={rec:.3f} span_precision={prec:.3f}"


def test_labels_are_well_formed():
    records = load()
    assert len(records) >= 150
    counts = Counter(r["category"] for r in records)
    assert set(counts) == CATEGORIES
    assert min(counts.values()) >= 15, counts
    assert len({r["id"] for r in records}) == len(records)
    for r in records:
        assert r["expect"] in ("th", "en")
        assert r["verdict"] == (not r["spans"]), r["id"]
        for s in r["spans"]:
            assert r["text"][s["start"] : s["end"]] == s["text"], r["id"]
            occurrence = r["text"][: s["start"]].count(s["text"])
            assert locate(r["text"], s["text"], occurrence) == (s["start"], s["end"])


def test_analyser_meets_the_bar_on_the_labelled_set():
    result = evaluate(load())
    total = result["total"]
    for cat, c in sorted(result["per"].items()):
        print(f"{cat:14s} {_fmt(c)}")
    print(f"{'all':14s} {_fmt(total)}")
    for miss in result["misses"]:
        print("miss:", miss)
    verdict = total["verdict_ok"] / total["n"]
    recall = total["gold_hit"] / total["gold"]
    precision = total["pred_hit"] / total["pred"]
    figures = f"verdict={verdict:.3f} recall={recall:.3f} precision={precision:.3f}"
    assert verdict >= 0.97, figures
    assert recall >= 0.90, figures
    assert precision >= 0.90, figures


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_every_category_is_mostly_right(category):
    # A category the analyser gets badly wrong could hide inside a good overall figure.
    result = evaluate([r for r in load() if r["category"] == category])
    c = result["total"]
    assert c["verdict_ok"] / c["n"] >= 0.9, (category, _fmt(c), result["misses"])
