"""Pre-merge checks: refuse what would give a broken model, with one line that says why.

Checked before any weight is read: the output directory is empty; every shard named by an index
exists and is as long as its header says (`stio.Checkpoint.open`); the parents have the same
architecture (config `architectures` / `model_type`) and the same tensors and shapes
(`plan.MergePlan.build`); the vocabularies agree (token -> id of `tokenizer.json`, or the same
tokenizer files), unless `resize_vocab` is set and the shared ids mean the same tokens; chat
templates are compared, and a difference is a warning that names the template used. NaN/Inf are
found while streaming (`stream`), before the candidate is declared complete.

Example:
    warnings = check_parents(parents, params)   # raises UserError, or returns warnings to print
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from thaibench.errors import UserError

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
                   "vocab.json", "merges.txt", "added_tokens.json", "chat_template.jinja", "chat_template.json")


def check_out_dir(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"output directory {out} is not empty; choose a new one")


def check_architectures(parents: Sequence[Any]) -> None:
    def arch(p: Any) -> tuple[str, str]:
        cfg = p.config
        return (",".join(cfg.get("architectures") or []), str(cfg.get("model_type")))

    first = arch(parents[0])
    for p in parents[1:]:
        if arch(p) != first:
            raise UserError(f"architectures differ: {parents[0].ref} is {first[0] or first[1]}, "
                            f"{p.ref} is {arch(p)[0] or arch(p)[1]}")


def vocabulary(tok_dir: Path) -> dict[int, str] | str | None:
    """id -> token of a tokenizer folder (tokenizer.json), else a digest of its vocab files."""
    tj = tok_dir / "tokenizer.json"
    if tj.is_file():
        data = json.loads(tj.read_text(encoding="utf-8"))
        vocab = (data.get("model") or {}).get("vocab") or {}
        if isinstance(vocab, list):     # unigram: [[piece, score], ...]
            out = {i: str(piece[0]) for i, piece in enumerate(vocab)}
        else:
            out = {int(i): str(t) for t, i in vocab.items()}
        for added in data.get("added_tokens") or []:
            out[int(added["id"])] = str(added["content"])
        return out
    files = [tok_dir / f for f in ("tokenizer.model", "vocab.json", "merges.txt") if (tok_dir / f).is_file()]
    if not files:
        return None
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def check_vocabularies(parents: Sequence[Any], resize: bool) -> None:
    vocabs = [vocabulary(p.tokenizer_dir) for p in parents]
    known = [(p, v) for p, v in zip(parents, vocabs, strict=True) if v is not None]
    if len(known) < 2:
        return
    (p0, v0), rest = known[0], known[1:]
    for p, v in rest:
        if v == v0:
            continue
        if isinstance(v, str) or isinstance(v0, str):
            raise UserError(f"vocabularies differ between {p0.ref} and {p.ref} (tokenizer files differ)")
        diff = sorted(i for i in set(v) & set(v0) if v[i] != v0[i])
        if diff:
            i = diff[0]
            raise UserError(f"vocabularies differ: token id {i} is {v0[i]!r} in {p0.ref} but {v[i]!r} in "
                            f"{p.ref} ({len(diff)} ids differ); these models cannot be merged row by row")
        if not resize:
            raise UserError(f"vocabularies differ: {p0.ref} has {len(v0)} tokens, {p.ref} has {len(v)}; "
                            "pass --resize-vocab (resize_vocab: true) to merge the shared rows and take "
                            "the rest from tokenizer_source")


def chat_template(tok_dir: Path) -> str | None:
    jinja = tok_dir / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    cfg = tok_dir / "tokenizer_config.json"
    if cfg.is_file():
        t = json.loads(cfg.read_text(encoding="utf-8")).get("chat_template")
        return json.dumps(t, sort_keys=True) if isinstance(t, (list, dict)) else t
    return None


def check_chat_templates(parents: Sequence[Any], source: int) -> list[str]:
    templates = [chat_template(p.tokenizer_dir) for p in parents]
    if len(set(templates)) <= 1:
        return []
    differ = [p.ref for p, t in zip(parents, templates, strict=True) if t != templates[source]]
    return [f"chat templates differ ({', '.join(differ)} vs {parents[source].ref}); "
            f"the merge uses {parents[source].ref}'s (tokenizer_source)"]


def check_parents(parents: Sequence[Any], params: dict[str, Any]) -> list[str]:
    """All checks that need only headers and small files; returns warnings."""
    check_architectures(parents)
    check_vocabularies(parents, bool(params.get("resize_vocab")))
    return check_chat_templates(parents, int(params.get("tokenizer_source", 0)))
