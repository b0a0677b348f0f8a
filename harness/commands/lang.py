"""`thaibench lang`: analyse texts for language fidelity, one JSON object per input.

Input is plain lines (each line one text) or JSON lines with a "text" field (optional "id"
and "expect" fields are honoured per line), from a file or stdin. Output, one line per input:
{"id"?, "expect", "verdict", "reason", "rate", "letters", "switched_letters",
"accepted_letters", "spans": [{"start", "end", "lang", "script", "text"}]} with UTF-8 text
(ensure_ascii=False); a NaN rate (no letters) is null. Invalid UTF-8 is replaced, never fatal.

    $ echo 'Let me check. คำตอบคือ 42' | thaibench lang
    {"expect": "th", "verdict": false, "reason": "switch", "rate": 0.5, ...}
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from thaibench.errors import UserError

NAME = "lang"
HELP = "analyse texts for language fidelity (verdict, code-switch spans, rate)"
DESCRIPTION = (
    "Analyse each input text: is it in the expected language, where does it switch, and what "
    "share of its letters are switched. Input: plain lines or JSON lines with a 'text' field."
)
ORDER = 60


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default="-", help="input file, or - for stdin (default)")
    parser.add_argument("--expect", choices=("th", "en"), default="th", help="expected language (default th)")
    parser.add_argument("--words", action="store_true", help="add a word-level rate (PyThaiNLP; slower)")
    parser.add_argument("--public", action="store_true", help="add the public 'is mainly Thai' check")
    parser.add_argument("--pretty", action="store_true", help="print highlighted text instead of JSON")


def _inputs(stream: IO[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for line in stream:
        line = line.rstrip("\r\n")
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                obj = None
            if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                yield obj["text"], obj
                continue
        yield line, {}


def run(args: argparse.Namespace) -> int:
    from thaibench.lang import analyse

    if args.file == "-":
        stream: IO[str] = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)
    else:
        path = Path(args.file)
        if not path.is_file():
            raise UserError(f"no such file: {path}")
        stream = path.open(encoding="utf-8", errors="replace")
    console = None
    if args.pretty:
        from rich.console import Console

        console = Console(highlight=False)
    with stream:
        for text, meta in _inputs(stream):
            expect = meta.get("expect", args.expect)
            if expect not in ("th", "en"):
                raise UserError(f"unsupported expected language {expect!r} (use th or en)")
            a = analyse(text, expect)
            out: dict[str, Any] = {"id": meta["id"]} if "id" in meta else {}
            out.update(a.to_dict())
            if args.words:
                from thaibench.lang.words import word_rate

                wr = word_rate(a)
                out["word_rate"] = None if wr != wr else round(wr, 6)
            if args.public:
                from thaibench.lang.public import skythought_check

                c = skythought_check(text)
                out["lang_public_check"] = {
                    "passed": c.passed,
                    "thai": c.thai,
                    "english": c.english,
                    "other": c.other,
                    "empty": c.empty,
                }
            if console is not None:
                from thaibench.lang.render import highlight

                rate = "n/a" if out["rate"] is None else f"{out['rate']:.3f}"
                console.print(f"[bold]{'OK ' if a.verdict else 'SWITCH'}[/] {a.reason} rate={rate}")
                console.print(highlight(a.text, a.spans, context=80))
            else:
                sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0
