"""`thaibench score --tasks lm-eval:TASK`: lm-eval tasks defined on local files give the same
per-sample results and aggregates as `lm_eval` itself with its HF model; the final answer (never
the trace) reaches lm-eval's filters; unsupported output types are refused by name; the hf
backend's log-likelihoods equal lm-eval's HFLM."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from thaibench.backends import BACKENDS, Backend, backend
from thaibench.cli import main
from thaibench.errors import UserError
from thaibench.types import Generation

pytest.importorskip("lm_eval")


pytestmark = pytest.mark.usefixtures("one_torch_thread")

GEN_YAML = """task: local_gen
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}/gen.jsonl
test_split: test
output_type: generate_until
doc_to_text: "Question: {{{{question}}}}\\nAnswer:"
doc_to_target: "{{{{answer}}}}"
generation_kwargs:
  until: ["\\n\\n", "Question:"]
  max_gen_toks: 12
  do_sample: false
filter_list:
  - name: number
    filter:
      - function: regex
        regex_pattern: "(\\\\d+)"
      - function: take_first
  - name: raw
    filter:
      - function: take_first
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
  - metric: chrf
    aggregation: chrf
    higher_is_better: true
metadata:
  version: 2.0
"""

MC_YAML = """task: local_mc
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}/mc.jsonl
test_split: test
output_type: multiple_choice
doc_to_text: "{{{{q}}}}"
doc_to_choice: "{{{{choices}}}}"
doc_to_target: label
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
  - metric: acc_norm
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
"""

ROLLING_YAML = """task: local_rolling
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}/gen.jsonl
test_split: test
output_type: loglikelihood_rolling
doc_to_text: ""
doc_to_target: "{{{{question}}}}"
"""

QUESTIONS = [("What is 2 plus 3?", "5"), ("What is 10 minus 4?", "6"), ("ลบ 3 จาก 9 ได้เท่าไร", "6"),
             ("What is 7 times 2?", "14"), ("Name the colour of the sky.", "blue")]
MC = [("The sky is", ["blue", "green", "red"], 0), ("Two plus two is", ["three", "four"], 1),
      ("กรุงเทพเป็นเมืองหลวงของ", ["ไทย", "ลาว", "ญี่ปุ่น"], 0), ("Water freezes at", ["zero degrees", "fifty", "ninety"], 0)]


@pytest.fixture
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "lm_tasks"
    d.mkdir()
    with (d / "gen.jsonl").open("w", encoding="utf-8") as f:
        for q, a in QUESTIONS:
            f.write(json.dumps({"question": q, "answer": a}, ensure_ascii=False) + "\n")
    with (d / "mc.jsonl").open("w", encoding="utf-8") as f:
        for q, c, g in MC:
            f.write(json.dumps({"q": q, "choices": c, "label": g}, ensure_ascii=False) + "\n")
    for name, text in (("local_gen", GEN_YAML), ("local_mc", MC_YAML), ("local_rolling", ROLLING_YAML)):
        (d / f"{name}.yaml").write_text(text.format(data=d), encoding="utf-8")
    monkeypatch.setenv("THAIBENCH_LMEVAL_INCLUDE_PATH", str(d))
    return d


def _same(a: float | None, b: float | None) -> bool:
    a = math.nan if a is None else a
    b = math.nan if b is None else b
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def _run_dir(out: Path, task: str) -> Path:
    [d] = [p.parent for p in out.rglob("results.json") if f"lm-eval:{task}@" in str(p)]
    return d


def test_local_tasks_agree_with_lm_eval(tasks_dir: Path, pico_llama: Path, tmp_path: Path) -> None:
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    out = tmp_path / "out"
    assert main(["score", str(pico_llama), "--tasks", "lm-eval:local_gen,lm-eval:local_mc", "--batch-size", "1",
                 "--out", str(out), "--quiet"]) == 0
    tm = TaskManager(include_defaults=False, include_path=str(tasks_dir))
    checked = 0
    for task, chat in (("local_gen", True), ("local_mc", False)):
        res = simple_evaluate(model="hf", model_args={"pretrained": str(pico_llama), "dtype": "float32"},
                              tasks=[task], task_manager=tm, apply_chat_template=chat, batch_size=1, device="cpu",
                              log_samples=True, bootstrap_iters=0)
        d = _run_dir(out, task)
        gens = {json.loads(line)["sample_id"]: json.loads(line) for line in (d / "generations.jsonl").open()}
        rows = [json.loads(line) for line in (d / "scores.jsonl").open()]
        filters = {s["filter"] for s in res["samples"][task]}
        for s in res["samples"][task]:
            [g] = [g for sid, g in gens.items() if sid.endswith(f"/{s['doc_id']}")]
            if task == "local_mc":
                assert [r[0][0] for r in s["resps"]] == g["extra"]["loglikelihoods"]
            else:
                assert s["resps"][0][0] == g["text"]
            for metric in s["metrics"]:
                scorer = metric if len(filters) == 1 else f"{metric}/{s['filter']}"
                [row] = [r for r in rows if r["sample_id"] == g["sample_id"] and r["scorer"] == scorer]
                mine = row["details"]["item"]
                theirs = s[metric]
                assert mine == (list(theirs) if isinstance(theirs, tuple) else theirs), (task, metric)
                checked += 1
        results = json.loads((d / "results.json").read_text())
        for key, value in res["results"][task].items():
            if "," not in key or "_stderr" in key:
                continue
            metric, flt = key.split(",")
            scorer = metric if len(filters) == 1 else f"{metric}/{flt}"
            [m] = [m for m in results["metrics"] if m["name"] == scorer and m["slice"] is None]
            assert _same(m["value"], float(value)), (task, key)
            checked += 1
        if task == "local_gen":  # lm-eval's metrics plus thaibench's language columns
            names = {m["name"] for m in results["metrics"]}
            assert {"exact_match/number", "chrf/raw", "answer_lang_ok", "code_switch_rate"} <= names
    assert checked >= 5 * 4 + 4 * 2 + 6


# -- the answer, never the trace, reaches lm-eval's filters -------------------------------------
if "trace_model" not in BACKENDS:
    @backend("trace_model")
    class TraceModel(Backend):
        """Thinks of a wrong number, then answers with the right one (from the question)."""

        batch_size = 4

        def identity(self):
            return {"name": "trace_model"}

        def candidate(self):
            return {"id": "trace-model", "kind": "test", "name": self.model, "cacheable": True}

        def generate(self, requests, progress=None):
            answers = dict(QUESTIONS)
            out = []
            for r in requests:
                q = next(q for q in answers if q in r.messages[-1]["content"])
                text = f"<think>Maybe 999? Question: no.</think>The answer is {answers[q]}."
                out.append(Generation(text, finish_reason="stop"))
            return out


def test_final_answer_goes_to_the_filters(tasks_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["score", "m", "--backend", "trace_model", "--tasks", "lm-eval:local_gen:en", "--out", str(out),
                 "--quiet"]) == 0
    d = _run_dir(out, "local_gen")
    metrics = {m["name"]: m for m in json.loads((d / "results.json").read_text())["metrics"] if m["slice"] is None}
    # Four answers are numbers the regex filter finds; the trace's 999 is never read.
    assert metrics["exact_match/number"]["value"] == pytest.approx(4 / 5)
    assert metrics["think_present"]["value"] == 1.0
    items = [json.loads(line) for line in (d / "scores.jsonl").open()]
    assert all(r["details"]["item"] in (0.0, 1.0) for r in items if r["scorer"] == "exact_match/raw")
    run = json.loads((d / "run.json").read_text())
    assert run["task"]["lm_eval"]["output_type"] == "generate_until"
    assert run["generation"]["max_tokens"] == 12 and run["generation"]["stop"] == ["\n\n", "Question:"]


def test_language_is_guessed_or_given(tasks_dir: Path) -> None:
    from thaibench.task import resolve

    [sel] = resolve(["lm-eval:local_mc"])
    assert sel.task.name == "lm-eval:local_mc" and sel.langs == ("en",)
    [sel] = resolve(["lm-eval:local_mc:th"])
    assert sel.langs == ("th",)
    [sel] = resolve([f"lm-eval:{tasks_dir / 'local_mc.yaml'}"])
    assert sel.task.output_type == "multiple_choice"


def test_unsupported_output_type_is_named(tasks_dir: Path) -> None:
    from thaibench.task import resolve

    with pytest.raises(UserError, match="loglikelihood_rolling"):
        resolve(["lm-eval:local_rolling"])


def test_unknown_yaml_path_is_a_user_error(tmp_path: Path) -> None:
    from thaibench.task import resolve

    with pytest.raises(UserError, match="no such lm-eval task file"):
        resolve([f"lm-eval:{tmp_path / 'missing.yaml'}"])


def test_hf_loglikelihood_equals_lm_eval_hflm(pico_llama: Path) -> None:
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    from thaibench.backends import BackendOptions, make_backend

    reqs = [("Question: 2+2?\nAnswer:", " A"), ("Question: 2+2?\nAnswer:", " B"), ("คำถาม: ข้อใดถูก\nคำตอบ: ", "ค"),
            ("", "hello world"), ("The quick brown fox", " jumps over the lazy dog"), ("สวัสดี", "ครับ วันนี้อากาศดี")]
    lm = HFLM(pretrained=str(pico_llama), batch_size=1, device="cpu", dtype="float32")
    theirs = lm.loglikelihood([Instance("loglikelihood", {}, r, i) for i, r in enumerate(reqs)], disable_tqdm=True)
    for bs in (1, 4):
        mine = make_backend("hf", str(pico_llama), BackendOptions(batch_size=bs)).loglikelihood(reqs)
        assert mine == theirs


def test_starting_thaibench_imports_no_lm_eval() -> None:
    code = ("import sys; from thaibench.cli import main; main(['tasks']); "
            "assert 'lm_eval' not in sys.modules and 'datasets' not in sys.modules, 'heavy import'")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=120)
