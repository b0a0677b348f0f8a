"""The miniature world: tokenizers, pico random models and trained tiny parents.

Everything here is built by the project's own code, offline, so tests and the embedded default
never download a model. `ensure_mini()` returns the trained world (base, mini-th,
mini-reasoner), building it on first use; see docs/mini.md. Importing this package is cheap:
torch and transformers load only when something is built or evaluated.
"""

from __future__ import annotations

from typing import Any


def ensure_mini(*args: Any, **kwargs: Any) -> Any:
    """See `thaibench.mini.cache.ensure_mini`."""
    from thaibench.mini.cache import ensure_mini as _ensure

    return _ensure(*args, **kwargs)
