"""`thaibench sft CONFIG OUT_DIR`: fine-tune a parent into an SFT candidate; `thaibench sft data`: build its data.

    thaibench sft data CONFIG|PRESET OUT_DIR     # data.jsonl + card.json (+ card.md)
    thaibench sft CONFIG OUT_DIR                 # CONFIG names `base:` and `data:` (or --base/--data)
    thaibench sft CONFIG --show-labels 1         # print what the loss sees for the first example

PRESET is SFT-v1..v4 or mini-SFT-v3 (docs/sft.md says what each mixes). OUT_DIR of a training
run receives the checkpoint (LoRA merged unless `lora.merge: false`) and candidate.json; a
directory already holding the same candidate is not retrained. Launch with torchrun or
accelerate for several processes:  torchrun --nproc_per_node 8 -m thaibench sft train.yaml out
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "sft"
ORDER = 45
HELP = "supervised fine-tuning as a candidate (LoRA or full), and its data builder (`sft data`)"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("args", nargs="+", metavar="ARG",
                   help="CONFIG OUT_DIR to train; `data CONFIG|PRESET OUT_DIR` to build SFT data")
    p.add_argument("--base", help="model to fine-tune (overrides the config's base:)")
    p.add_argument("--data", help="SFT data file or directory (overrides the config's data:)")
    p.add_argument("--show-labels", type=int, metavar="N",
                   help="print the first N examples with the trained tokens marked; train nothing")
    p.add_argument("--force", action="store_true", help="sft data: rebuild even if the card matches")
    p.add_argument("--cache", help="sft data: translation cache directory (default OUT_DIR/cache)")
    p.add_argument("--quiet", action="store_true")


def run(args: argparse.Namespace) -> int:
    from thaibench.errors import UserError

    pos = list(args.args)
    if pos[0] == "data":
        if len(pos) != 3:
            raise UserError("usage: thaibench sft data CONFIG|PRESET OUT_DIR")
        return _data(pos[1], Path(pos[2]), args)
    if len(pos) > 2:
        raise UserError("usage: thaibench sft CONFIG OUT_DIR")
    return _train(Path(pos[0]), Path(pos[1]) if len(pos) == 2 else None, args)


def _log(args: argparse.Namespace):  # noqa: ANN202
    import os
    import sys

    quiet = args.quiet or int(os.environ.get("RANK", "0")) != 0
    return (lambda _m: None) if quiet else (lambda m: print(m, file=sys.stderr))


def _data(config: str, out: Path, args: argparse.Namespace) -> int:
    from thaibench.sftdata.build import build_data
    from thaibench.sftdata.card import card_markdown
    from thaibench.sftdata.config import load_config, parse_config
    from thaibench.sftdata.presets import PRESETS

    cfg = parse_config({"preset": config}) if config in PRESETS else load_config(Path(config))
    card = build_data(cfg, out, Path(args.cache) if args.cache else None, _log(args), args.force)
    print(card_markdown(card))
    print(f"wrote {out / 'data.jsonl'} and {out / 'card.json'}")
    return 0


def _train(config: Path, out: Path | None, args: argparse.Namespace) -> int:
    from thaibench.candidates import GENERATORS
    from thaibench.errors import UserError
    from thaibench.merge.sft import load_train_file

    cfg, extras = load_train_file(config)
    base, data = args.base or extras.get("base"), args.data or extras.get("data")
    if not base or not data:
        raise UserError("name the model and the data: `base:` and `data:` in the config, or --base and --data")
    if args.show_labels:
        return _show(base, Path(data), cfg, args.show_labels)
    if out is None:
        raise UserError("usage: thaibench sft CONFIG OUT_DIR")
    gen = GENERATORS.get("sft")
    spec, = gen.specs(base=base, data=data, config=cfg)
    cand = gen.build(spec, out, data=data, log=_log(args))
    import os

    if int(os.environ.get("RANK", "0")) == 0:
        lin = cand.lineage
        print(f"sft candidate {cand.id} in {out}: {lin.get('steps')} steps, final loss {lin.get('final_loss')}")
    return 0


def _show(base: str, data: Path, cfg: object, n: int) -> int:
    from rich.console import Console
    from rich.text import Text

    from thaibench.merge.sft import _tokenizer
    from thaibench.merge.sources import locate
    from thaibench.sftdata.build import read_data
    from thaibench.sftdata.encode import IGNORE, encode_chat

    tok = _tokenizer(locate(base), cfg)  # type: ignore[arg-type]
    console = Console()
    for rec in read_data(data)[:n]:
        enc = encode_chat(tok, rec["messages"], None, cfg.template_kwargs)  # type: ignore[attr-defined]
        text = Text()
        # Decode runs of equally-masked tokens together: single tokens may be parts of a Thai letter.
        start = 0
        for i in range(1, len(enc.labels) + 1):
            if i == len(enc.labels) or (enc.labels[i] == IGNORE) != (enc.labels[start] == IGNORE):
                masked = enc.labels[start] == IGNORE
                text.append(tok.decode(enc.input_ids[start:i]), style="dim" if masked else "bold green")
                start = i
        console.print(f"[bold]{rec['id']}[/bold]: {enc.prompt_len} prompt tokens (dim, masked), "
                      f"{len(enc.labels) - enc.prompt_len} trained tokens (green)")
        console.print(text)
    return 0
