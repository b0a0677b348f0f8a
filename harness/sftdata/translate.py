"""Translate the question and answer of SFT examples through any thaibench backend; keep the trace.

Why: the paper's SFT-v3 adds Thai copies of English reasoning examples whose question and
answer are in Thai but whose reasoning trace stays English (the reasoning model's habit the
merge is meant to keep). Any backend works (`hf` on a local model, `openai` on a served one),
so the translator is whatever model the user trusts.

Resumable and content-addressed like generations: each translation is one line of
`<cache>/translations.jsonl`, keyed by the sha256 of (translator identity, prompt, target
language, generation settings, source text). A killed build re-run translates only what is
missing; a translation that failed (backend error, cut off at the token limit, empty) is not
cached and its row is counted as `translation_failed` on the data card, never kept
untranslated.

Example (a source in a data config):
    - name: stratos_th
      from: stratos
      n: 6500
      translate: {backend: openai, model: typhoon-v2-70b, target: th,
                  options: {base_url: "http://localhost:8000/v1"}}

Quirks: a translator that thinks (`<think>`) is fine: only the text after its trace is used.
Answers are translated as whole texts, LaTeX and `\\boxed{}` included; the prompt asks for
those to be kept, and the `answer_lang` filter afterwards catches a translation that stayed
English.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from thaibench.canonical import canonical_json, sha256_text
from thaibench.errors import UserError
from thaibench.records import JsonlAppender, read_jsonl
from thaibench.sftdata.rows import Example

LANG_NAMES = {"th": "Thai", "en": "English"}
PROMPT = ("Translate the user's text into {lang}. Keep numbers, mathematical notation, LaTeX (such as "
          "\\boxed{{...}}), code and proper names exactly as they are. Reply with the translation only.")
CACHE_FILE = "translations.jsonl"


@dataclass(frozen=True)
class TranslateConfig:
    backend: str
    model: str
    target: str = "th"
    fields: tuple[str, ...] = ("question", "answer")
    max_tokens: int = 4096
    batch_size: int = 16
    options: dict[str, Any] = field(default_factory=dict)
    prompt: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TranslateConfig:
        allowed = set(cls.__dataclass_fields__)
        unknown = set(d) - allowed
        if unknown:
            raise UserError(f"translate: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
        if "backend" not in d or "model" not in d:
            raise UserError("translate: name `backend` (hf, openai, ...) and `model`")
        d = dict(d)
        d["fields"] = tuple(d.get("fields") or cls.fields)
        bad = set(d["fields"]) - {"question", "answer", "trace"}
        if bad:
            raise UserError(f"translate.fields: {sorted(bad)} are not question, answer or trace")
        return cls(**d)

    def system_prompt(self) -> str:
        return self.prompt or PROMPT.format(lang=LANG_NAMES.get(self.target, self.target))


def make_translator_backend(cfg: TranslateConfig) -> Any:
    from thaibench.backends import BackendOptions, make_backend

    opts = dict(cfg.options)
    known = set(BackendOptions.__dataclass_fields__)
    extra = {k: opts.pop(k) for k in list(opts) if k not in known}
    return make_backend(cfg.backend, cfg.model, BackendOptions(**opts, extra={**opts.get("extra", {}), **extra}))


class Translator:
    """Translate texts through `backend`, caching every success under `cache_dir`."""

    def __init__(self, cfg: TranslateConfig, backend: Any, cache_dir: Path) -> None:
        self.cfg = cfg
        self.backend = backend
        self.cache_path = Path(cache_dir) / CACHE_FILE
        self.calls = 0  # texts sent to the backend in this process (the resume test reads it)
        cand = backend.candidate()
        self._who = {"backend": backend.identity(), "candidate": cand.get("id"), "model": cand.get("name")}
        self._done = {line["key"]: line["translation"] for line in read_jsonl(self.cache_path)
                      if "key" in line} if self.cache_path.exists() else {}

    def _config(self) -> Any:
        from thaibench.types import GenerationConfig

        return GenerationConfig(max_tokens=self.cfg.max_tokens, temperature=0.0, seed=0,
                                system_prompt=self.cfg.system_prompt())

    def key(self, text: str) -> str:
        return sha256_text(canonical_json({"who": self._who, "target": self.cfg.target,
                                           "config": self._config().to_dict(), "text": text}))

    def translate(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> list[str | None]:
        """One translation per text (None where it failed); cached ones are not re-sent."""
        from thaibench.types import Request

        keys = [self.key(t) for t in texts]
        todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._done}.items())
        cfg = self._config()
        with JsonlAppender(self.cache_path) as out:
            for b in range(0, len(todo), self.cfg.batch_size):
                chunk = todo[b:b + self.cfg.batch_size]
                reqs = [Request([{"role": "system", "content": cfg.system_prompt or ""},
                                 {"role": "user", "content": t}], cfg, 0, k) for k, t in chunk]
                gens = self.backend.generate(reqs)
                self.calls += len(chunk)
                for (k, t), g in zip(chunk, gens, strict=True):
                    text = (g.answer if g.reasoning is not None else g.text).strip()
                    if g.error or g.finish_reason == "length" or not text or g.think_closed is False:
                        continue
                    self._done[k] = text
                    out.write({"key": k, "source_sha": sha256_text(t)[:16], "translation": text})
                if progress:
                    progress(len(chunk))
        return [self._done.get(k) for k in keys]

    def apply(self, examples: Sequence[Example], source: str) -> tuple[list[Example], int]:
        """Translated copies of `examples` (renamed to `source`) and how many failed."""
        wanted = [(i, f, getattr(ex, f)) for i, ex in enumerate(examples) for f in self.cfg.fields
                  if getattr(ex, f)]
        done = self.translate([t for _, _, t in wanted])
        by_row: dict[int, dict[str, str | None]] = {}
        for (i, f, _), tr in zip(wanted, done, strict=True):
            by_row.setdefault(i, {})[f] = tr
        out, failed = [], 0
        for i, ex in enumerate(examples):
            parts = by_row.get(i, {})
            if any(v is None for v in parts.values()):
                failed += 1
                continue
            meta = {**ex.meta, "translated_from": ex.id, "translated": sorted(parts), "target": self.cfg.target}
            out.append(replace(ex, id=f"{ex.id}:{self.cfg.target}", source=source,
                               pair_id=ex.pair_id or ex.id, meta=meta, **parts))
        return out, failed
