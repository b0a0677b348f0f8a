"""Argument groups and helpers shared by commands that generate (score, sweep, recipe)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from thaibench.errors import UserError

DEFAULT_OUT = "thaibench-out"


def parse_kv(items: list[str] | None, what: str) -> dict[str, Any]:
    """`k=v,k2=v2` (repeatable) -> dict; values parsed as JSON when they parse, else strings."""
    out: dict[str, Any] = {}
    for item in items or []:
        for part in filter(None, item.split(",")):
            key, sep, val = part.partition("=")
            if not sep or not key.strip():
                raise UserError(f"{what}: expected key=value, got {part!r}")
            try:
                out[key.strip()] = json.loads(val)
            except json.JSONDecodeError:
                out[key.strip()] = val
    return out


def split_list(items: list[str] | None) -> list[str]:
    return [x.strip() for item in items or [] for x in item.split(",") if x.strip()]


def add_generation_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("generation (override the task defaults; recorded in run.json)")
    g.add_argument("--temperature", type=float)
    g.add_argument("--top-p", type=float)
    g.add_argument("--top-k", type=int)
    g.add_argument("--max-tokens", type=int, help="token budget per answer (reasoning models: 32768)")
    g.add_argument("--seed", type=int)
    g.add_argument("--system-prompt")
    g.add_argument("--stop", action="append", help="stop string (repeatable)")
    g.add_argument("--chat-template-args", action="append", metavar="K=V",
                   help="chat-template arguments, e.g. enable_thinking=false")


def generation_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "temperature": args.temperature, "top_p": args.top_p, "top_k": args.top_k,
        "max_tokens": args.max_tokens, "seed": args.seed, "system_prompt": args.system_prompt,
        "stop": tuple(args.stop) if args.stop else None,
        "chat_template_kwargs": parse_kv(args.chat_template_args, "--chat-template-args") or None,
    }


def add_backend_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("backend")
    g.add_argument("--backend", default="hf", help="hf (default), openai, vllm")
    g.add_argument("--dtype", default="auto", help="auto (float32 on CPU, bfloat16 on GPU), float32, bfloat16, float16")
    g.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda when present)")
    g.add_argument("--device-map", help="e.g. auto (spread a large model over GPUs)")
    g.add_argument("--batch-size", type=int, default=16)
    g.add_argument("--model-args", action="append", metavar="K=V",
                   help="extra from_pretrained arguments (or backend options), e.g. attn_implementation=sdpa")
    g.add_argument("--model-revision", help="hub revision; for served models, enables the cache")
    s = p.add_argument_group("served models (--backend openai)")
    s.add_argument("--base-url", help="server URL, e.g. http://localhost:8000/v1 (default $OPENAI_BASE_URL)")
    s.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the API key "
                   "(default OPENAI_API_KEY; the key is never written anywhere)")
    s.add_argument("--concurrency", type=int, help="requests in flight at once (default 8)")
    s.add_argument("--timeout", type=float, help="seconds to wait for one answer (default 600)")
    s.add_argument("--retries", type=int, help="retries of a failed request, with backoff (default 3)")
    s.add_argument("--cache", action="store_true", default=None,
                   help="reuse answers of earlier runs of this URL + model (you vouch the served weights "
                        "did not change; implied by --model-revision)")


def backend_options(args: argparse.Namespace) -> Any:
    from thaibench.backends import BackendOptions

    model_args = parse_kv(args.model_args, "--model-args")
    return BackendOptions(dtype=args.dtype, device=args.device, device_map=args.device_map,
                          batch_size=args.batch_size, model_args=model_args, revision=args.model_revision,
                          extra={k: getattr(args, k) for k in ("base_url", "api_key_env", "concurrency",
                                                              "timeout", "retries", "cache")
                                 if getattr(args, k, None) is not None})


def add_data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="local mirror of the datasets (default: $THAIBENCH_DATA_DIR, then the hub)")


def out_dir(args: argparse.Namespace) -> Path:
    return Path(args.out or os.environ.get("THAIBENCH_OUT", DEFAULT_OUT))


class RichHooks:
    """Rich progress bars for the pipeline's hooks (one bar per stage)."""

    def __init__(self, quiet: bool = False) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TimeRemainingColumn(), console=self.console,
                                 disable=quiet, transient=False)

    def __enter__(self) -> RichHooks:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def hooks(self) -> Any:
        from thaibench.run import Hooks

        return Hooks(start=lambda label, total: self.progress.add_task(label, total=total),
                     advance=lambda h, n: self.progress.advance(h, n),
                     done=lambda h: None)


def add_judge_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("judge (judged tasks such as mt_bench)")
    g.add_argument("--judge", help="judge model: openai:MODEL@URL or hf:PATH")
    g.add_argument("--judge-temperature", type=float, default=0.0)
    g.add_argument("--judge-max-tokens", type=int, default=2048)
    g.add_argument("--judge-attempts", type=int, default=3, help="attempts before a reply without a rating counts as unscorable")


def make_judge(args: argparse.Namespace) -> Any:
    if not getattr(args, "judge", None):
        return None
    from thaibench.judge import Judge, JudgeSettings, parse_judge_spec

    parse_judge_spec(args.judge)  # fail fast on a malformed spec
    if args.judge_attempts < 1:
        raise UserError("--judge-attempts must be at least 1")
    return Judge(args.judge, JudgeSettings(temperature=args.judge_temperature, max_tokens=args.judge_max_tokens,
                                           max_attempts=args.judge_attempts))
