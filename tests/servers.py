"""Local OpenAI-compatible servers for tests: a scripted one and a real `transformers serve`.

Reusable by any test that talks HTTP (the openai backend, LLM judges):

    from servers import ScriptedServer, chat_reply, error_reply, transformers_serve, build_scripted_model

    with ScriptedServer(models=["m"]) as srv:            # stdlib http.server in a thread
        srv.push(error_reply(500, "overloaded"), chat_reply("4", reasoning="2+2"))
        ...  # point a client at srv.base_url ("http://127.0.0.1:PORT/v1"); srv.requests holds bodies

    with transformers_serve() as url:                    # a real server (subprocess, CPU, offline)
        ...  # request {"model": "/path/to/checkpoint", ...}: it loads local directories on demand

`ScriptedServer` answers `/v1/chat/completions` and `/v1/completions` from a FIFO of scripted
`Reply`s (status, JSON body, delay, or a dropped connection), then from `handler(path, body)`
(default: an echo of the last user message); `GET /v1/models` lists `models` (or answers
`models_reply` when set). `build_scripted_model` writes a pico checkpoint
whose greedy output is a fixed reply (e.g. "<think>Add</think>The answer is 7" or a judge's
"[[8]]"), so a real server returns a known `reasoning_content`; see its docstring for how.
`transformers serve` needs `transformers[serving]` (fastapi, uvicorn, openai); the context
manager skips the test when they are missing. Start one per test module (about 10 s).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Reply:
    """One scripted answer: HTTP status and JSON body, after `delay` seconds; `drop` closes the
    connection without answering (a crashed server)."""

    status: int = 200
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def chat_reply(content: str, reasoning: str | None = None, finish_reason: str = "stop", *,
               model: str = "scripted", fingerprint: str | None = "fp-test",
               reasoning_field: str = "reasoning_content", delay: float = 0.0) -> Reply:
    """A `/v1/chat/completions` reply in OpenAI's shape (reasoning as vLLM returns it)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning is not None:
        message[reasoning_field] = reasoning
    body = {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}}
    if fingerprint:
        body["system_fingerprint"] = fingerprint
    return Reply(body=body, delay=delay)


def completion_reply(text: str, finish_reason: str = "stop", model: str = "scripted") -> Reply:
    """A `/v1/completions` reply."""
    return Reply(body={"id": "cmpl-test", "object": "text_completion", "model": model,
                       "choices": [{"index": 0, "text": text, "finish_reason": finish_reason}],
                       "usage": {"prompt_tokens": 5, "completion_tokens": 3}})


def error_reply(status: int, message: str, delay: float = 0.0, retry_after: float | None = None) -> Reply:
    """An error in OpenAI's shape: {"error": {"message": ...}}."""
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    return Reply(status=status, body={"error": {"message": message, "type": "server_error"}},
                 delay=delay, headers=headers)


def echo_handler(path: str, body: dict[str, Any]) -> Reply:
    """Default: answer with the last user message (chat) or the prompt's tail (completions)."""
    if "messages" in body:
        last = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        return chat_reply(f"echo: {last}")
    return completion_reply(f"echo: {str(body.get('prompt', ''))[-40:]}")


class ScriptedServer:
    """An OpenAI-compatible server in a thread. `push(*replies)` queues answers (used first, in
    order, by any endpoint); `requests` records (path, headers, body) of every POST."""

    def __init__(self, models: tuple[str, ...] | list[str] = ("scripted",),
                 handler: Callable[[str, dict[str, Any]], Reply] = echo_handler) -> None:
        self.models = list(models)
        self.handler = handler
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.models_reply: Reply | None = None  # set to answer GET /v1/models with an error
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def _next(self, path: str, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
        return self.handler(path, body)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                data = json.dumps(reply.body, ensure_ascii=False).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(OSError):  # the client may have given up (timeout test)
                    self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models") and server.models_reply is not None:
                    self._send(server.models_reply)
                elif self.path.rstrip("/").endswith("/models"):
                    data = [{"id": m, "object": "model", "owned_by": "test", "created": 0} for m in server.models]
                    self._send(Reply(body={"object": "list", "data": data}))
                else:
                    self._send(Reply(status=404, body={"error": {"message": f"no route {self.path}"}}))

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._send(Reply(status=400, body={"error": {"message": "body is not JSON"}}))
                    return
                with server._lock:
                    server.requests.append((self.path, dict(self.headers), body))
                self._send(server._next(self.path, body))

        return Handler

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def torch_threads(n: int = 1) -> Iterator[None]:
    """Run pico models with `n` torch threads, then restore: on a busy 2-core machine OpenMP
    threads spin-waiting for a core made a pico batch 20x slower than one thread."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def free_port() -> int:
    """A port nothing listens on (used for 'server down' tests and to start servers)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving_available() -> bool:
    from transformers.utils.import_utils import is_serve_available

    return bool(is_serve_available())


@contextlib.contextmanager
def transformers_serve(force_model: str | Path | None = None, start_timeout: float = 180.0,
                       threads: int = 1) -> Iterator[str]:
    """A real `transformers serve` on 127.0.0.1 (CPU, float32, offline); yields the base URL.

    Without `force_model` it loads whatever local directory a request names as `model`, so one
    server can serve several pico checkpoints. The server's log is shown if it fails to start.
    `threads` is its torch thread count: one is plenty for pico models, and more spin-wait
    against the test process for the same cores.
    """
    if not serving_available():
        pytest.skip("transformers serve needs `pip install 'transformers[serving]'`")
    port = free_port()
    cmd = [sys.executable, "-c", "from transformers.cli.transformers import main; main()", "serve",
           "--host", "127.0.0.1", "--port", str(port), "--device", "cpu", "--dtype", "float32"]
    if force_model is not None:
        cmd.insert(4, str(force_model))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": str(threads)}
    log = tempfile.NamedTemporaryFile(prefix="transformers-serve-", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, start_timeout, Path(log.name))
        yield url + "/v1"
    finally:
        proc.kill()  # it keeps no state worth a graceful shutdown (uvicorn's takes seconds)
        proc.wait(10)
        log.close()
        Path(log.name).unlink(missing_ok=True)


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"transformers serve exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"transformers serve did not start within {timeout:g} s:\n{log.read_text()[-3000:]}")


def build_scripted_model(out: Path, reply: str, arch: str = "qwen2", seed: int = 0) -> Path:
    """A pico checkpoint whose greedy answer to any chat prompt is `reply`, then end of turn.

    How: every layer's output projections are zeroed, so the last hidden state is the current
    token's embedding; the LM head then maps each token of the chain (the template's final
    "\\n" after `<|im_start|>assistant`, then the reply's tokens) to its successor. A bigram
    chain needs each token to have ONE successor: a reply that repeats a token (two "." say)
    is refused; pick another wording. Prompts rendered with `enable_thinking=False` end
    differently and get no scripted reply.
    """
    import torch
    from safetensors.torch import load_file, save_file
    from transformers import AutoTokenizer

    from thaibench.mini.pico import build_pico

    out = build_pico(Path(out), arch=arch, seed=seed)
    tok = AutoTokenizer.from_pretrained(out)
    prompt = tok.apply_chat_template([{"role": "user", "content": "x"}], tokenize=False, add_generation_prompt=True)
    start = tok(prompt, add_special_tokens=False)["input_ids"][-1]
    chain = [start, *tok(reply, add_special_tokens=False)["input_ids"], tok.convert_tokens_to_ids("<|im_end|>")]
    succ: dict[int, int] = {}
    for a, b in zip(chain, chain[1:], strict=False):
        if succ.setdefault(a, b) != b:
            raise ValueError(f"token {tok.convert_ids_to_tokens(a)!r} has two successors in {reply!r}; reword it")
    path = out / "model.safetensors"
    state = load_file(path)
    for name, w in state.items():
        if name.endswith(("o_proj.weight", "down_proj.weight")):
            state[name] = torch.zeros_like(w)
    emb = state["model.embed_tokens.weight"]
    head = torch.zeros_like(state["lm_head.weight"])
    for a, b in succ.items():
        head[b] += 10.0 * emb[a] / emb[a].norm()
    state["lm_head.weight"] = head
    save_file(state, path, metadata={"format": "pt"})
    (out / "thaibench_pico.json").write_text(json.dumps({"arch": arch, "seed": seed, "scripted_reply": reply}) + "\n")
    return out


# -- a tiny exact-match task for end-to-end runs through a server ------------------------------
ARITH_TASK = "served_arith"


def write_arith_data(root: Path, n: int = 12) -> Path:
    """`<root>/served_arith/{th,en}.jsonl`: "a + b" questions, aligned across languages."""
    d = Path(root) / ARITH_TASK
    d.mkdir(parents=True, exist_ok=True)
    for lang, word in (("th", "เท่ากับเท่าไร"), ("en", "equals what")):
        with (d / f"{lang}.jsonl").open("w", encoding="utf-8") as f:
            for i in range(n):
                f.write(json.dumps({"id": i, "q": f"{i} + {i + 1} {word}?", "a": str(2 * i + 1)},
                                   ensure_ascii=False) + "\n")
    return Path(root)


def register_arith_task() -> str:
    """Register `served_arith` (exact match on the answer after the trace; unscorable on errors)."""
    from thaibench.data import DataSource
    from thaibench.scorers import SCORERS, scorer
    from thaibench.task import TASKS, Task, register_task
    from thaibench.types import GenerationConfig, Sample, Score

    if "served_exact" not in SCORERS:
        @scorer("served_exact")
        def served_exact() -> Callable[[Any, Any], Score]:
            def score(sample: Any, gen: Any) -> Score:
                if gen.error:
                    return Score(float("nan"), explanation=gen.error)
                return Score(float(gen.answer.strip() == sample.target), gen.answer)
            return score

    def load(lang: str, row: dict[str, Any], index: int) -> Sample:
        return Sample(id=f"{lang}-{row['id']}", lang=lang, input=row["q"], target=row["a"],
                      metadata={"pair_id": f"p{row['id']}"})

    if ARITH_TASK not in TASKS:
        register_task(Task(
            name=ARITH_TASK, version="1", description="served backend test task",
            sources={lang: DataSource(local=f"{ARITH_TASK}/{lang}.jsonl") for lang in ("th", "en")},
            load=load, prompt=lambda s: [{"role": "user", "content": s.input}],
            scorers=(("served_exact", {}),), generation=GenerationConfig(max_tokens=16),
            language_scorers=False))
    return ARITH_TASK
