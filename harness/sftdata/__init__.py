"""SFT data: read public reasoning sets, filter by language, translate, mix, and card them.

The builder turns a data config (thaibench.sftdata.config; presets SFT-v1..v4 and the
miniature mini-SFT-v3 in presets.py) into `data.jsonl` (chat `messages` with the trace inside
`<think>`) and `card.json` (counts per source and language, and what each step removed). The
SFT generator (thaibench.merge.sft) trains on that file; `encode.py` turns one chat into the
input ids and labels it trains on. Guide: docs/sft.md.
"""

from thaibench.sftdata.build import build_data, read_data
from thaibench.sftdata.config import DataConfig, load_config, parse_config
from thaibench.sftdata.rows import Example, Skip, parse_row

__all__ = ["DataConfig", "Example", "Skip", "build_data", "load_config", "parse_config", "parse_row", "read_data"]
