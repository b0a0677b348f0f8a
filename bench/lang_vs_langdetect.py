"""Verdict accuracy on the labelled set: the analyser vs whole-response language ID.

The peer is what public harnesses do at best: one language for the whole response with
langdetect (seeded, `DetectorFactory.seed = 0`); the response is "in the expected language"
when the detected language is the expected one. The public is-mainly-Thai check is shown too
for the rows that expect Thai (it has no English mode). Labels: tests/data/lang_labelled.jsonl
(written before the analyser was tuned; the analyser's own bar is tested in
tests/test_lang_labelled.py).

    python bench/lang_vs_langdetect.py
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "lang_labelled.jsonl"


def main() -> None:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    from thaibench.lang import analyse
    from thaibench.lang.public import skythought_check

    DetectorFactory.seed = 0
    rows = [json.loads(line) for line in LABELLED.open(encoding="utf-8") if line.strip()]
    right: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in rows:
        try:
            detected = detect(r["text"])
        except LangDetectException:  # no letters: langdetect has no answer, so no verdict
            detected = "unknown"
        verdicts = {
            "analyser": analyse(r["text"], r["expect"]).verdict,
            "langdetect": detected == r["expect"],
        }
        if r["expect"] == "th":
            verdicts["public check"] = skythought_check(r["text"]).passed
        for group in (r["category"], "all"):
            for name, v in verdicts.items():
                right[group][name][0] += v == r["verdict"]
                right[group][name][1] += 1
    names = ["analyser", "langdetect", "public check"]
    print(f"verdict accuracy on {len(rows)} labelled responses (public check: rows expecting Thai only)")
    print(f"{'category':14s} " + " ".join(f"{n:>14s}" for n in names))
    for group in sorted(right, key=lambda g: (g == "all", g)):
        cells = []
        for n in names:
            ok, total = right[group].get(n, [0, 0])
            cells.append(f"{ok / total:8.3f} ({total:3d})" if total else f"{'-':>14s}")
        print(f"{group:14s} " + " ".join(cells))


if __name__ == "__main__":
    main()
