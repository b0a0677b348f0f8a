"""IFEval (EN) and IFEval-TH: verifiable instructions ("answer in at least 300 words", "no commas").

Sources: English `google/IFEval` (Apache-2.0; 541 prompts, 25 instruction ids; Zhou et al. 2023,
arXiv:2311.07911); Thai `scb10x/ifeval-th` (215 Thai prompts, 20 of the ids; licence not stated
upstream). Local mirrors: `ifeval/input_data.jsonl`, `ifeval_th/ifeval_th.jsonl`. Both are
`train` splits on the hub (unverified offline for the Thai set).

Scoring: `ifeval` (reference rules; English verdicts equal Google's checker) and
`ifeval_corrected` (documented reference bugs fixed), each with the `ifeval` metric: the four
accuracies and, as the leaderboard number, their mean. See docs/ifeval.md.

Pairing: Thai row i is the translation of an English prompt; the mirror has no `key` column,
so `TH_KEYS` (derived once by aligning the two files in order on instruction ids and numeric
kwargs, row 177 by hand) gives each Thai row its English key as pair_id. Hub rows that carry
`key` use it.

Example: {"key": 1000, "prompt": "Write a 300+ word summary ...", "instruction_id_list":
["punctuation:no_comma", ...], "kwargs": [{}, {"num_highlights": 3}, ...]}
"""

from __future__ import annotations

from typing import Any

from thaibench.data import DataSource
from thaibench.task import MalformedRow, Task, register_task
from thaibench.types import GenerationConfig, Messages, Sample

TH_KEYS = tuple(int(k) for k in """
1000 1001 1005 102 1069 1072 1075 1082 1092 1094 1098 1107 1108 1127 1128 1137 1147 1148 1154 1162
1180 1187 1203 1216 1217 122 1220 1233 1236 1237 1242 1246 1248 1251 1258 1259 1262 1265 1268 127
1286 13 1305 1307 1322 1325 1332 1342 1348 136 1367 1372 1375 1377 1379 1381 1392 1393 1418 142 143
1446 1466 1476 1477 1481 1508 1512 1537 1548 1551 1580 1582 1591 1601 1609 1619 1620 1629 1634 164
1643 1644 1646 1658 1659 167 1675 168 1691 1705 1713 1730 1733 1738 1739 1746 1759 1773 1776 179
1793 1800 1802 181 1823 1825 1837 1845 1857 1858 1879 1886 1893 1897 19 1902 1908 1927 1928 1934
1936 1939 1943 1954 1980 2010 2015 2023 2028 2034 2035 2041 2069 2070 2078 209 2097 2118 2142 2143
2162 2164 219 2195 2207 2209 2215 2225 2229 2230 2239 2243 2245 2253 2266 2268 227 2273 2284 2292
2299 2303 2304 2309 2311 2314 2323 2324 2328 2357 2362 2374 2380 2381 2383 2386 2392 2395 2396 2398
240 2404 2417 2432 2436 2441 2457 2464 2467 247 2471 2475 2485 2497 2505 2515 2532 3710 3719 3724
3732 3739 3743 3744 3748 3749 3750 3751 3752 3753 3754 3755 3756 3757
""".split())

GENERATION = GenerationConfig(max_tokens=4096, temperature=0.0)
QUIRKS = (
    "IFEval-TH is rebuilt from evaluation logs (kwargs nulls dropped). Some Thai kwargs disagree "
    "with the Thai prompt and are scored as given: row 205 asks for หมา/วันนี้ but its keywords "
    "are dog/day; row 92 asks for 'ส่วน X' but the splitter is 'Section'; row 177 adds a JSON "
    "instruction its English original (key 2392) lacks. Two English rows ask for the 'letter' # "
    "and !; the reference swaps those for a random letter, thaibench counts the character."
)


def _load(lang: str, row: dict[str, Any], index: int) -> Sample:
    prompt, ids, kwargs = row.get("prompt"), row.get("instruction_id_list"), row.get("kwargs")
    if not isinstance(prompt, str) or not prompt.strip() or not ids or not isinstance(kwargs, list):
        raise MalformedRow("missing prompt, instruction_id_list or kwargs")
    if len(ids) != len(kwargs):
        raise MalformedRow(f"{len(ids)} instruction ids but {len(kwargs)} kwargs")
    # Hub rows pad every kwargs dict with every key set to null: drop them.
    clean = [{k: v for k, v in (kw or {}).items() if v is not None} for kw in kwargs]
    if lang == "en":
        if row.get("key") is None:
            raise MalformedRow("missing key")
        pair, sid = str(row["key"]), f"en/{row['key']}"
    else:
        i = row.get("index", index)
        key = row.get("key")
        if key is None and isinstance(i, int) and 0 <= i < len(TH_KEYS):
            key = TH_KEYS[i]
        pair = str(key) if key is not None else f"th-{i}"
        sid = f"th/{i}"
    meta: dict[str, Any] = {"pair_id": pair, "instruction_ids": list(ids)}
    for iid, kw in zip(ids, clean, strict=True):
        if iid == "language:response_language" and kw.get("language"):
            meta["expect_lang"] = kw["language"]  # the answer should not be in the row's language
    return Sample(id=sid, lang=lang, input=prompt, target={"instruction_id_list": list(ids), "kwargs": clean},
                  metadata=meta)


def _prompt(sample: Sample) -> Messages:
    return [{"role": "user", "content": sample.input}]


IFEVAL = register_task(Task(
    name="ifeval",
    version="1",
    description="IFEval verifiable instructions, strict/loose x prompt/instruction level (EN + TH)",
    sources={
        "th": DataSource(hub_id="scb10x/ifeval-th", local="ifeval_th/ifeval_th.jsonl", hub_split="train"),
        "en": DataSource(hub_id="google/IFEval", local="ifeval/input_data.jsonl", hub_split="train"),
    },
    load=_load,
    prompt=_prompt,
    scorers=(("ifeval", {}), ("ifeval_corrected", {})),
    generation=GENERATION,
    suites=("typhoon_r1",),
    metrics={"ifeval": ("ifeval",), "ifeval_corrected": ("ifeval",)},
    headline=("ifeval", "ifeval"),
    quirks=QUIRKS,
))
