"""English IFEval verdicts equal the reference implementation's on generated responses.

The reference is Google's checker as shipped in lm-eval 0.4.13 (a test dependency, never a
runtime one). It needs NLTK's punkt_tab English model (../shared/data/nltk_data) and seeds
nothing, so langdetect is seeded here (`DetectorFactory.seed = 0`), as thaibench does.

Excluded from the comparison, on purpose: the two rows whose letter_frequency "letter" is not a
letter ("#", "!"). For those the reference draws a random letter, so its verdict is random;
thaibench counts the character given (see docs/ifeval.md).
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict

import pytest
from ifeval_gen import generate_pairs


def _reference(nltk_dir: str):  # type: ignore[no-untyped-def]
    os.environ["NLTK_DATA"] = nltk_dir
    import nltk

    if nltk_dir not in nltk.data.path:
        nltk.data.path.insert(0, nltk_dir)
    pytest.importorskip("immutabledict", reason="lm-eval's IFEval needs lm-eval[ifeval]")
    from lm_eval.tasks.ifeval import utils

    return utils


def _random_letter(iid: str, kw: dict) -> bool:
    letter = kw.get("letter") or ""
    return iid == "keywords:letter_frequency" and not (len(letter) == 1 and "a" <= letter.lower() <= "z")


@pytest.fixture(scope="module")
def agreement(shared_data):  # type: ignore[no-untyped-def]
    import langdetect

    from thaibench.ifeval import evaluate

    utils = _reference(str(shared_data / "nltk_data"))
    rows = [json.loads(line) for line in (shared_data / "ifeval" / "input_data.jsonl").open(encoding="utf-8")]
    pairs = generate_pairs(rows)
    old_seed = langdetect.DetectorFactory.seed
    langdetect.DetectorFactory.seed = 0
    mismatches, verdicts, compared = [], defaultdict(Counter), 0
    try:
        for pair in pairs:
            row = rows[pair.row]
            keep = [j for j, (iid, kw) in enumerate(zip(row["instruction_id_list"], row["kwargs"], strict=True))
                    if not _random_letter(iid, kw)]
            if not keep:
                continue
            ids = [row["instruction_id_list"][j] for j in keep]
            kws = [row["kwargs"][j] for j in keep]
            inp = utils.InputExample(key=row["key"], instruction_id_list=ids, prompt=row["prompt"], kwargs=kws)
            ref_s = utils.test_instruction_following_strict(inp, pair.response).follow_instruction_list
            ref_l = utils.test_instruction_following_loose(inp, pair.response).follow_instruction_list
            ours = evaluate(ids, kws, pair.response)
            compared += 1
            for iid, rs, rl, s, lo in zip(ids, ref_s, ref_l, ours.strict, ours.loose, strict=True):
                verdicts[iid]["pass" if rs else "fail"] += 1
                if (rs, rl) != (s, lo):
                    mismatches.append((pair.tag, iid, pair.response[:120], (rs, rl), (s, lo)))
    finally:
        langdetect.DetectorFactory.seed = old_seed
    return {"rows": rows, "pairs": pairs, "compared": compared, "mismatches": mismatches, "verdicts": verdicts}


def test_verdicts_equal_reference(agreement) -> None:  # type: ignore[no-untyped-def]
    bad = agreement["mismatches"]
    assert not bad, f"{len(bad)} of {agreement['compared']} pairs differ; first: {bad[:5]}"


def test_generator_covers_every_prompt_and_id(agreement) -> None:  # type: ignore[no-untyped-def]
    pairs, rows = agreement["pairs"], agreement["rows"]
    assert agreement["compared"] >= 3000
    assert {p.row for p in pairs} == set(range(len(rows))) and len(rows) == 541
    ids = {iid for r in rows for iid in r["instruction_id_list"]}
    assert len(ids) == 25
    thin = {iid: dict(c) for iid, c in agreement["verdicts"].items() if c["pass"] < 50 or c["fail"] < 50}
    assert not thin, f"fewer than 50 satisfying or violating responses: {thin}"
    assert set(agreement["verdicts"]) == ids


def test_every_threshold_is_probed_at_n_minus_1_n_and_n_plus_1(agreement) -> None:  # type: ignore[no-untyped-def]
    rows, seen = agreement["rows"], defaultdict(set)
    for p in agreement["pairs"]:
        if " k=" in p.tag:
            iid = p.tag.split()[0]
            seen[(p.row, iid)].add(p.tag.rsplit("k=", 1)[1])
    thresholds = {"num_placeholders", "num_bullets", "num_highlights", "num_sections", "num_paragraphs",
                  "frequency", "let_frequency", "capital_frequency", "num_sentences", "num_words"}
    for i, row in enumerate(rows):
        for iid, kw in zip(row["instruction_id_list"], row["kwargs"], strict=True):
            if thresholds & set(kw):
                n = next(kw[k] for k in thresholds if k in kw)
                want = {"N", "N+1"} | ({"N-1"} if n >= 1 else set())
                assert want <= seen[(i, iid)], f"row {i} {iid}: probed {seen[(i, iid)]}"
