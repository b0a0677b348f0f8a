"""Language analyser throughput in MB of UTF-8 text per second on one core.

Corpora (read in place from ../shared/data, never copied):
- Wisesight Sentiment test posts (CC0-1.0): real code-mixed Thai, concatenated into long
  "traces" of about 30k tokens each (TRACE_CHARS characters; at about 3 characters per token
  for Thai in common BPE vocabularies, 90,000 characters is about 30k tokens);
- MATH-500 reference solutions (MIT): English with dense LaTeX, the shape of an English
  reasoning trace, cut the same way.
For each corpus it times `analyse` (expect th and en), the public is-mainly-Thai check and,
as a peer, langdetect's whole-text language ID (which reads at most its first 10,000
characters). CPU time of this one process is used, so other load on the machine matters
less; the figures are still only comparable within one run.

The last lines relate the cost to generation: analysing one 30k-token trace against the time
a backend takes to generate those 30k tokens at a few decode speeds (target: under 5%).

    python bench/lang_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

TRACE_CHARS = 90_000
TOKENS_PER_TRACE = 30_000
DATA = Path(os.environ.get("THAIBENCH_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))


def traces(texts: list[str]) -> list[str]:
    big = "\n\n".join(texts)
    return [
        big[i : i + TRACE_CHARS] for i in range(0, len(big), TRACE_CHARS) if len(big[i:]) > TRACE_CHARS // 2
    ]


def load() -> dict[str, list[str]]:
    with (DATA / "wisesight_sentiment" / "test.json").open(encoding="utf-8") as f:
        posts = [json.loads(line)["texts"] for line in f if line.strip()]
    with (DATA / "math500" / "test.jsonl").open(encoding="utf-8") as f:
        solutions = [json.loads(line)["solution"] for line in f if line.strip()]
    return {"wisesight (Thai, code-mixed)": traces(posts), "math500 (English + LaTeX)": traces(solutions)}


def throughput(fn: Callable[[str], object], docs: list[str], repeat: int) -> tuple[float, float]:
    """(MB/s, seconds per document) in CPU time."""
    size = sum(len(d.encode("utf-8")) for d in docs)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for d in docs:
            fn(d)
        best = min(best, time.process_time() - t0)
    return size / best / 1e6, best / len(docs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats; the best is kept")
    args = parser.parse_args()

    from langdetect import DetectorFactory, detect

    from thaibench.lang import analyse
    from thaibench.lang.public import skythought_check

    DetectorFactory.seed = 0
    candidates = {
        "analyse expect=th": lambda t: analyse(t, "th"),
        "analyse expect=en": lambda t: analyse(t, "en"),
        "public check": skythought_check,
        "langdetect (peer)": detect,
    }
    per_trace = {}
    for corpus, docs in load().items():
        mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
        print(
            f"\n{corpus}: {len(docs)} traces of {TRACE_CHARS:,} chars (~{TOKENS_PER_TRACE:,} tokens), {mb:.2f} MB"
        )
        rates = {}
        for name, fn in candidates.items():
            rate, sec = throughput(fn, docs, args.repeat)
            rates[name] = rate
            print(f"  {name:20s} {rate:8.2f} MB/s per core   {sec * 1000:7.1f} ms per trace")
            if name == "analyse expect=th":
                per_trace[corpus] = sec
        print(f"  ratio analyse(th) / public check: {rates['analyse expect=th'] / rates['public check']:.2f}")
    print("\nanalysis cost per 30k-token trace vs generating it:")
    for corpus, sec in per_trace.items():
        shares = ", ".join(
            f"{tps:>5} tok/s: {100 * sec / (TOKENS_PER_TRACE / tps):.3f}%" for tps in (50, 500, 5000)
        )
        print(f"  {corpus:28s} {sec * 1000:6.1f} ms  ({shares})")


if __name__ == "__main__":
    main()
