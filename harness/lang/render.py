"""Show code-switch spans highlighted in a terminal (rich), for `thaibench show --switches`
and `thaibench lang --pretty`.

Each span is styled by language (English yellow, Chinese/Japanese red, Thai magenta, other
scripts red) and long unswitched stretches are elided to `context` characters on each side,
so the worst samples of a run fit on one screen.

Example:
    from rich.console import Console
    Console().print(highlight("Let me see. คำตอบคือ 42", analyse("Let me see. คำตอบคือ 42").spans))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from thaibench.lang.analyse import Span

if TYPE_CHECKING:  # rich is imported only when something is drawn
    from rich.text import Text

STYLES = {
    "en": "bold black on yellow",
    "th": "bold white on magenta",
    "zh": "bold white on red",
    "ja": "bold white on red",
    "ko": "bold white on red",
}
DEFAULT_STYLE = "bold white on red"


def highlight(text: str, spans: Sequence[Span], context: int | None = None) -> Text:
    """A rich Text of `text` with `spans` styled; with `context`, unswitched text is elided."""
    from rich.text import Text

    out = Text()
    pos = 0
    for sp in sorted(spans, key=lambda s: s.start):
        out.append(_elide(text[pos : sp.start], context, first=pos == 0, last=False))
        out.append(text[sp.start : sp.end], style=STYLES.get(sp.lang, DEFAULT_STYLE))
        pos = sp.end
    out.append(_elide(text[pos:], context, first=pos == 0, last=True))
    return out


def _elide(chunk: str, context: int | None, first: bool, last: bool) -> str:
    if context is None or len(chunk) <= 2 * context + 5:
        return chunk
    head = "" if first else chunk[:context]
    tail = "" if last else chunk[-context:]
    return f"{head} … {tail}".strip() if head or tail else " … "
