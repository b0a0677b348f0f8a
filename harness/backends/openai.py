"""The `openai` backend: any OpenAI-compatible server (vLLM, SGLang, TGI, `transformers serve`,
a provider's API) through `/v1/chat/completions`, or `/v1/completions` for base models.

    thaibench score --backend openai --base-url http://localhost:8000/v1 Qwen/QwQ-32B --tasks math500

Requests run concurrently (`--concurrency`, default 8) in worker threads over one httpx
client; each has a timeout (`--timeout`, default 600 s: a reasoning answer can take minutes)
and is retried (`--retries`, default 3) with exponential backoff and jitter when the server is
down, times out, or answers 408/409/425/429/5xx (a `Retry-After` header is honoured). Other
statuses (400, 401, 404, 422) are not retried. A request that still fails becomes
`Generation(error="HTTP 500: <the server's message> (after 4 attempts)")`: never a wrong
answer, and the pipeline retries it on the next run of a cacheable candidate.

Reasoning trace: the server's `reasoning_content` (vLLM, SGLang, transformers serve) or
`reasoning` (OpenRouter, Ollama) field, else `<think>` tags in the text. `Generation.text` is
rebuilt as `<think>{reasoning}</think>{content}` so it reads like the raw completion of a local
backend. A trace that ran out of tokens (finish_reason "length", empty content) is unclosed:
no answer is taken from it.

Identity: a served model has no weight files, so its candidate id is the base URL (without
credentials) + model name + `--model-revision`. Only with a revision or `--cache` is the
candidate cacheable (re-runs reuse answers and fill the gaps left by errors). Otherwise the
candidate id includes a fresh session nonce, so every invocation makes a new run directory and
never reports another invocation's answers. The run record keeps the server's `/v1/models`
entry; each generation line keeps the reply's `model`, `id` and `system_fingerprint`.

API key: read from the environment variable named by `--api-key-env` (default
OPENAI_API_KEY) at request time; only the variable's name is recorded, and the key is masked in
any error text. `--model-args` keys other than `endpoint` (chat | completions) and
`max_tokens_field` (e.g. max_completion_tokens for OpenAI o-series models) are sent in the
request body as given (e.g. `reasoning_effort=high`, `min_p=0.05`) and are part of the run id.

Quirks: a server whose chat template opens `<think>` in the prompt and that has no reasoning
parser returns `trace</think>answer`; that is split correctly, but if such a trace runs out of
tokens it cannot be told from an answer. OpenAI's own API accepts at most 4 stop strings.
Greedy is `temperature: 0`; servers batch requests, so greedy answers can differ from a local
run in the last bits and, rarely, in a token.
"""

from __future__ import annotations

import os
import random
import secrets
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from thaibench.backends import Backend, BackendOptions, ProgressFn, backend
from thaibench.canonical import short_id
from thaibench.errors import UserError
from thaibench.reasoning import CLOSE, OPEN, Split, from_parts, split_reasoning
from thaibench.types import Generation, Messages, Request

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
DEFAULT_CONCURRENCY = 8
DEFAULT_TIMEOUT = 600.0
DEFAULT_RETRIES = 3
BACKOFF_CAP = 60.0
RETRY_AFTER_CAP = 120.0
RETRY_STATUS = frozenset({408, 409, 425, 429})
ENDPOINTS = {"chat": "/chat/completions", "completions": "/completions"}


def normalise_base_url(url: str) -> str:
    """`http://host:8000` -> `http://host:8000/v1`; a URL with a path is kept as given."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UserError(f"--base-url must look like http://host:port/v1, got {url!r}")
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def public_url(url: str) -> str:
    """The URL without `user:password@`, fit for records and messages."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def server_message(resp: Any) -> str:
    """The error text a server put in its reply (OpenAI, vLLM and FastAPI shapes), shortened."""
    try:
        data = resp.json()
    except ValueError:
        return resp.text.strip()[:300] or resp.reason_phrase
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data.get("message")))
        if isinstance(err, dict):
            err = err.get("message", err)
        if err:
            return str(err)[:300]
    return str(data)[:300]


def to_generation(content: str, reasoning: str | None, finish: str | None) -> Generation:
    """Text, trace and answer from a reply's content and optional separate reasoning field."""
    if reasoning and reasoning.strip():
        if finish == "length" and not content.strip():
            # The budget ran out inside the trace: there is no answer to score.
            return Generation(text=OPEN + reasoning, reasoning=reasoning.strip(), answer="",
                              think_closed=False, finish_reason=finish)
        sp: Split = from_parts(reasoning, content)
        text = content if (OPEN in content or CLOSE in content) else f"{OPEN}{reasoning}{CLOSE}{content}"
    else:
        sp, text = split_reasoning(content), content
    return Generation(text=text, reasoning=sp.reasoning, answer=sp.answer, think_closed=sp.think_closed,
                      finish_reason=finish)


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """Servers should cut at stop strings; cut again in case one did not."""
    cut = min((k for k in (text.find(s) for s in stops) if k >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


class _Failure(Exception):
    def __init__(self, message: str, retry: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.retry_after = retry_after


@backend("openai")
class OpenAIBackend(Backend):
    """An OpenAI-compatible HTTP server; the model argument is the served model name."""

    # One request's answer does not depend on the others sent with it, so a resumed run need
    # only send the missing ones (each request costs money on a provider's API).
    independent_requests = True

    def __init__(self, model: str, options: BackendOptions) -> None:
        super().__init__(model, options)
        extra = options.extra
        url = extra.get("base_url") or os.environ.get("OPENAI_BASE_URL")
        if not url:
            raise UserError("the openai backend needs --base-url (e.g. http://localhost:8000/v1) or $OPENAI_BASE_URL")
        self.base_url = normalise_base_url(url)
        self.key_env = extra.get("api_key_env") or DEFAULT_KEY_ENV
        if extra.get("api_key_env") and not os.environ.get(self.key_env):
            raise UserError(f"--api-key-env {self.key_env}: that environment variable is not set")
        self.concurrency = int(extra.get("concurrency") or DEFAULT_CONCURRENCY)
        self.timeout = float(extra.get("timeout") or DEFAULT_TIMEOUT)
        self.retries = int(extra["retries"]) if extra.get("retries") is not None else DEFAULT_RETRIES
        self.backoff = float(extra.get("backoff", 1.0))
        if self.concurrency < 1 or self.timeout <= 0 or self.retries < 0:
            raise UserError("--concurrency and --timeout must be positive and --retries at least 0")
        body = dict(options.model_args)
        self.endpoint = str(body.pop("endpoint", "chat"))
        if self.endpoint not in ENDPOINTS:
            raise UserError(f"--model-args endpoint={self.endpoint}: use chat or completions")
        self.tokens_field = str(body.pop("max_tokens_field", "max_tokens"))
        self.body_extra = body
        self.cacheable = bool(options.revision) or bool(extra.get("cache"))
        # A fresh nonce per invocation keeps uncached runs apart (see the module docstring).
        self.session = None if self.cacheable else secrets.token_hex(6)
        # The pipeline writes answers per batch: keep every worker busy within one.
        self.batch_size = max(options.batch_size, self.concurrency)
        self._client: Any = None
        self._server: dict[str, Any] | None = None
        self._lock = threading.Lock()

    # -- identity -------------------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        return {"name": "openai", "endpoint": self.endpoint, "max_tokens_field": self.tokens_field,
                "body": self.body_extra}

    def candidate(self) -> dict[str, Any]:
        parts = {"generator": "served", "base_url": public_url(self.base_url), "model": self.model,
                 "revision": self.options.revision, "session": self.session}
        return {"id": short_id(parts), "kind": "served", "name": self.model, **parts, "cacheable": self.cacheable}

    def info(self) -> dict[str, Any]:
        return {**self.identity(), "base_url": public_url(self.base_url), "model": self.model,
                "revision": self.options.revision, "api_key_env": self.key_env, "cacheable": self.cacheable,
                "session": self.session, "concurrency": self.concurrency, "timeout": self.timeout,
                "retries": self.retries, "server": self.server_report()}

    def server_report(self) -> dict[str, Any]:
        """The server's `/v1/models` entry for this model (or why it could not be read)."""
        if self._server is None:
            import httpx

            try:
                resp = self._http().get(self.base_url + "/models", headers=self._headers(),
                                        timeout=min(30.0, self.timeout))
            except httpx.HTTPError as exc:
                self._server = {"error": self._mask(f"cannot reach {public_url(self.base_url)}: {exc}")}
                return self._server
            if resp.status_code in (401, 403):
                raise UserError(f"{public_url(self.base_url)} refused the API key from ${self.key_env} "
                                f"(HTTP {resp.status_code}: {self._mask(server_message(resp))})")
            if resp.status_code != 200:
                self._server = {"error": f"HTTP {resp.status_code}: {self._mask(server_message(resp))}"}
                return self._server
            try:
                entries = resp.json().get("data") or []
            except (ValueError, AttributeError):
                entries = []
            entry = next((e for e in entries if isinstance(e, dict) and e.get("id") == self.model), None)
            self._server = {"model": entry, "listed": entry is not None, "n_models": len(entries)}
        return self._server

    # -- HTTP -----------------------------------------------------------------------------
    def _http(self) -> Any:
        with self._lock:
            if self._client is None:
                import httpx

                self._client = httpx.Client(
                    timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
                    limits=httpx.Limits(max_connections=self.concurrency,
                                        max_keepalive_connections=self.concurrency))
            return self._client

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.key_env)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _mask(self, text: str) -> str:
        key = os.environ.get(self.key_env)
        return text.replace(key, "***") if key else text

    def _messages(self, req: Request) -> Messages:
        msgs = list(req.messages)
        if req.config.system_prompt and not (msgs and msgs[0]["role"] == "system"):
            msgs = [{"role": "system", "content": req.config.system_prompt}, *msgs]
        return msgs

    def request_body(self, req: Request) -> dict[str, Any]:
        cfg = req.config
        body: dict[str, Any] = {"model": self.model, self.tokens_field: cfg.max_tokens,
                                "temperature": cfg.temperature, "seed": req.seed}
        if cfg.temperature > 0:
            body["top_p"] = cfg.top_p
            if cfg.top_k:
                body["top_k"] = cfg.top_k
        if cfg.stop:
            body["stop"] = list(cfg.stop)
        if self.endpoint == "chat":
            body["messages"] = self._messages(req)
            if cfg.chat_template_kwargs:
                body["chat_template_kwargs"] = dict(cfg.chat_template_kwargs)
        else:
            from thaibench.backends.hf import render_plain

            body["prompt"] = render_plain(self._messages(req))
        body.update(self.body_extra)
        return body

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        try:
            resp = self._http().post(self.base_url + ENDPOINTS[self.endpoint], json=body, headers=self._headers())
        except httpx.TimeoutException:
            raise _Failure(f"no answer within {self.timeout:g} s (--timeout)", True) from None
        except httpx.HTTPError as exc:
            raise _Failure(f"cannot reach {public_url(self.base_url)}: {exc or type(exc).__name__}", True) from None
        if resp.status_code != 200:
            retry = resp.status_code in RETRY_STATUS or resp.status_code >= 500
            after = resp.headers.get("retry-after")
            wait = float(after) if after and after.replace(".", "", 1).isdigit() else None
            raise _Failure(f"HTTP {resp.status_code}: {server_message(resp)}", retry, wait)
        try:
            data = resp.json()
        except ValueError:
            raise _Failure(f"reply is not JSON: {resp.text[:200]!r}", True) from None
        if not isinstance(data, dict) or not data.get("choices"):
            msg = server_message(resp) if isinstance(data, dict) and data.get("error") else "reply has no choices"
            raise _Failure(f"server error: {msg}", True)
        return data

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, RETRY_AFTER_CAP)
        cap = min(BACKOFF_CAP, self.backoff * 2 ** (attempt - 1))
        return random.uniform(cap / 2, cap)  # jitter spreads the retries of concurrent workers

    def complete(self, req: Request, stop: threading.Event | None = None) -> Generation:
        """One request with retries; failures come back as `Generation(error=...)`."""
        stop = stop or threading.Event()
        body = self.request_body(req)
        message, wait, attempts = "", None, 0
        for attempt in range(self.retries + 1):
            if attempt and stop.wait(self._delay(attempt, wait)):
                break
            attempts += 1
            try:
                return self.parse_reply(self._post(body), req)
            except _Failure as exc:
                message, wait = str(exc), exc.retry_after
                if not exc.retry:
                    break
            except (KeyError, IndexError, TypeError, AttributeError) as exc:
                message = f"unreadable reply ({type(exc).__name__}: {exc})"
                break
        noun = "attempt" if attempts == 1 else "attempts"
        return Generation(text="", finish_reason="error", error=self._mask(f"{message} (after {attempts} {noun})"))

    def parse_reply(self, data: dict[str, Any], req: Request) -> Generation:
        choice = data["choices"][0]
        finish = choice.get("finish_reason")
        if self.endpoint == "chat":
            msg = choice.get("message") or {}
            content = msg.get("content") or ""
            reasoning = msg.get("reasoning_content") or msg.get("reasoning")
            reasoning = reasoning if isinstance(reasoning, str) else None
        else:
            content, reasoning = choice.get("text") or "", None
        content, was_cut = cut_at_stop(content, req.config.stop)
        gen = to_generation(content, reasoning, "stop" if was_cut else finish)
        usage = data.get("usage") or {}
        gen.prompt_tokens = usage.get("prompt_tokens")
        gen.completion_tokens = usage.get("completion_tokens")
        gen.extra = {k: data[k] for k in ("model", "id", "system_fingerprint") if data.get(k)}
        details = usage.get("completion_tokens_details") or {}
        if details.get("reasoning_tokens") is not None:
            gen.extra["reasoning_tokens"] = details["reasoning_tokens"]
        return gen

    # -- generation -----------------------------------------------------------------------
    def generate(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Generation]:
        """All requests, at most `concurrency` in flight, results in request order."""
        results: list[Generation | None] = [None] * len(requests)
        stop = threading.Event()
        lock = threading.Lock()
        pending = iter(range(len(requests)))
        crashed: list[BaseException] = []

        def worker() -> None:
            while not stop.is_set():
                with lock:
                    i = next(pending, None)
                if i is None:
                    return
                try:
                    results[i] = self.complete(requests[i], stop)
                except BaseException as exc:  # a bug, not a server failure: stop and re-raise it
                    crashed.append(exc)
                    stop.set()
                    return
                if progress:
                    with lock:
                        progress(1)

        # Daemon threads: Ctrl-C returns at once instead of waiting out in-flight requests.
        threads = [threading.Thread(target=worker, daemon=True, name=f"thaibench-openai-{k}")
                   for k in range(min(self.concurrency, len(requests)))]
        for t in threads:
            t.start()
        try:
            for t in threads:
                t.join()
        finally:
            stop.set()
        if crashed:
            raise crashed[0]
        missing = [i for i, g in enumerate(results) if g is None]
        if missing:
            raise RuntimeError(f"openai backend: {len(missing)} requests got no result")
        return [g for g in results if g is not None]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
