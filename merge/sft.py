"""SFT as a candidate generator: fine-tune a parent on SFT data (LoRA or full) with TRL.

The recipe's first stage (Pipatanakul et al. 2025, arXiv:2502.09056): supervised fine-tuning
of the language model on bilingual reasoning data before it is merged with the reasoning
model. Built on TRL's SFTTrainer (Apache-2.0) with PEFT LoRA, or full fine-tuning.

The trace really is trained: examples are tokenised by thaibench.sftdata.encode (prompt as
the template renders it for generation, masked; the assistant text with its `<think>` trace,
labelled), and handed to SFTTrainer as `input_ids` + `labels`, so neither an R1-style template
that strips traces from assistant turns nor TRL's `{% generation %}`-marker requirement can
drop it. The training config is data (YAML/JSON; `TrainConfig`), part of the candidate id.

Output (`build(spec, out, data=...)`): a checkpoint with LoRA merged (default) or the adapter
kept (`lora.merge: false`, with adapter_config.json naming the base), the tokenizer with the
chat template used, `train_log.jsonl` (loss per optimiser step), `sft_config.json`, a copy of
the data card, and candidate.json (spec + lineage: base model id, data sha256 and card digest,
training config, losses). An output whose candidate.json carries the same id is not
retrained.

Multi-GPU / multi-node: the trainer is HF Trainer underneath, so the usual launchers work:
    torchrun --nproc_per_node 8 -m thaibench sft train.yaml out/sft
    accelerate launch --multi_gpu --num_processes 8 -m thaibench sft train.yaml out/sft
    accelerate launch --config_file fsdp.yaml -m thaibench sft train.yaml out/sft     (FSDP)
    trainer: {deepspeed: ds_zero3.json} in train.yaml, then torchrun as above        (DeepSpeed)
`optim.batch_size` is per device: the global batch is batch_size x grad_accum x processes.
On CPU, `torchrun --nproc_per_node 2` runs two gloo processes (`accelerate launch --cpu`
silently runs one). Only rank 0 writes the checkpoint.

Example:
    gen = GENERATORS.get("sft")
    spec, = gen.specs(base="./mini-th", data="out/data/data.jsonl", config={"optim": {"max_steps": 50}})
    cand = gen.build(spec, Path("out/sft"), data="out/data/data.jsonl")
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from thaibench.candidates import GENERATORS, Candidate, CandidateSpec, resolve_spec
from thaibench.errors import UserError

Log = Callable[[str], None]
TRAIN_LOG = "train_log.jsonl"
CONFIG_FILE = "sft_config.json"


@dataclass(frozen=True)
class Optim:
    lr: float = 1e-4
    epochs: float = 1.0
    max_steps: int = -1          # > 0 overrides epochs
    batch_size: int = 8          # per device
    grad_accum: int = 1
    warmup: float = 0.0          # < 1: share of the steps; >= 1: steps
    scheduler: str = "cosine"
    weight_decay: float = 0.0
    seed: int = 0


@dataclass(frozen=True)
class Lora:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.0
    target_modules: tuple[str, ...] | str = ("q_proj", "k_proj", "v_proj", "o_proj")
    merge: bool = True           # False keeps the adapter (a LoRA candidate on its base)


@dataclass(frozen=True)
class TrainConfig:
    optim: Optim = field(default_factory=Optim)
    lora: Lora | None = field(default_factory=Lora)   # None: full fine-tuning
    max_length: int = 4096
    dtype: str = "float32"
    chat_template: str | None = None
    template_kwargs: dict[str, Any] = field(default_factory=dict)
    threads: int | None = None
    trainer: dict[str, Any] = field(default_factory=dict)  # any other trl.SFTConfig argument

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.lora is not None and isinstance(self.lora.target_modules, tuple):
            d["lora"]["target_modules"] = list(self.lora.target_modules)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> TrainConfig:
        d = dict(d or {})
        _unknown(d, cls, "training config")
        optim = d.pop("optim", None) or {}
        _unknown(optim, Optim, "optim")
        lora: Any = d.pop("lora", {})
        if lora not in (None, False, "none", "full"):
            lora = dict(lora or {})
            _unknown(lora, Lora, "lora")
            tm = lora.get("target_modules")
            if isinstance(tm, list):
                lora["target_modules"] = tuple(tm)
            lora = Lora(**lora)
        else:
            lora = None
        return cls(optim=Optim(**optim), lora=lora, **d)


def _unknown(d: dict[str, Any], cls: type, where: str) -> None:
    allowed = {f.name for f in fields(cls)}
    bad = set(d) - allowed
    if bad:
        raise UserError(f"{where}: unknown keys {sorted(bad)}; allowed: {', '.join(sorted(allowed))}")


def load_train_file(path: Path) -> tuple[TrainConfig, dict[str, Any]]:
    """(config, extras): a YAML/JSON training file; `base:` and `data:` go to extras."""
    import yaml

    p = Path(path)
    try:
        d = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise UserError(f"no training config at {p}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
    extras = {k: d.pop(k) for k in ("base", "data") if k in d}
    if isinstance(extras.get("data"), str) and not Path(extras["data"]).is_absolute():
        extras["data"] = str((p.parent / extras["data"]).resolve())
    cfg = TrainConfig.from_dict(d)
    if cfg.chat_template and cfg.chat_template.endswith(".jinja") and not Path(cfg.chat_template).is_absolute():
        cfg = replace(cfg, chat_template=str((p.parent / cfg.chat_template).resolve()))
    return cfg, extras


def data_identity(data: Path) -> dict[str, Any]:
    """{sha256, rows, card}: what the candidate id records about the SFT data file."""
    from thaibench.sftdata.build import file_sha256
    from thaibench.sftdata.card import read_card

    p = Path(data)
    f = p / "data.jsonl" if p.is_dir() else p
    if not f.is_file():
        raise UserError(f"no SFT data at {f} (build it with `thaibench sft data CONFIG OUT`)")
    card = read_card(f.parent)
    sha = file_sha256(f)
    with f.open(encoding="utf-8") as fh:
        rows = sum(1 for line in fh if line.strip())
    return {"sha256": sha, "rows": rows,
            "card": card.get("digest") if card and card.get("data_sha256") == sha else None}


def _is_rank0() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


class SFTGenerator:
    name = "sft"
    paper = "https://arxiv.org/abs/2502.09056"

    def specs(self, *, base: str | list[str], data: str | Path, config: Any = None) -> list[CandidateSpec]:
        """One spec per (base, config) alternative; `config` is a dict, TrainConfig or a list of them."""
        bases = [base] if isinstance(base, (str, Path)) else list(base)
        configs = config if isinstance(config, list) else [config]
        ident = data_identity(Path(data))
        # The process count changes the global batch (batch_size is per device), so it is part
        # of the id; a launcher sets WORLD_SIZE before this runs in every process.
        procs = int(os.environ.get("WORLD_SIZE", "1"))
        out = []
        for b in bases:
            for c in configs:
                cfg = c if isinstance(c, TrainConfig) else TrainConfig.from_dict(c)
                out.append(CandidateSpec("sft", (str(b),), {"train": cfg.to_dict(), "data": ident,
                                                             "processes": procs}))
        return out

    def build(self, spec: CandidateSpec, out: Path, *, data: str | Path | None = None,
              log: Log | None = None) -> Candidate:
        from thaibench.candidates import parent_spec
        from thaibench.merge.sources import locate

        log = log or print
        out = Path(out)
        resolved = resolve_spec(spec)
        if (out / "candidate.json").exists():
            have = Candidate.read(out)
            if have.id == resolved.id:
                log(f"sft candidate {have.id} already built in {out}")
                return have
            raise UserError(f"{out} holds candidate {have.id}, not {resolved.id}; choose another directory")
        if data is None:
            raise UserError("sft build needs data=PATH (the SFT data whose sha256 the spec records)")
        ident = data_identity(Path(data))
        if ident["sha256"] != spec.params["data"]["sha256"]:
            raise UserError(f"{data} is not the data this spec was made for (sha256 differs)")
        cfg = TrainConfig.from_dict(spec.params["train"])
        base_ref = spec.parents[0]
        base = locate(base_ref)
        stats = train(base, Path(data), cfg, out, log)
        if not _is_rank0():
            return Candidate(resolved.id, resolved, out)
        from thaibench.identity import checkpoint_id

        lineage = {"method": "sft", "paper": self.paper,
                   "parents": [{"id": parent_spec(base_ref).id, "ref": base_ref, "role": "base"}],
                   "base_model": base_ref, "data": ident, "train": cfg.to_dict(),
                   "checkpoint_id": checkpoint_id(out) if not stats["adapter"] else None, **stats}
        cand = Candidate(resolved.id, resolved, out, lineage, cfg.dtype)
        cand.write(out)
        return cand


def _encode_rows(tok: Any, rows: list[dict[str, Any]], cfg: TrainConfig) -> tuple[list[dict[str, Any]], Counter]:
    from thaibench.sftdata.encode import encode_chat
    from thaibench.sftdata.rows import Skip

    skipped: Counter = Counter()
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r.get("messages"), list):
            raise UserError(f"SFT data row {i + 1} has no `messages` list (was the file built by `thaibench sft data`?)")
        try:
            enc = encode_chat(tok, r["messages"], cfg.max_length, cfg.template_kwargs)
        except Skip as s:
            skipped[s.reason] += 1
            continue
        out.append({"input_ids": enc.input_ids, "labels": enc.labels})
    return out, skipped


def _tokenizer(base: Path, cfg: TrainConfig) -> Any:
    from transformers import AutoTokenizer

    from thaibench.sftdata.encode import require_template

    tok = AutoTokenizer.from_pretrained(base)
    if cfg.chat_template:
        p = Path(cfg.chat_template)
        tok.chat_template = p.read_text(encoding="utf-8") if p.suffix == ".jinja" and p.is_file() else cfg.chat_template
    require_template(tok, f"the tokenizer of {base}")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def check_lora_targets(model: Any, lora: Lora) -> None:
    """A LoRA target that matches no module is a one-line error listing the linear modules."""
    import torch

    if isinstance(lora.target_modules, str):
        return  # "all-linear" or a regex: PEFT resolves it
    names = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    suffixes = sorted({n.rsplit(".", 1)[-1] for n in names})
    missing = [t for t in lora.target_modules if not any(n == t or n.endswith("." + t) for n in names)]
    if missing:
        raise UserError(f"LoRA target_modules {missing} match no linear module of this model; "
                        f"its linear modules are: {', '.join(suffixes)} (or use all-linear)")


def train(base: Path, data: Path, cfg: TrainConfig, out: Path, log: Log) -> dict[str, Any]:
    """Fine-tune `base` on `data`, write the checkpoint to `out` (rank 0); return training stats."""
    with warnings.catch_warnings():
        # TRL 1.16 uses transformers' renamed gradient-checkpointing names itself: not the user's to fix.
        warnings.filterwarnings("ignore", message=r".*gradient_checkpointing\S* is deprecated", category=FutureWarning)
        return _train(base, data, cfg, out, log)


def _train(base: Path, data: Path, cfg: TrainConfig, out: Path, log: Log) -> dict[str, Any]:
    import datasets
    import huggingface_hub.utils as hf_hub_utils
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, PrinterCallback
    from transformers.utils import logging as hf_logging
    from trl import SFTConfig, SFTTrainer

    from thaibench.sftdata.build import read_data

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    hf_logging.disable_progress_bar()
    datasets.disable_progress_bars()
    hf_hub_utils.disable_progress_bars()
    t0 = time.perf_counter()
    tok = _tokenizer(base, cfg)
    rows, skipped = _encode_rows(tok, read_data(data), cfg)
    if not rows:
        raise UserError(f"no trainable rows in {data} (skipped: {dict(skipped)})")
    log(f"sft: {len(rows)} examples ({dict(skipped) or 'none'} skipped), base {base}")
    dtype = getattr(torch, cfg.dtype)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
    peft_config = None
    if cfg.lora is not None:
        from peft import LoraConfig

        check_lora_targets(model, cfg.lora)
        tm = cfg.lora.target_modules
        peft_config = LoraConfig(r=cfg.lora.r, lora_alpha=cfg.lora.alpha, lora_dropout=cfg.lora.dropout,
                                 target_modules=list(tm) if isinstance(tm, tuple) else tm, task_type="CAUSAL_LM")
    o = cfg.optim
    cpu = not torch.cuda.is_available()
    args = dict(output_dir=str(out / ".trainer"), per_device_train_batch_size=o.batch_size,
                gradient_accumulation_steps=o.grad_accum, learning_rate=o.lr, num_train_epochs=o.epochs,
                max_steps=o.max_steps, warmup_steps=o.warmup, lr_scheduler_type=o.scheduler,
                weight_decay=o.weight_decay, seed=o.seed, data_seed=o.seed, logging_steps=1,
                save_strategy="no", report_to="none", max_length=cfg.max_length, use_cpu=cpu,
                bf16=cfg.dtype == "bfloat16" and not cpu, fp16=cfg.dtype == "float16" and not cpu,
                dataloader_num_workers=0, disable_tqdm=True)
    if cpu and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        args["ddp_backend"] = "gloo"
    args.update(cfg.trainer)
    trainer = SFTTrainer(model=model, args=SFTConfig(**args), train_dataset=Dataset.from_list(rows),
                         processing_class=tok, peft_config=peft_config)
    trainer.remove_callback(PrinterCallback)  # the loss curve goes to train_log.jsonl instead
    result = trainer.train()
    losses = [{"step": h["step"], "loss": h["loss"], "lr": h.get("learning_rate")}
              for h in trainer.state.log_history if "loss" in h]
    adapter = cfg.lora is not None and not cfg.lora.merge
    _save(trainer, tok, base, out, cfg, dtype)
    stats = {"examples": len(rows), "skipped": dict(skipped), "steps": trainer.state.global_step,
             "final_loss": losses[-1]["loss"] if losses else None, "train_loss": result.training_loss,
             "seconds": round(time.perf_counter() - t0, 2), "world_size": trainer.args.world_size,
             "adapter": adapter, "train_log": TRAIN_LOG}
    if _is_rank0():
        with (out / TRAIN_LOG).open("w", encoding="utf-8") as f:
            for rec in losses:
                f.write(json.dumps(rec) + "\n")
        (out / CONFIG_FILE).write_text(json.dumps(cfg.to_dict(), ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
        card = Path(data).parent / "card.json" if Path(data).is_file() else Path(data) / "card.json"
        if card.is_file():
            (out / "data_card.json").write_text(card.read_text(encoding="utf-8"), encoding="utf-8")
    return stats


def _save(trainer: Any, tok: Any, base: Path, out: Path, cfg: TrainConfig, dtype: Any) -> None:
    """Rank 0 writes one checkpoint; LoRA is merged from the saved adapter (works under FSDP too)."""
    import shutil

    merge = cfg.lora is not None and cfg.lora.merge
    target = out / ".adapter" if merge else out
    trainer.save_model(str(target))  # gathers sharded weights; writes on the main process only
    trainer.accelerator.wait_for_everyone()
    if _is_rank0():
        if merge:
            from peft import PeftModel
            from transformers import AutoModelForCausalLM

            model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
            merged = PeftModel.from_pretrained(model, str(target)).merge_and_unload()
            merged.save_pretrained(out, safe_serialization=True)
            shutil.rmtree(target, ignore_errors=True)
        elif cfg.lora is not None:
            _point_adapter_at(out, base)
        tok.save_pretrained(out)
        shutil.rmtree(out / ".trainer", ignore_errors=True)
    trainer.accelerator.wait_for_everyone()


def _point_adapter_at(out: Path, base: Path) -> None:
    cfg_path = out / "adapter_config.json"
    d = json.loads(cfg_path.read_text())
    d["base_model_name_or_path"] = str(Path(base).resolve()) if Path(base).exists() else str(base)
    cfg_path.write_text(json.dumps(d, indent=2) + "\n")


GENERATORS.register("sft", SFTGenerator())
