"""Sweep miniature recipes in parallel (GPU or CPU): build each, score parents and merges.

How the default recipe was found (docs/mini.md, "What made the merge work"): each variant is a
set of overrides of `DEFAULT` (nested dicts for `shape`, `pretrain`, `th`, `reasoner`) plus a
number range; every variant is built with `build_world(device=...)`, and mini-th,
mini-reasoner, linear merges and an M3-like layer schedule are scored with the quick greedy
loop on held-out items. One JSON line per variant goes to RESULTS.

    python -m thaibench.mini.explore variants.json cuda 16 /tmp/worlds results.jsonl

    variants.json: [{"tag": "w10", "range": "small", "recipe": {"xling_share": 0.2,
                     "reasoner": {"steps": 300}}}, ...]

Quirks: GPU builds are for exploring only (not bit-reproducible, and numerically different from
the CPU builds the cache holds: confirm a chosen recipe with a CPU build). `range` other than
"small" changes the generator's module constants in the worker process only.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

# (MAX_VALUE, MAX_OPERAND, START_MAX, MUL_MAX)
RANGES = {"small": (20, 9, 12, 4), "mid": (50, 9, 20, 6), "big": (99, 20, 30, 9)}
RATIOS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def make_recipe(overrides: dict[str, Any]) -> Any:
    from thaibench.mini.recipe import DEFAULT

    r = DEFAULT
    for k, v in overrides.items():
        r = replace(r, **{k: replace(getattr(r, k), **v) if isinstance(v, dict) else v})
    return r


def m3_schedule(layers: int, hi: float = 0.75, lo: float = 0.125) -> Any:
    """The paper's M3 shape for any depth: `hi` in the first 54/80 of the layers, then falling
    linearly to `lo` at the last; embeddings, final norm and lm_head get `hi` (as mergekit does)."""
    from thaibench.mini.evaluate import layer_of

    k = max(1, round(layers * 54 / 80))

    def ratio(name: str) -> float:
        layer = layer_of(name)
        if layer is None or layer < k:
            return hi
        return hi + (lo - hi) * (layer - k + 1) / (layers - k)

    return ratio


def run_variant(v: dict[str, Any], device: str, outdir: str) -> dict[str, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from thaibench.mini import generator as g
    from thaibench.mini.build import build_world
    from thaibench.mini.evaluate import evaluate, linear_merge, summary

    g.MAX_VALUE, g.MAX_OPERAND, g.START_MAX, g.MUL_MAX = RANGES[v.get("range", "small")]
    recipe = replace(make_recipe(v.get("recipe", {})), threads=1 if device == "cuda" else 2)
    out = Path(outdir) / v["tag"]
    t = time.time()
    manifest = build_world(recipe, out, None, device=device)
    build_s = time.time() - t
    tok = AutoTokenizer.from_pretrained(out / "mini-th")
    items = g.held_out(12345, *v.get("n", (60, 120, 40)))
    sd_th = AutoModelForCausalLM.from_pretrained(out / "mini-th").state_dict()
    sd_r = AutoModelForCausalLM.from_pretrained(out / "mini-reasoner").state_dict()
    model = AutoModelForCausalLM.from_pretrained(out / "mini-th").to(device)
    candidates = [(f"lin{t:.1f}", t) for t in RATIOS] + [("m3", m3_schedule(recipe.shape.layers))]
    res = {}
    for name, ratio in candidates:
        model.load_state_dict(linear_merge(sd_th, sd_r, ratio))
        s = summary(evaluate(model, tok, items, batch_size=512 if device == "cuda" else 64))
        res[name] = {lang: {k: round(val[0], 3) for k, val in d.items()} for lang, d in s.items()}
    return {"tag": v["tag"], "variant": v, "recipe": recipe.to_dict(), "build_s": round(build_s, 1),
            "timings": manifest["timings_s"], "final_loss": manifest["final_loss"], "res": res}


def _worker(args: tuple[dict[str, Any], str, str]) -> dict[str, Any]:
    v, device, outdir = args
    try:
        return run_variant(v, device, outdir)
    except Exception:  # one broken variant must not stop the sweep; its error is recorded
        return {"tag": v["tag"], "error": traceback.format_exc()[-2000:]}


def main(argv: list[str]) -> int:
    import multiprocessing as mp

    variants_file, device, procs, outdir, results = argv[:5]
    variants = json.loads(Path(variants_file).read_text(encoding="utf-8"))
    with mp.get_context("spawn").Pool(int(procs)) as pool, Path(results).open("a", encoding="utf-8") as f:
        for r in pool.imap_unordered(_worker, [(v, device, outdir) for v in variants]):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
            f.flush()
            if "error" in r:
                print(r["tag"], "failed:", r["error"].strip().splitlines()[-1], flush=True)
            else:
                best = max(r["res"], key=lambda c: r["res"][c]["th"]["combined"])
                print(r["tag"], f"{r['build_s']} s", "best (th combined):", best, r["res"][best]["th"], flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
