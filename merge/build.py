"""Build a merge candidate on disk: checks, streaming merge, tokenizer, configs, candidate.json.

Output directory:
    model.safetensors | model-0000N-of-0000M.safetensors + model.safetensors.index.json
    config.json                 the base's (or first model's), dtype and vocabulary updated
    tokenizer files, chat template, generation_config.json   from `tokenizer_source`
    thaibench_merge.json        thaibench's config for this merge (re-running it gives the same id)
    mergekit_config.yml         the equivalent mergekit 0.1.5 config, when one exists
    candidate.json              id, spec, lineage; written last: its presence means complete

On any error the files written so far are removed, so a directory with weights but no
candidate.json never looks like a finished merge.

Example:
    cand = merge_to_disk(spec, Path("out/m3"), progress=lambda done, total: None)
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from thaibench.candidates import GENERATORS, Candidate, CandidateSpec, is_candidate_id
from thaibench.errors import UserError
from thaibench.merge import checks
from thaibench.merge.digest import FileHashers
from thaibench.merge.plan import MergePlan, ParentMeta
from thaibench.merge.sources import open_parent
from thaibench.merge.stio import ShardedWriter, dtype_name
from thaibench.merge.stream import Stats, plan_outputs, run

CONFIG_FILE = "thaibench_merge.json"
MERGEKIT_FILE = "mergekit_config.yml"


def thaibench_config(spec: CandidateSpec) -> dict[str, Any]:
    """The thaibench merge config (parents by reference) that reproduces `spec`."""
    p, refs = spec.params, spec.parents
    models = []
    for i, m in enumerate(p["models"]):
        models.append({"model": refs[i], "parameters": m["parameters"]} if m.get("parameters") else refs[i])
    cfg: dict[str, Any] = {"method": spec.generator, "models": models}
    if p.get("base") is not None:
        cfg["base"] = refs[p["base"]]
    for key in ("parameters", "slices", "out_dtype", "dtype"):
        if p.get(key):
            cfg[key] = p[key]
    cfg["tokenizer_source"] = refs[p.get("tokenizer_source", 0)]
    cfg.update(mergekit_compat=bool(p.get("mergekit_compat")), resize_vocab=bool(p.get("resize_vocab")),
               seed=int(p.get("seed", 0)))
    return cfg


def open_plan(spec: CandidateSpec) -> tuple[Any, list[Any], MergePlan, list[str]]:
    """(method, opened parents, plan, warnings) for a spec whose parents are references."""
    gen = GENERATORS.get(spec.generator)
    method = getattr(gen, "method", None)
    if method is None:
        raise UserError(f"{spec.generator} is not a merge method")
    bad = [p for p in spec.parents if is_candidate_id(p)]
    if bad:
        raise UserError(f"parent {bad[0]} is a candidate id; building needs the parents' locations")
    parents = [open_parent(ref) for ref in spec.parents]
    try:
        warnings = checks.check_parents(parents, dict(spec.params))
        metas = [ParentMeta.of(p) for p in parents]
        plan = MergePlan.build(method, spec.params, metas)
    except BaseException:
        for p in parents:
            p.close()
        raise
    return method, parents, plan, warnings


def merge_to_disk(spec: CandidateSpec, out: Path, *, shard_bytes: int = 5 * 10**9,
                  progress: Callable[[int, int], None] | None = None,
                  warn: Callable[[str], None] | None = None, threads: int | None = None) -> Candidate:
    """Write the candidate `spec` (parents as references) to the empty directory `out`."""
    out = Path(out)
    checks.check_out_dir(out)
    method, parents, plan, warnings = open_plan(spec)
    for w in warnings:
        (warn or print)(w)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        writer = ShardedWriter(out, plan_outputs(plan), shard_bytes, {"thaibench_generator": spec.generator})
        hashers = FileHashers(parents)      # the parents' ids, from the bytes the merge reads
        stats = run([plan], parents, [writer], progress=progress, threads=threads, hashers=hashers)
        writer.finish()
        _write_side_files(spec, plan, parents, out)
        ids = {p.ref: hashers.parent_id(p) for p in parents}
        cand = _candidate(spec, plan, method, ids, out, stats)
        cand.write(out)
        return cand
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        else:
            for f in out.iterdir():
                f.unlink() if f.is_file() else shutil.rmtree(f, ignore_errors=True)
        raise
    finally:
        for p in parents:
            p.close()


def write_side_files(spec: CandidateSpec, plan: MergePlan, parents: list[Any], out: Path) -> None:
    """config.json, tokenizer files, thaibench_merge.json and mergekit_config.yml into `out`."""
    _write_side_files(spec, plan, parents, out)


def candidate_record(spec: CandidateSpec, plan: MergePlan, method: Any, ids: dict[str, str], out: Path,
                     stats: Stats) -> Candidate:
    """The Candidate (id from the parents' ids) of a merge written to `out`; `ids` maps ref -> id."""
    return _candidate(spec, plan, method, ids, out, stats)


def _write_side_files(spec: CandidateSpec, plan: MergePlan, parents: list[Any], out: Path) -> None:
    from thaibench.merge.mergekit_yaml import to_mergekit

    p = spec.params
    donor = parents[p["base"] if p.get("base") is not None else 0]
    cfg = json.loads(json.dumps(donor.config))
    float_dtypes = {op.out_dtype for op in plan.ops if op.method is not None}
    if len(float_dtypes) == 1:
        name = dtype_name(next(iter(float_dtypes)))
        cfg["dtype"] = name
        if "torch_dtype" in cfg:
            cfg["torch_dtype"] = name
    if plan.vocab_rows is not None:
        cfg["vocab_size"] = plan.vocab_rows
    if not plan.tied_output and cfg.get("tie_word_embeddings"):
        cfg["tie_word_embeddings"] = False      # some parents carried their own lm_head
    (out / "config.json").write_text(json.dumps(cfg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tok = parents[int(p.get("tokenizer_source", 0))].tokenizer_dir
    for fname in (*checks.TOKENIZER_FILES, "generation_config.json"):
        if (tok / fname).is_file():
            shutil.copyfile(tok / fname, out / fname)
    (out / CONFIG_FILE).write_text(json.dumps(thaibench_config(spec), indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    yaml_text = to_mergekit(spec, plan, parents)
    if yaml_text is not None:
        (out / MERGEKIT_FILE).write_text(yaml_text, encoding="utf-8")


def _candidate(spec: CandidateSpec, plan: MergePlan, method: Any, ids: dict[str, str], out: Path,
               stats: Stats) -> Candidate:
    resolved = CandidateSpec(spec.generator, tuple(ids[r] for r in spec.parents), spec.params)
    p = spec.params
    roles = []
    for i, ref in enumerate(spec.parents):
        role = "base" if p.get("base") == i and i >= len(p["models"]) else "model"
        if p.get("base") == i and i < len(p["models"]):
            role = "model+base"
        roles.append({"id": ids[ref], "ref": ref, "role": role})
    dtypes = sorted({dtype_name(op.out_dtype) for op in plan.ops if op.method is not None})
    lineage = {"method": spec.generator, "paper": method.paper, "parents": roles,
               "tokenizer_source": spec.parents[int(p.get("tokenizer_source", 0))],
               "layers": plan.n_layers,
               "bytes_read": stats.bytes_read, "bytes_written": stats.bytes_written,
               "seconds": round(stats.seconds, 3), "config": CONFIG_FILE}
    return Candidate(resolved.id, resolved, out, lineage, ",".join(dtypes) or None)
