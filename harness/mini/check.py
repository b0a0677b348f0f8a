"""`thaibench mini check`: parents and linear merges on held-out items, in one table.

A quick look (the project's own greedy loop in `thaibench.mini.evaluate`, no run directory) at
what the miniature world exists to show: mini-reasoner solves multi-step items and mini-th does
not; mini-th answers Thai prompts in Thai and mini-reasoner mostly does not; a weight average
of the two does both. The scored, recorded version of the same comparison is
`thaibench score` / `thaibench sweep` on the `mini` suite.

Example (2 CPU cores, about a minute for 40 items per kind):
    check_world([0.8], 40)  # rows: mini-th, mini-reasoner, linear 0.8, each in th and en
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from thaibench.mini.build import StageProgress
from thaibench.mini.evaluate import evaluate, linear_merge, summary
from thaibench.mini.generator import held_out, n_eval_general
from thaibench.mini.heldout import HELDOUT_SEED


def candidate_summaries(paths: dict[str, Any], ratios: Sequence[float], n_items: int,
                        langs: Sequence[str] = ("th", "en")) -> dict[str, dict[str, Any]]:
    """{candidate name: summary()} for mini-th, mini-reasoner and `linear t` merges (t = reasoner share)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(paths["mini-th"])
    items = held_out(HELDOUT_SEED, n_items, n_items, min(n_items, n_eval_general()))
    th = AutoModelForCausalLM.from_pretrained(paths["mini-th"])
    reasoner = AutoModelForCausalLM.from_pretrained(paths["mini-reasoner"])
    sd_th, sd_r = th.state_dict(), reasoner.state_dict()
    sd_th = {k: v.clone() for k, v in sd_th.items()}  # `th` is reused as the merge container
    out = {"mini-th": summary(evaluate(th, tok, items, langs)),
           "mini-reasoner": summary(evaluate(reasoner, tok, items, langs))}
    for t in ratios:
        th.load_state_dict(linear_merge(sd_th, sd_r, t))
        out[f"linear {t:g}"] = summary(evaluate(th, tok, items, langs))
    return out


def _pct(x: tuple[float, float]) -> str:
    return f"{100 * x[0]:.0f} ± {196 * x[1]:.0f}"


def check_world(ratios: Sequence[float], n_items: int, progress: StageProgress | None = None) -> list[list[str]]:
    """Table rows (strings) for `thaibench mini check`; builds the world first if needed."""
    from thaibench.mini.cache import ensure_mini

    paths = ensure_mini(progress=progress)
    rows = []
    for name, summ in candidate_summaries(paths, ratios, n_items).items():
        for lang, s in summ.items():
            rows.append([name, lang, _pct(s["single_acc"]), _pct(s["multi_acc"]), _pct(s["lang_acc"]),
                         _pct(s["think_rate"]), _pct(s["combined"]) if lang == "th" else ""])
    return rows
