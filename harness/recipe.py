"""The whole recipe as one command: data -> SFT -> merge sweep -> scores -> board.

Why: the paper's result (Pipatanakul et al. 2025, arXiv:2502.09056) is a comparison of the
parents, the SFT model, merges of the SFT model with the reasoning model, and two ablations
(merge without SFT, SFT without merge). Running those stages by hand invites mismatched
settings; a recipe file fixes them once, and every stage is content-addressed, so a re-run
resumes where it stopped:
- data: OUT/data/<config id>/ is reused when its card carries the same config id;
- SFT: OUT/sft/<name>-<candidate id>/ is not retrained when its candidate.json exists;
- sweeps: `thaibench sweep`'s own code path (its runs are content-addressed: finished
  candidates are not even merged); one sweep of SFT model x reasoner, one of Thai parent x
  reasoner (the merge-without-SFT ablation);
- boards: OUT/board-select/ ranks every candidate on the `select` split (what the sweeps chose
  on) and OUT/board/ the `report` split (parents, SFT model and each sweep's chosen merge: the
  numbers to quote). Both are rebuilt from the run directories (cheap).
OUT/recipe.json maps each role (parent, sft, merge, ablation) to its candidate ids.

Example recipe (thaibench/merge/recipes/mini.yaml is the miniature one):
    name: typhoon-r1-recipe
    parents: {thai: scb10x/typhoon2-qwen2.5-7b-instruct, reasoner: deepseek-ai/DeepSeek-R1-Distill-Qwen-7B}
    sft:
      data: {preset: {name: SFT-v3, th_general: ./th_general.jsonl, translate: {backend: openai, model: t}}}
      train: {optim: {lr: 2.0e-4, epochs: 2, batch_size: 4, grad_accum: 8}, lora: {r: 32, alpha: 64}}
    merge: {methods: [linear], presets: [m1, m2, m3], ratios: [0.5]}
    score: {suite: [typhoon_r1], board: typhoon_r1, max_tokens: 16384}

Quirks: `mini:NAME` as a parent means the miniature world's model NAME (built on first use).
SFT runs in this process; for several GPUs train with `thaibench sft` under torchrun and give
the result as `sft: {checkpoint: DIR}`, which skips the data and SFT stages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thaibench.errors import UserError

Log = Callable[[str], None]
TOP_KEYS = ("name", "parents", "sft", "merge", "score", "ablations")
MERGE_KEYS = ("methods", "ratios", "presets", "grid", "base", "adaptive", "dtype")
SCORE_KEYS = ("suite", "tasks", "limit", "board", "batch_size", "device", "data_dir", "max_tokens", "temperature",
              "seed", "chat_template_args", "resamples")


@dataclass(frozen=True)
class Recipe:
    name: str
    parents: dict[str, str]
    data: dict[str, Any]
    train: dict[str, Any]
    merge: dict[str, Any] = field(default_factory=dict)
    score: dict[str, Any] = field(default_factory=dict)
    ablations: bool = True
    where: Path = Path(".")
    sft_checkpoint: str | None = None   # an SFT candidate trained elsewhere (e.g. under torchrun)


def _check(d: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    bad = set(d) - set(keys)
    if bad:
        raise UserError(f"recipe {where}: unknown keys {sorted(bad)}; known: {', '.join(keys)}")


def _mapping(value: Any, where: Path, what: str) -> dict[str, Any]:
    """An inline mapping, or a path (relative to the recipe) to a YAML/JSON file holding one."""
    import yaml

    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        p = (where / value) if not Path(value).is_absolute() else Path(value)
        if not p.is_file():
            raise UserError(f"recipe {what}: no file {p}")
        d = yaml.safe_load(p.read_text(encoding="utf-8"))
        if isinstance(d, dict):
            return d
    raise UserError(f"recipe {what}: expected a mapping or a file holding one")


def parse_recipe(d: Any, where: Path = Path(".")) -> Recipe:
    if not isinstance(d, dict):
        raise UserError("a recipe is a mapping with parents, sft, merge and score")
    _check(d, TOP_KEYS, "")
    parents = d.get("parents") or {}
    if set(parents) != {"thai", "reasoner"}:
        raise UserError("recipe parents: give exactly `thai:` (the language model) and `reasoner:`")
    sft = d.get("sft") or {}
    _check(sft, ("data", "train", "checkpoint"), "sft")
    if sft.get("checkpoint"):
        if set(sft) != {"checkpoint"}:
            raise UserError("recipe sft: `checkpoint:` (an SFT candidate trained elsewhere) replaces data and train")
        ck = Path(str(sft["checkpoint"]))
        ck = ck if ck.is_absolute() else where / ck
        return _recipe(d, parents, {}, {}, str(ck), where)
    if "data" not in sft:
        raise UserError("recipe sft: give `data:` (a data config, a preset, or a file holding one) or `checkpoint:`")
    data = sft["data"] if isinstance(sft["data"], dict) else _mapping(sft["data"], where, "sft.data")
    train = _mapping(sft.get("train") or {}, where, "sft.train")
    return _recipe(d, parents, data, train, None, where)


def _recipe(d: dict[str, Any], parents: dict[str, Any], data: dict[str, Any], train: dict[str, Any],
            checkpoint: str | None, where: Path) -> Recipe:
    merge, score = dict(d.get("merge") or {}), dict(d.get("score") or {})
    _check(merge, MERGE_KEYS, "merge")
    _check(score, SCORE_KEYS, "score")
    if not (merge.get("ratios") or merge.get("presets") or merge.get("grid")):
        raise UserError("recipe merge: name some candidates: ratios, presets or grid")
    if not (score.get("suite") or score.get("tasks")):
        raise UserError("recipe score: name a suite or tasks")
    return Recipe(str(d.get("name") or "recipe"), {k: str(v) for k, v in parents.items()}, data, train, merge,
                  score, bool(d.get("ablations", True)), where, checkpoint)


def load_recipe(path: Path) -> Recipe:
    import yaml

    p = Path(path)
    try:
        d = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no recipe at {p}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return parse_recipe(d, p.parent.resolve())


def resolve_parent(ref: str) -> str:
    """`mini:NAME` -> the miniature world's model directory; anything else as given."""
    if not ref.startswith("mini:"):
        return ref
    try:
        from thaibench.mini.build import ensure_mini  # type: ignore[attr-defined]
    except ImportError:
        raise UserError("this install has no miniature world builder (thaibench.mini.build.ensure_mini)") from None
    root = Path(ensure_mini())
    path = root / ref[len("mini:"):]
    if not (path / "config.json").is_file():
        raise UserError(f"the miniature world has no model {ref[5:]!r} (in {root})")
    return str(path)


def _list(v: Any) -> list[str]:
    if v is None:
        return []
    return [str(x) for x in (v if isinstance(v, list) else [v])]


def sweep_argv(models: list[str], merge: dict[str, Any], score: dict[str, Any], out: Path) -> list[str]:
    """The `thaibench sweep` command line of one recipe sweep (the recipe reuses that command)."""
    argv = ["sweep", "--models", *models, "--out", str(out), "--methods", ",".join(_list(merge.get("methods"))
                                                                                   or ["linear"])]
    if merge.get("ratios"):
        argv += ["--ratios", ",".join(str(r) for r in _list(merge["ratios"]))]
    if merge.get("presets"):
        argv += ["--presets", ",".join(_list(merge["presets"]))]
    for key, flag in (("grid", "--grid"), ("base", "--base"), ("dtype", "--dtype")):
        if merge.get(key):
            argv += [flag, str(merge[key])]
    if merge.get("adaptive"):
        argv.append("--adaptive")
    for s in _list(score.get("suite")):
        argv += ["--suite", s]
    for t in _list(score.get("tasks")):
        argv += ["--tasks", t]
    for key, flag in (("limit", "--limit"), ("board", "--board"), ("batch_size", "--batch-size"),
                      ("device", "--device"), ("data_dir", "--data-dir"), ("max_tokens", "--max-tokens"),
                      ("temperature", "--temperature"), ("seed", "--seed")):
        if score.get(key) is not None:
            argv += [flag, str(score[key])]
    for kv in _list(score.get("chat_template_args")):
        argv += ["--chat-template-args", kv]
    return argv


def run_cli(argv: list[str], quiet: bool = False) -> int:
    """Run a thaibench sub-command in this process; its UserErrors propagate. `quiet` drops
    what it prints (tables, boards); files are written as always."""
    import contextlib
    import io

    from thaibench.cli import build_parser

    args = build_parser().parse_args(argv)
    with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
        return int(args._run(args) or 0)


def reported_runs(runs: Path) -> list[Path]:
    """Run directories holding scores on the `report` split: the sweeps report only the parents
    and the candidate each chose, and the report board shows exactly those."""
    from thaibench.leaderboards.runs import read_scores

    out = []
    for d in sorted(runs.glob("*/*/*")):
        if (d / "results.json").is_file() and any(
                row.split == "report" for rows in read_scores(d).values() for row in rows.values()):
            out.append(d)
    return out


def _data_and_sft(recipe: Recipe, thai: str, out: Path, summary: dict[str, Any], log: Log) -> Path:
    from thaibench.candidates import GENERATORS, resolve_spec
    from thaibench.sftdata.build import build_data
    from thaibench.sftdata.config import parse_config

    dcfg = parse_config(recipe.data, recipe.where)
    data_dir = out / "data" / dcfg.id()
    card = build_data(dcfg, data_dir, log=log)
    summary["stages"]["data"] = {"dir": str(data_dir.relative_to(out)), "rows": card["rows"],
                                 "card": card["digest"]}
    gen = GENERATORS.get("sft")
    spec, = gen.specs(base=thai, data=data_dir / "data.jsonl", config=recipe.train)
    sft_id = resolve_spec(spec).id
    sft_dir = out / "sft" / f"{Path(thai).name}-sft-{sft_id[:8]}"
    log(f"[recipe] SFT of {thai} -> {sft_dir}")
    cand = gen.build(spec, sft_dir, data=data_dir / "data.jsonl", log=log)
    summary["stages"]["sft"] = {"dir": str(sft_dir.relative_to(out)), "candidate": cand.id,
                                "steps": cand.lineage.get("steps"), "final_loss": cand.lineage.get("final_loss")}
    return sft_dir


def run_recipe(recipe: Recipe, out: Path, log: Log | None = None, quiet: bool = False) -> dict[str, Any]:
    """Run (or resume) every stage; return and write OUT/recipe.json. `quiet`: no progress bars,
    tables or boards on the terminal (the files are the same)."""
    from thaibench.candidates import Candidate, parent_spec
    from thaibench.identity import checkpoint_id
    from thaibench.merge.sweep import parse_ratios, sweep_candidates

    log = log or print
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    thai, reasoner = (resolve_parent(recipe.parents[k]) for k in ("thai", "reasoner"))
    summary: dict[str, Any] = {"schema_version": 1, "recipe": recipe.name, "stages": {}}

    if recipe.sft_checkpoint:
        sft_dir = Path(recipe.sft_checkpoint).resolve()
        cand = Candidate.read(sft_dir)
        if cand.spec.generator != "sft":
            raise UserError(f"{sft_dir} is a {cand.spec.generator} candidate, not an SFT one")
        log(f"[recipe] using the SFT candidate in {sft_dir} (data and SFT stages skipped)")
        summary["stages"]["sft"] = {"dir": str(sft_dir), "candidate": cand.id, "given": True,
                                    "steps": cand.lineage.get("steps"), "final_loss": cand.lineage.get("final_loss")}
    else:
        sft_dir = _data_and_sft(recipe, thai, out, summary, log)

    ratios = parse_ratios(",".join(str(r) for r in _list(recipe.merge.get("ratios"))) or None,
                          ",".join(_list(recipe.merge.get("presets"))) or None, recipe.merge.get("grid"))
    methods = _list(recipe.merge.get("methods")) or ["linear"]
    sweeps = [("sft_x_reasoner", [str(sft_dir), reasoner])]
    if recipe.ablations:
        sweeps.append(("merge_without_sft", [thai, reasoner]))
    merges: dict[str, list[str]] = {}
    for role, models in sweeps:
        log(f"[recipe] sweep {role}: {' x '.join(Path(m).name for m in models)}")
        rc = run_cli(sweep_argv(models, recipe.merge, recipe.score, out) + (["--quiet"] if quiet else []), quiet)
        if rc:
            raise UserError(f"the {role} sweep failed (exit {rc})")
        cands = sweep_candidates(models, methods, ratios, recipe.merge.get("base"),
                                 recipe.merge.get("dtype") or "float32")
        merges[role] = [c.id for c in cands]
    summary["stages"]["sweeps"] = merges

    boards = {}
    reported = reported_runs(out / "runs")
    for split, name, dirs in (("select", "board-select", [out / "runs"]), ("report", "board", sorted(reported))):
        argv = ["board", "build", *map(str, dirs), "--out", str(out / name), "--split", split]
        if recipe.score.get("board"):
            argv += ["--board", str(recipe.score["board"])]
        if recipe.score.get("resamples"):
            argv += ["--resamples", str(recipe.score["resamples"])]
        run_cli(argv, quiet)
        boards[split] = str((out / name / "leaderboard.json").relative_to(out))
    summary["stages"]["boards"] = boards
    summary["roles"] = {
        "thai_parent": parent_spec(thai).id, "reasoner_parent": parent_spec(reasoner).id,
        "sft": checkpoint_id(sft_dir), "sft_without_merge": checkpoint_id(sft_dir),
        "merges": merges["sft_x_reasoner"], "merge_without_sft": merges.get("merge_without_sft", []),
        "reported": sorted({d.parent.parent.name for d in reported}),
    }
    (out / "recipe.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return summary
