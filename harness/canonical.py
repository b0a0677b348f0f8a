"""Canonical JSON and short content hashes: the one way ids are made.

Every id (candidate, run, prompt template, data) is the sha256 of canonical JSON: sorted keys,
no whitespace, UTF-8 with non-ASCII kept, floats as Python writes them. Two processes that
describe the same thing get the same id; nothing is ever parsed back out of an id.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def short_id(obj: Any, length: int = 16) -> str:
    """sha256 of the canonical JSON of `obj`, first `length` hex digits."""
    return sha256_text(canonical_json(obj))[:length]
