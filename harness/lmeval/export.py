"""Write thaibench's tasks as an lm-eval task folder (`thaibench lm-eval export --out DIR`).

One YAML per task and language (`thaibench_<task>_<lang>`, e.g. `thaibench_mgsm_th`), the
groups `thaibench_th` / `thaibench_en` (the generative tasks of that language, to run with
`--apply_chat_template`) and `thaibench_th_mc` (the log-likelihood tasks, to run without it),
the tag `thaibench` (all of them), and a `utils.py` whose functions are thaibench's (hooks.py):

- documents: `custom_dataset: !function utils.load_docs` with the task and language in
  `dataset_kwargs`, so lm-eval reads exactly the samples `thaibench score` reads, through the
  same loader (hub id, or the mirror in THAIBENCH_DATA_DIR / `--data-dir` given at export);
- generative tasks: `output_type: generate_until`, the prompt as the user turn and the task's
  system message as `description`; `generation_kwargs` are the task's defaults (token budget,
  temperature, stop strings; `until: []` means "stop at end of sequence only", as thaibench);
- multiple-choice tasks (`*_mc`): `output_type: multiple_choice`, the log-likelihood context and
  the choice letters lm-eval prefixes with its `target_delimiter` " ";
- scoring: `process_results: !function utils.process_results` runs the task's scorers and the
  language scorers; one `metric_list` entry per reported value, aggregated by thaibench's metric.

Not exported (the reason is printed): judged tasks (MT-Bench needs a judge model) and
multi-turn tasks (lm-eval's generate_until is one turn). Example YAML:

    task: thaibench_mgsm_th
    custom_dataset: !function utils.load_docs
    dataset_kwargs: {"thaibench_task": "mgsm", "thaibench_lang": "th"}
    output_type: generate_until
    doc_to_text: prompt
    generation_kwargs: {"until": [], "max_gen_toks": 4096, "do_sample": false, "temperature": 0.0}
    process_results: !function utils.process_results
    metric_list:
      - {metric: math_equiv, aggregation: !function utils.agg_math_equiv__mean__math_equiv, ...}
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thaibench import __version__
from thaibench.errors import UserError

TAG = "thaibench"
LOWER_IS_BETTER = {"code_switch_rate"}


def yaml_name(task: str, lang: str) -> str:
    return f"thaibench_{task}_{lang}"


def skip_reason(task: Any) -> str | None:
    if task.judge_requests is not None:
        return "judged by a model (no judge inside lm-eval)"
    if task.multi_turn:
        return "multi-turn (lm-eval's generate_until is one turn)"
    if task.output_type not in ("generate", "multiple_choice"):
        return f"output type {task.output_type!r}"
    return None


@dataclass
class Exported:
    out: Path
    tasks: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)


def _j(value: Any) -> str:
    """A YAML flow value (JSON is valid YAML flow syntax; Thai stays readable)."""
    return json.dumps(value, ensure_ascii=False)


def _agg_fn(scorer: str, metric: str, name: str) -> str:
    return re.sub(r"\W", "_", f"agg_{scorer}__{metric}__{name}")


def generation_kwargs(task: Any) -> dict[str, Any]:
    g = task.generation
    kw: dict[str, Any] = {"until": list(g.stop), "max_gen_toks": g.max_tokens,
                          "do_sample": g.temperature > 0, "temperature": float(g.temperature)}
    if g.temperature > 0:
        kw["top_p"] = g.top_p
        if g.top_k:
            kw["top_k"] = g.top_k
    return kw


def task_yaml(task: Any, lang: str, metrics: dict[str, list[tuple[str, str]]], data_dir: str | None) -> str:
    kwargs: dict[str, Any] = {"thaibench_task": task.name, "thaibench_lang": lang}
    if data_dir:
        kwargs["thaibench_data_dir"] = str(Path(data_dir).expanduser().resolve())  # lm-eval runs elsewhere
    lines = [
        f"# {task.description}",
        f"# Exported by thaibench {__version__} from task {task.name} v{task.version}; documents and",
        "# scores come from thaibench (utils.py). Regenerate with `thaibench lm-eval export`.",
        f"task: {yaml_name(task.name, lang)}",
        f"tag: [{TAG}]",
        "custom_dataset: !function utils.load_docs",
        f"dataset_kwargs: {_j(kwargs)}",
        "test_split: test",
    ]
    if task.output_type == "multiple_choice":
        lines += ["output_type: multiple_choice", "doc_to_text: context", "doc_to_choice: choices",
                  "doc_to_target: gold", 'target_delimiter: " "']
    else:
        lines += ["output_type: generate_until", "doc_to_text: prompt", "doc_to_target: target_text",
                  "description: system", f"generation_kwargs: {_j(generation_kwargs(task))}"]
    lines += ["process_results: !function utils.process_results", "metric_list:"]
    for scorer, names in metrics.items():
        for metric, name in names:
            lines.append(f"  - {{metric: {name}, aggregation: !function utils.{_agg_fn(scorer, metric, name)}, "
                         f"higher_is_better: {_j(scorer not in LOWER_IS_BETTER)}}}")
    lines += [f"metadata: {_j({'version': task.version, 'thaibench_version': __version__})}", ""]
    return "\n".join(lines)


UTILS_HEAD = '''"""lm-eval hooks for the thaibench tasks in this folder (written by `thaibench lm-eval export`).

Documents, scoring and aggregation are thaibench's own (thaibench.lmeval.hooks).
"""

from thaibench.lmeval.hooks import aggregation, load_docs, process_results  # noqa: F401

'''

README = """# thaibench tasks for lm-eval

Written by `thaibench lm-eval export` (thaibench {version}); needs thaibench installed where
lm-eval runs. Documents come from thaibench's loaders (set THAIBENCH_DATA_DIR to a local mirror
when the Hugging Face Hub is unreachable) and scores from thaibench's scorers.

    lm-eval run --model hf --model_args pretrained=MODEL --include_path {out} \\
        --tasks thaibench_mgsm_th --apply_chat_template --log_samples --output_path results
    lm-eval run --model hf --model_args pretrained=MODEL --include_path {out} \\
        --tasks thaibench_th_mc

Generative tasks (groups thaibench_th, thaibench_en) are chat prompts: pass
--apply_chat_template. Log-likelihood tasks (*_mc, group thaibench_th_mc) are plain-text
contexts, as in thaibench: do not pass it.

Groups: {groups}. Tag `thaibench`: every task. Generative tasks use the task's defaults
(`--gen_kwargs max_gen_toks=...` overrides them); do not pass `think_end_token`: thaibench splits
the reasoning trace itself, and its language columns read it.

Tasks: {tasks}
Not exported: {skipped}
"""


def export(out: Path, names: Sequence[str] | None = None, data_dir: str | None = None) -> Exported:
    """Write the folder; `names` limits it to some tasks (default: every exportable task)."""
    from thaibench.lmeval.hooks import metric_names
    from thaibench.task import TASKS

    out = Path(out)
    wanted = list(names) if names else TASKS.names()
    result = Exported(out)
    files: dict[str, str] = {}
    aggs: dict[str, tuple[str, str, str]] = {}
    for name in wanted:
        if name not in TASKS:
            raise UserError(f"unknown task {name!r}; known tasks: {', '.join(TASKS.names())}")
        task = TASKS.get(name)
        reason = skip_reason(task)
        if reason:
            result.skipped[name] = reason
            continue
        for lang in task.langs:
            metrics = metric_names(task, lang)
            for scorer, pairs in metrics.items():
                for metric, value in pairs:
                    aggs[_agg_fn(scorer, metric, value)] = (scorer, metric, value)
            yname = yaml_name(task.name, lang)
            files[f"{yname}.yaml"] = task_yaml(task, lang, metrics, data_dir)
            result.tasks.append(yname)
            # Log-likelihood tasks run without --apply_chat_template (the context is plain text,
            # as in thaibench), so they get their own group.
            mc = "_mc" if task.output_type == "multiple_choice" else ""
            result.groups.setdefault(f"thaibench_{lang}{mc}", []).append(yname)
    if not result.tasks:
        raise UserError("nothing to export: " + "; ".join(f"{k}: {v}" for k, v in result.skipped.items()))
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("thaibench_*.yaml"):
        old.unlink()  # a task removed since the last export must not linger
    for fname, text in files.items():
        (out / fname).write_text(text, encoding="utf-8")
    for group, members in result.groups.items():
        (out / f"{group}.yaml").write_text(
            f"group: {group}\ntask: {_j(members)}\nmetadata: {_j({'version': 1})}\n", encoding="utf-8")
    utils = UTILS_HEAD + "".join(f"{fn} = aggregation({_j(s)}, {_j(m)}, {_j(v)})\n"
                                 for fn, (s, m, v) in sorted(aggs.items()))
    (out / "utils.py").write_text(utils, encoding="utf-8")
    (out / "README.md").write_text(README.format(
        version=__version__, out=out, groups=", ".join(sorted(result.groups)), tasks=", ".join(result.tasks),
        skipped="; ".join(f"{k} ({v})" for k, v in result.skipped.items()) or "none"), encoding="utf-8")
    return result
