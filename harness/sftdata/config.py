"""The data builder's config: sources, filters, dedup and the mix, as plain data (YAML or JSON).

Why a config and not code: the data card records it, its canonical hash names the build (the
recipe reuses a build whose card carries the same config id), and presets are just configs.

    name: my-mix
    seed: 0
    total: 20000            # only for sources given a `ratio`
    dedup: near             # exact | near | none (exact is part of near)
    near_threshold: 0.8
    filters: {require_trace: true, max_chars: 40000}      # defaults for every source
    sources:
      - name: stratos
        path: bespokelabs/Bespoke-Stratos-17k              # hub id or local file/directory
        filters: {question_lang: en, answer_lang: en, trace_lang: en}
      - name: stratos_th
        from: stratos                                       # rows of another source, after its filters
        n: 6500
        translate: {backend: openai, model: my-translator}
        filters: {question_lang: th, answer_lang: th, trace_lang: en}
      - name: th_general
        path: ./th_general_with_traces.jsonl
        columns: {instruction: prompt, output: response}  # canonical name: your column
        n: 500

Source keys: name, path | from | mini, split, revision, limit (rows read), columns, system
(drop | keep), n or ratio (rows kept in the mix), filters, translate. Filter keys are
thaibench.sftdata.filters.FILTER_KEYS. Unknown keys are errors, not ignored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from thaibench.canonical import short_id
from thaibench.errors import UserError
from thaibench.sftdata.filters import FILTER_KEYS
from thaibench.sftdata.translate import TranslateConfig

SOURCE_KEYS = ("name", "path", "from", "mini", "split", "revision", "limit", "columns", "system", "n", "ratio",
               "filters", "translate")
TOP_KEYS = ("name", "seed", "total", "dedup", "near_threshold", "filters", "sources", "tokenizer", "preset")


@dataclass(frozen=True)
class Origin:
    """Where a source's rows come from: a path/hub id, another source, or the miniature world."""

    path: str | None = None
    parent: str | None = None
    mini: dict[str, Any] | None = None
    split: str = "train"
    revision: str | None = None
    limit: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    system: str = "drop"


@dataclass(frozen=True)
class SourceConfig:
    name: str
    origin: Origin
    n: int | None = None
    ratio: float | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    translate: TranslateConfig | None = None


@dataclass(frozen=True)
class DataConfig:
    name: str
    sources: tuple[SourceConfig, ...]
    seed: int = 0
    total: int | None = None
    dedup: str = "exact"
    near_threshold: float = 0.8
    filters: dict[str, Any] = field(default_factory=dict)
    tokenizer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def id(self) -> str:
        """Content id of the config: the recipe reuses a build whose card has the same id."""
        return short_id(self.to_dict())


def _filters(d: Any, where: str) -> dict[str, Any]:
    d = dict(d or {})
    unknown = set(d) - set(FILTER_KEYS)
    if unknown:
        raise UserError(f"{where}: unknown filters {sorted(unknown)}; known: {', '.join(FILTER_KEYS)}")
    return d


def _source(d: dict[str, Any], known: set[str], base: Path | None) -> SourceConfig:
    if not isinstance(d, dict) or "name" not in d:
        raise UserError("every source needs a `name`")
    name = str(d["name"])
    unknown = set(d) - set(SOURCE_KEYS)
    if unknown:
        raise UserError(f"source {name!r}: unknown keys {sorted(unknown)}; known: {', '.join(SOURCE_KEYS)}")
    given = [k for k in ("path", "from", "mini") if d.get(k) is not None]
    if len(given) != 1:
        raise UserError(f"source {name!r}: give exactly one of path (file or hub id), from (another source), mini")
    if d.get("from") is not None and d["from"] not in known:
        raise UserError(f"source {name!r}: `from: {d['from']}` must name a source listed before it")
    if d.get("n") is not None and d.get("ratio") is not None:
        raise UserError(f"source {name!r}: give n or ratio, not both")
    if d.get("system", "drop") not in ("drop", "keep"):
        raise UserError(f"source {name!r}: system must be drop or keep")
    path = d.get("path")
    if path is not None and base is not None and not Path(str(path)).is_absolute() and (base / str(path)).exists():
        path = str((base / str(path)).resolve())  # relative to the config file, not the shell
    origin = Origin(str(path) if path is not None else None, d.get("from"), d.get("mini"), d.get("split", "train"),
                    d.get("revision"), d.get("limit"), dict(d.get("columns") or {}), d.get("system", "drop"))
    tr = TranslateConfig.from_dict(d["translate"]) if d.get("translate") else None
    return SourceConfig(name, origin, d.get("n"), d.get("ratio"), _filters(d.get("filters"), f"source {name!r}"), tr)


def parse_config(d: dict[str, Any], base: Path | None = None) -> DataConfig:
    """A DataConfig from a dict (a preset name under `preset:` expands first)."""
    if not isinstance(d, dict):
        raise UserError("a data config is a mapping with `sources:`")
    if d.get("preset"):
        from thaibench.sftdata.presets import preset

        over = {k: v for k, v in d.items() if k != "preset"}
        d = {**preset(d["preset"]), **over}
    unknown = set(d) - set(TOP_KEYS)
    if unknown:
        raise UserError(f"data config: unknown keys {sorted(unknown)}; known: {', '.join(TOP_KEYS)}")
    if not d.get("sources"):
        raise UserError("data config: list at least one source under `sources:`")
    sources: list[SourceConfig] = []
    for s in d["sources"]:
        src = _source(s, {x.name for x in sources}, base)
        if src.name in {x.name for x in sources}:
            raise UserError(f"source {src.name!r} is listed twice")
        sources.append(src)
    if any(s.ratio is not None for s in sources) and not d.get("total"):
        raise UserError("data config: sources with a `ratio` need `total:`")
    if d.get("dedup", "exact") not in ("exact", "near", "none"):
        raise UserError("data config: dedup must be exact, near or none")
    return DataConfig(str(d.get("name") or "sft-data"), tuple(sources), int(d.get("seed", 0)), d.get("total"),
                      d.get("dedup", "exact"), float(d.get("near_threshold", 0.8)),
                      _filters(d.get("filters"), "filters"), d.get("tokenizer"))


def load_config(path: Path) -> DataConfig:
    import yaml

    p = Path(path)
    try:
        d = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no data config at {p}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return parse_config(d, p.parent)
