"""The `hf` backend: transformers `generate`, batched with left padding, on CPU or GPU.

Model references: a local directory, a PEFT adapter directory (loaded onto the base named in
its adapter_config.json, or `--model-args base=PATH`), or a Hugging Face id (resolved to the
local snapshot; offline, only what is already in the HF cache). The candidate id is the content
digest of the files (see thaibench.identity), never the path.

Prompts go through the tokenizer's chat template. A model without one gets a documented plain
prompt (PLAIN_PROMPT below) and the run record says so. Batches are formed by the caller from a
fixed plan, so greedy results do not depend on interruption. dtype "auto" is float32 on CPU
(bf16 matmul is ~50x slower on CPUs without AMX) and bfloat16 on GPU.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from thaibench.backends import Backend, ProgressFn, backend
from thaibench.canonical import short_id
from thaibench.errors import UserError
from thaibench.identity import checkpoint_digest
from thaibench.types import Generation, GenerationConfig, Messages, Request

PLAIN_PROMPT = "{system}{turns}Assistant:"  # turns: "User: ...\n\nAssistant: ...\n\n"


def render_plain(messages: Messages) -> str:
    """The prompt used for models without a chat template."""
    system = ""
    turns = []
    for m in messages:
        if m["role"] == "system":
            system = m["content"].strip() + "\n\n"
        elif m["role"] == "user":
            turns.append(f"User: {m['content'].strip()}\n\n")
        else:
            turns.append(f"Assistant: {m['content'].strip()}\n\n")
    return PLAIN_PROMPT.format(system=system, turns="".join(turns))


def resolve_model_path(model: str, revision: str | None = None) -> Path:
    """A local directory as is; otherwise a hub id resolved to its local snapshot."""
    p = Path(model).expanduser()
    if p.exists():
        if not p.is_dir():
            raise UserError(f"model path is not a directory: {p}")
        return p
    if model.startswith((".", "/", "~")) or model.count("/") != 1:
        raise UserError(f"model directory not found: {model}")
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, revision=revision))
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise UserError(f"model {model!r} is not a local directory and could not be fetched from the "
                        f"Hugging Face Hub ({first}); pass a local path or go online") from None


def adapter_base(path: Path, model_args: dict[str, Any]) -> str | None:
    cfg_path = path / "adapter_config.json"
    if not cfg_path.exists():
        return None
    base = model_args.get("base") or json.loads(cfg_path.read_text()).get("base_model_name_or_path")
    if not base:
        raise UserError(f"adapter {path} names no base model; pass --model-args base=PATH")
    return str(base)


@backend("hf")
class HFBackend(Backend):
    """transformers AutoModelForCausalLM with batched `generate`."""

    def __init__(self, model: str, options: Any) -> None:
        super().__init__(model, options)
        self.path = resolve_model_path(model, options.revision)
        if not (self.path / "config.json").exists() and not (self.path / "adapter_config.json").exists():
            raise UserError(f"not a model directory (no config.json): {self.path}")
        self.base = adapter_base(self.path, options.model_args)
        self.batch_size = options.batch_size
        self._model: Any = None
        self._tok: Any = None
        self._candidate: dict[str, Any] | None = None

    # -- identity (no model load) -------------------------------------------------------
    def _torch_device(self) -> str:
        if self.options.device:
            return self.options.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    def _dtype_name(self) -> str:
        if self.options.dtype != "auto":
            return self.options.dtype
        return "float32" if self._torch_device() == "cpu" else "bfloat16"

    def identity(self) -> dict[str, Any]:
        import torch
        import transformers

        args = {k: v for k, v in self.options.model_args.items() if k != "base"}
        return {"name": "hf", "transformers": transformers.__version__, "torch": torch.__version__,
                "dtype": self._dtype_name(), "model_args": args}

    def candidate(self) -> dict[str, Any]:
        if self._candidate is None:
            digest = checkpoint_digest(self.path)
            parts: dict[str, Any] = {"generator": "checkpoint", "digest": digest}
            if self.base:
                parts["base"] = checkpoint_digest(resolve_model_path(self.base))
            self._candidate = {"id": short_id(parts), "kind": "checkpoint", "name": self.model,
                               "path": str(self.path), "digest": digest, "base": self.base,
                               "cacheable": True}
        return self._candidate

    def info(self) -> dict[str, Any]:
        info = self.identity()
        info.update(device=self._torch_device(), device_map=self.options.device_map,
                    batch_size=self.batch_size)
        self._load_tokenizer()  # cheap; the record must say whether the plain prompt was used
        info["chat_template"] = "model" if self._tok.chat_template else "none (plain prompt)"
        return info

    # -- loading ------------------------------------------------------------------------
    def _load(self) -> None:
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # our own progress bars say what is happening
        dtype = getattr(torch, self._dtype_name())
        kwargs: dict[str, Any] = {k: v for k, v in self.options.model_args.items() if k != "base"}
        kwargs.setdefault("dtype", dtype)
        if self.options.device_map:
            kwargs["device_map"] = self.options.device_map
        src = self.base or str(self.path)
        try:
            tok_src = self.path if (self.path / "tokenizer_config.json").exists() else src
            self._tok = AutoTokenizer.from_pretrained(tok_src)
            model = AutoModelForCausalLM.from_pretrained(src, **kwargs)
            if self.base:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, str(self.path))
        except UserError:
            raise
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise UserError(f"cannot load model from {self.path}: {first}") from None
        if not self.options.device_map:
            model.to(self._torch_device())
        model.eval()
        self._tok.padding_side = "left"
        if self._tok.pad_token is None:
            self._tok.pad_token = self._tok.eos_token
        self._model = model

    # -- prompts ------------------------------------------------------------------------
    def _messages(self, req: Request) -> Messages:
        msgs = list(req.messages)
        if req.config.system_prompt and not (msgs and msgs[0]["role"] == "system"):
            msgs = [{"role": "system", "content": req.config.system_prompt}, *msgs]
        return msgs

    def render(self, req: Request) -> str:
        self._load_tokenizer()
        msgs = self._messages(req)
        if not self._tok.chat_template:
            return render_plain(msgs)
        return self._tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True,
                                             **dict(req.config.chat_template_kwargs))

    def _load_tokenizer(self) -> None:
        if self._tok is None:
            from transformers import AutoTokenizer

            try:
                tok_src = self.path if (self.path / "tokenizer_config.json").exists() else (self.base or self.path)
                self._tok = AutoTokenizer.from_pretrained(tok_src)
            except Exception as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
                raise UserError(f"cannot load tokenizer from {self.path}: {first}") from None

    def opens_think_in_prompt(self, messages: Messages, config: GenerationConfig) -> bool:
        rendered = self.render(Request(messages, config, 0))
        return rendered.rstrip().endswith("<think>")

    # -- generation ---------------------------------------------------------------------
    def generate(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Generation]:
        out: list[Generation] = []
        for i in range(0, len(requests), self.batch_size):
            chunk = requests[i:i + self.batch_size]
            out.extend(self._generate_batch(chunk))
            if progress:
                progress(len(chunk))
        return out

    def _generate_batch(self, requests: Sequence[Request]) -> list[Generation]:
        import torch

        self._load()
        tok, model = self._tok, self._model
        cfg = requests[0].config
        if any(r.config != cfg for r in requests):
            raise ValueError("one batch must share one generation config")
        prompts = [self.render(r) for r in requests]
        plain = not tok.chat_template
        enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=plain)
        device = next(model.parameters()).device
        enc = {k: v.to(device) for k, v in enc.items()}
        eos = model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if tok.eos_token_id is not None:
            eos_ids.add(tok.eos_token_id)
        kwargs: dict[str, Any] = dict(max_new_tokens=cfg.max_tokens, pad_token_id=tok.pad_token_id,
                                      eos_token_id=sorted(eos_ids) or None)
        if cfg.temperature > 0:
            kwargs.update(do_sample=True, temperature=cfg.temperature, top_p=cfg.top_p)
            if cfg.top_k:
                kwargs["top_k"] = cfg.top_k
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if cfg.stop:
            kwargs.update(stop_strings=list(cfg.stop), tokenizer=tok)
        torch.manual_seed(requests[0].seed)
        with torch.inference_mode():
            gen = model.generate(**enc, **kwargs)
        new = gen[:, enc["input_ids"].shape[1]:].tolist()
        prompt_lens = enc["attention_mask"].sum(dim=1).tolist()
        results = []
        for ids, plen in zip(new, prompt_lens, strict=True):
            results.append(self._finish(ids, int(plen), eos_ids, cfg))
        return results

    def _finish(self, ids: list[int], prompt_len: int, eos_ids: set[int], cfg: GenerationConfig) -> Generation:
        finish = "length"
        cut = len(ids)
        for j, t in enumerate(ids):
            if t in eos_ids:
                cut, finish = j + 1, "stop"
                break
        ids = ids[:cut]
        # A sequence stopped by a stop string is padded to the batch's length: drop the pads.
        pad = self._tok.pad_token_id
        while ids and pad not in eos_ids and ids[-1] == pad:
            ids = ids[:-1]
        text = self._tok.decode(ids, skip_special_tokens=True)
        for s in cfg.stop:
            k = text.find(s)
            if k >= 0:
                text, finish = text[:k], "stop"
        return Generation(text=text, finish_reason=finish, prompt_tokens=prompt_len, completion_tokens=len(ids))

    # -- log-likelihood (multiple-choice tasks) ----------------------------------------
    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        """(sum of log-probabilities of `continuation` after `context`, whether greedy decoding
        would produce exactly it) per pair, in request order.

        The same numbers as lm-eval's HF model (HFLM): the same tokenisation (the context's
        trailing spaces move to the continuation; the continuation's tokens are what encoding
        context + continuation adds; the tokenizer's own special tokens unless the text starts
        with the prefix token; an empty context is the BOS, else EOS, token), left truncation to
        the model's length, right padding without a mask (harmless for a causal model), the
        longest inputs first, and `log_softmax` in the model's dtype. Pairs whose model input is
        the same (one-token answers to one context) share a forward pass.
        """
        import torch
        import torch.nn.functional as F

        self._load()
        model = self._model
        max_len = self._max_length()
        encoded = [self._encode_pair(c, x) for c, x in requests]
        inputs: dict[tuple[int, ...], list[int]] = {}
        for i, (ctx, cont) in enumerate(encoded):
            if not cont:
                raise UserError(f"empty continuation after tokenisation: {requests[i][1]!r}")
            key = tuple((ctx + cont)[-(max_len + 1):][:-1])
            inputs.setdefault(key, []).append(i)
        # Longest first (as HFLM), ties by token ids, so batches are fixed for any request order.
        order = sorted(inputs, key=lambda k: (-len(k), k))
        out: list[tuple[float, bool] | None] = [None] * len(requests)
        device = next(model.parameters()).device
        pad = 0
        for b in range(0, len(order), self.batch_size):
            keys = order[b:b + self.batch_size]
            width = len(keys[0])
            batch = torch.tensor([list(k) + [pad] * (width - len(k)) for k in keys], device=device)
            with torch.inference_mode():
                logp = F.log_softmax(model(batch).logits, dim=-1)
            for row, key in zip(logp, keys, strict=True):
                for i in inputs[key]:
                    cont = encoded[i][1]
                    picked = row[len(key) - len(cont):len(key)]
                    target = torch.tensor(cont, device=device)
                    greedy = bool((picked.argmax(dim=-1) == target).all())
                    out[i] = (float(picked.gather(1, target.unsqueeze(-1)).sum()), greedy)
        return [r for r in out if r is not None]

    def _max_length(self) -> int:
        """The context length HFLM uses: the config's, else the tokenizer's, else 2048."""
        cfg = getattr(self._model.config, "text_config", None) or self._model.config
        for attr in ("n_positions", "max_position_embeddings", "n_ctx"):
            if getattr(cfg, attr, None) is not None:
                return int(getattr(cfg, attr))
        n = getattr(self._tok, "model_max_length", None)
        return int(n) if n is not None and n < int(1e30) else 2048

    def _prefix_token_id(self) -> int:
        return self._tok.bos_token_id if self._tok.bos_token_id is not None else self._tok.eos_token_id

    def _encode(self, text: str, special: bool | None = None) -> list[int]:
        if special is None:
            special = not text.startswith(self._tok.decode(self._prefix_token_id()))
            kwargs = {} if special else {"add_special_tokens": False}
        else:
            kwargs = {"add_special_tokens": special}
        return list(self._tok.encode(text, **kwargs))

    def _encode_pair(self, context: str, continuation: str) -> tuple[list[int], list[int]]:
        if not context:
            cont = self._encode(continuation, special=False)
            prefix = self._prefix_token_id()
            return ([prefix], cont) if not cont or cont[0] != prefix else (cont[:1], cont[1:])
        n_spaces = len(context) - len(context.rstrip())
        if n_spaces:
            continuation = context[-n_spaces:] + continuation
            context = context[:-n_spaces]
        whole = self._encode(context + continuation)
        ctx = self._encode(context)
        return ctx, whole[len(ctx):]

    def close(self) -> None:
        self._model = None
