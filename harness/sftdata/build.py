"""Build an SFT data file from a config: read, parse, translate, filter, dedup, mix, write the card.

Steps, in order (each counted per source on the card):
1. read each source (local file or hub id; `from:` takes another source's filtered rows;
   `mini:` generates miniature rows) and parse rows into Examples; unusable rows are skipped
   with a reason (thaibench.sftdata.rows);
2. translate (when the source asks): question and answer through a backend, trace kept;
3. filter with the source's rules over the config's defaults (thaibench.sftdata.filters);
4. dedup over all sources in the order listed: exact (question + answer), then near
   (MinHash on questions) when `dedup: near`;
5. mix: `n` rows (or `ratio` x `total`) drawn per source with the config's seed, all rows when
   neither is given; a source with too few rows gives what it has and the card says how many
   short;
6. shuffle (seeded) and write OUT/data.jsonl, OUT/card.json and OUT/card.md.

Resumable: translations are cached under OUT/cache (or `cache_dir`); a build whose card
already carries this config's id is returned as it is (`force=True` rebuilds).

Example:
    card = build_data(load_config(Path("sft.yaml")), Path("out/data"))
    card["rows"], card["digest"]
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from thaibench.errors import UserError
from thaibench.sftdata.card import CARD_FILE, DATA_FILE, SourceTally, card_markdown, make_card, read_card
from thaibench.sftdata.config import DataConfig, SourceConfig
from thaibench.sftdata.filters import check, exact_key, lang_of, langs, near_duplicates
from thaibench.sftdata.rows import Example, Skip, check_shape, parse_row

Log = Callable[[str], None]


def _rename(row: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    if not columns:
        return row
    out = {k: v for k, v in row.items() if k not in columns.values()}
    for canonical, actual in columns.items():
        if actual in row:
            out[canonical] = row[actual]
    return out


def _read(src: SourceConfig, tally: SourceTally) -> list[Example]:
    from thaibench.sftdata.load import origin_digest, read_rows
    from thaibench.sftdata.mini import mini_rows

    o = src.origin
    if o.mini is not None:
        rows = mini_rows(o.mini)
    else:
        assert o.path is not None
        rows = read_rows(o.path, o.split, o.limit, o.revision)
        tally.origin_sha256 = origin_digest(o.path)
    rows = rows[: o.limit] if o.limit is not None else rows
    tally.read = len(rows)
    out = []
    for i, row in enumerate(rows):
        row = _rename(row, o.columns)
        if i == 0:
            check_shape(row, f"source {src.name!r} ({tally.origin})")
        try:
            out.append(parse_row(row, src.name, i, o.system))
        except Skip as s:
            tally.skipped[s.reason] += 1
    return out


def _translate(src: SourceConfig, examples: list[Example], tally: SourceTally, cache: Path, log: Log,
               backend: Any = None) -> list[Example]:
    from thaibench.sftdata.translate import Translator, make_translator_backend

    assert src.translate is not None
    be = backend if backend is not None else make_translator_backend(src.translate)
    log(f"{src.name}: translating {len(examples)} rows with {src.translate.backend}:{src.translate.model}")
    tr = Translator(src.translate, be, cache)
    out, failed = tr.apply(examples, src.name)
    tally.translated, tally.translation_failed = len(out), failed
    return out


def _tokens(cfg: DataConfig) -> Callable[[Example], int] | None:
    if not cfg.tokenizer:
        return None
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(cfg.tokenizer)
    return lambda ex: len(tok(ex.question + ex.reply(), add_special_tokens=False)["input_ids"])


def _take(cfg: DataConfig, src: SourceConfig) -> int | None:
    if src.n is not None:
        return int(src.n)
    if src.ratio is not None:
        return int(round(float(src.ratio) * int(cfg.total or 0)))
    return None


def build_data(cfg: DataConfig, out: Path, cache_dir: Path | None = None, log: Log | None = None,
               force: bool = False, translators: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write OUT/data.jsonl and OUT/card.json for `cfg`; return the card.

    `translators` maps a source name to a ready backend (tests; a shared loaded model)."""
    log = log or (lambda _m: None)
    out = Path(out)
    cid = cfg.id()
    old = read_card(out)
    if old is not None and old.get("config_id") == cid and (out / DATA_FILE).is_file() and not force:
        log(f"data {cid} already built in {out}: {old['rows']} rows")
        return old
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir else out / "cache"
    if cfg.filters.get("max_tokens") is not None or any(s.filters.get("max_tokens") is not None for s in cfg.sources):
        if not cfg.tokenizer:
            raise UserError("the max_tokens filter needs `tokenizer:` (a model directory or hub id)")
    count_tokens = _tokens(cfg)
    rng = random.Random(cfg.seed)
    tallies: dict[str, SourceTally] = {}
    pools: dict[str, list[Example]] = {}
    rules: dict[str, dict[str, Any]] = {}
    for src in cfg.sources:
        o = src.origin
        origin = o.path or (f"from:{o.parent}" if o.parent else "mini:" + json.dumps(o.mini, sort_keys=True))
        t = tallies[src.name] = SourceTally(src.name, origin)
        if o.parent is not None:
            parent = pools[o.parent]
            k = _take(cfg, src)
            picked = rng.sample(parent, min(k, len(parent))) if k is not None else list(parent)
            t.read = len(picked)
            examples = list(picked)
        else:
            examples = _read(src, t)
        if src.translate is not None:
            examples = _translate(src, examples, t, cache, log, (translators or {}).get(src.name))
        elif o.parent is not None:
            examples = [Example(f"{e.id}:{src.name}", src.name, e.question, e.answer, e.trace, e.history,
                                e.pair_id or e.id, e.meta) for e in examples]
        rules[src.name] = r = {**cfg.filters, **src.filters}
        kept = []
        for ex in examples:
            reason = check(ex, r, count_tokens(ex) if count_tokens and r.get("max_tokens") else None)
            if reason:
                t.filters[reason] += 1
            else:
                kept.append(ex)
        pools[src.name] = kept
        log(f"{src.name}: read {t.read}, skipped {sum(t.skipped.values())}, "
            f"filtered {sum(t.filters.values())}, kept {len(kept)}")
    _dedup(cfg, pools, tallies)
    selected: list[Example] = []
    for src in cfg.sources:
        pool, t = pools[src.name], tallies[src.name]
        t.available = len(pool)
        k = _take(cfg, src)
        t.wanted = k
        chosen = rng.sample(pool, k) if k is not None and k < len(pool) else list(pool)
        t.selected = len(chosen)
        for ex in chosen:
            for part, lang in langs(ex).items():
                t.languages[part][lang] += 1
        selected.extend(chosen)
    rng.shuffle(selected)
    data_sha = _write_rows(out / DATA_FILE, selected)
    # Round-tripped, so the card returned now equals the card read back later.
    card = json.loads(json.dumps(make_card(cfg.to_dict(), cid, list(tallies.values()), len(selected), data_sha,
                                           rules), ensure_ascii=False))
    (out / "card.md").write_text(card_markdown(card), encoding="utf-8")
    tmp = out / (CARD_FILE + ".tmp")
    tmp.write_text(json.dumps(card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(out / CARD_FILE)  # written last: its presence means the build is complete
    lang_of.cache_clear()  # the cache holds whole traces; free them once the card is written
    log(f"wrote {len(selected)} rows to {out / DATA_FILE} (card {card['digest']})")
    return card


def _dedup(cfg: DataConfig, pools: dict[str, list[Example]], tallies: dict[str, SourceTally]) -> None:
    if cfg.dedup == "none":
        return
    seen: set[str] = set()
    for name, pool in pools.items():
        kept = []
        for ex in pool:
            key = exact_key(ex)
            if key in seen:
                tallies[name].duplicates["exact"] += 1
            else:
                seen.add(key)
                kept.append(ex)
        pools[name] = kept
    if cfg.dedup == "near":
        order = [(name, i) for name, pool in pools.items() for i in range(len(pool))]
        dropped = near_duplicates([pools[n][i].question for n, i in order], cfg.near_threshold)
        gone: dict[str, set[int]] = {}
        for k in dropped:
            name, i = order[k]
            gone.setdefault(name, set()).add(i)
            tallies[name].duplicates["near"] += 1
        for name, idx in gone.items():
            pools[name] = [ex for i, ex in enumerate(pools[name]) if i not in idx]


def _write_rows(path: Path, examples: list[Example]) -> str:
    h = hashlib.sha256()
    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for ex in examples:
            line = json.dumps(ex.to_record(), ensure_ascii=False) + "\n"
            h.update(line.encode("utf-8"))
            f.write(line)
    tmp.replace(path)
    return h.hexdigest()


def read_data(path: Path) -> list[dict[str, Any]]:
    """data.jsonl lines (a directory holding one, or the file itself)."""
    p = Path(path)
    p = p / DATA_FILE if p.is_dir() else p
    if not p.is_file():
        raise UserError(f"no SFT data at {p} (build it with `thaibench sft data CONFIG OUT`)")
    from thaibench.sftdata.load import read_rows

    return read_rows(str(p))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
