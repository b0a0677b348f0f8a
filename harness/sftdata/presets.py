"""Data mixtures as presets: the paper's SFT-v1..v4 ladder and its miniature analogue.

Source: Pipatanakul et al. 2025, "Adapting Language-Specific LLMs to a Reasoning Model in One
Day via Model Merging - An Open Recipe" (Typhoon; arXiv:2502.09056). Its chosen mixture,
SFT-v3, is Bespoke-Stratos-17k in English (bespokelabs/Bespoke-Stratos-17k, Apache-2.0), 6.5k of
those rows with question and answer translated to Thai and the reasoning trace kept in English,
and 500 Thai general instructions answered with traces. The ladder here adds one ingredient per
step, so each preset is an ablation of the next:

| preset | mixes |
|---|---|
| SFT-v1 | Bespoke-Stratos (English question, trace and answer) |
| SFT-v2 | v1 + 6.5k of it translated to Thai (question and answer; trace kept English) |
| SFT-v3 | v2 + 500 Thai general instructions answered with traces (the paper's choice) |
| SFT-v4 | v3 with the translated rows' traces translated to Thai as well (trace-language ablation) |

v3 is as the paper describes it; the contents of v1, v2 and v4 are this project's reading of
the ablation ladder: check them against the paper before quoting its numbers beside yours.

Preset arguments (`preset: {name: SFT-v3, ...}` in a data config): `stratos` (hub id or
mirror, default the hub id), `th_general` (a file of Thai instructions with traces: the paper
distilled its own 500 and no public id is known, so it must be given for v3/v4), `translate`
(the translator: {backend, model, options}; required from v2 on), `th_n` (6500), `general_n`
(500), `limit` (rows read from Stratos, for trial runs).

`mini-SFT-v3` is the miniature analogue (thaibench.sftdata.mini), offline and seeded.
"""

from __future__ import annotations

from typing import Any

from thaibench.errors import UserError

STRATOS = "bespokelabs/Bespoke-Stratos-17k"
PRESETS = ("SFT-v1", "SFT-v2", "SFT-v3", "SFT-v4", "mini-SFT-v3")
# An answer with no letters (a bare "\\boxed{12}") has language "none" and is kept either way.
EN = {"question_lang": "en", "answer_lang": ["en", "none"], "trace_lang": "en"}
TH_EN_TRACE = {"question_lang": "th", "answer_lang": ["th", "none"], "trace_lang": "en"}
ARG_KEYS = ("name", "stratos", "th_general", "translate", "th_n", "general_n", "limit", "seed", "n")


def preset(spec: str | dict[str, Any]) -> dict[str, Any]:
    """The data config (a dict for parse_config) of a preset name or {name: ..., args}."""
    args = {"name": spec} if isinstance(spec, str) else dict(spec)
    unknown = set(args) - set(ARG_KEYS)
    if unknown:
        raise UserError(f"preset: unknown arguments {sorted(unknown)}; known: {', '.join(ARG_KEYS)}")
    name = str(args.get("name"))
    if name not in PRESETS:
        raise UserError(f"unknown data preset {name!r}; known: {', '.join(PRESETS)}")
    if name == "mini-SFT-v3":
        return mini_v3(int(args.get("seed", 0)), int(args.get("n", 600)))
    step = int(name[-1])
    stratos: dict[str, Any] = {"name": "stratos", "path": args.get("stratos", STRATOS),
                               "filters": dict(EN)}
    if args.get("limit"):
        stratos["limit"] = int(args["limit"])
    sources = [stratos]
    if step >= 2:
        if not args.get("translate"):
            raise UserError(f"{name} translates Stratos rows to Thai: give `translate: {{backend, model}}`")
        fields = ["question", "answer", "trace"] if step == 4 else ["question", "answer"]
        sources.append({"name": "stratos_th", "from": "stratos", "n": int(args.get("th_n", 6500)),
                        "translate": {**args["translate"], "fields": fields, "target": "th"},
                        "filters": {**TH_EN_TRACE, "trace_lang": "th"} if step == 4 else dict(TH_EN_TRACE)})
    if step >= 3:
        if not args.get("th_general"):
            raise UserError(f"{name} needs `th_general`: a file of Thai general instructions answered with "
                            "traces (the paper distilled 500; no public hub id is known)")
        sources.append({"name": "th_general", "path": args["th_general"], "n": int(args.get("general_n", 500)),
                        "filters": {"question_lang": "th", "answer_lang": ["th", "none"], "require_trace": True}})
    return {"name": name, "seed": int(args.get("seed", 0)), "dedup": "near",
            "filters": {"require_trace": True}, "sources": sources}


def mini_v3(seed: int = 0, n: int = 600) -> dict[str, Any]:
    """Miniature SFT-v3: English reasoning rows, Thai rows with English traces, Thai general rows.

    `n` math rows are drawn for each of the English and Thai parts and `n // 3` Thai general
    rows. No dedup: the generator's general pool is small (about 230 distinct items), so its
    repeats are what gives the Thai general part its weight. The Thai share is larger than the
    paper's: a tiny model needs more Thai rows to keep answering Thai after an English trace."""
    return {
        "name": "mini-SFT-v3", "seed": seed, "dedup": "none", "filters": {"require_trace": True},
        "sources": [
            {"name": "mini_stratos", "mini": {"seed": seed + 1, "n": n, "mix": "math", "lang": "en"},
             "filters": dict(EN)},
            {"name": "mini_stratos_th", "mini": {"seed": seed + 2, "n": n, "mix": "math", "lang": "th"},
             "filters": dict(TH_EN_TRACE)},
            {"name": "mini_general_th", "mini": {"seed": seed + 3, "n": max(50, n // 3), "mix": "general",
                                                 "lang": "th", "shape": "instruction"},
             "filters": {"question_lang": "th", "answer_lang": "th"}},
        ],
    }
