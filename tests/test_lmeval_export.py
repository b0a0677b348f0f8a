"""`thaibench lm-eval export`: the folder loads in lm-eval 0.4.13, and thaibench tasks run inside
lm-eval give the same generations, per-sample scores and aggregates as `thaibench score` (pico,
greedy, offline)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from thaibench.cli import main

pytest.importorskip("lm_eval")

LIMIT = 3
MAX_TOKENS = 16


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lmeval") / "tasks"
    assert main(["lm-eval", "export", "--out", str(out)]) == 0
    return out


def test_export_writes_a_yaml_per_task_and_language(exported: Path) -> None:
    from thaibench.task import TASKS

    names = {p.stem for p in exported.glob("thaibench_*.yaml")}
    assert {"thaibench_mgsm_th", "thaibench_mgsm_en", "thaibench_ifeval_th", "thaibench_xquad_th",
            "thaibench_thai_exam_onet_th", "thaibench_thai_exam_onet_mc_th", "thaibench_th", "thaibench_en",
            "thaibench_th_mc"} <= names
    assert not any(n.startswith("thaibench_mt_bench") for n in names)  # judged: not exported
    for name in TASKS.names():
        task = TASKS.get(name)
        if not task.judge_requests and not task.multi_turn:
            assert all(f"thaibench_{name}_{lang}" in names for lang in task.langs)
    text = (exported / "thaibench_mgsm_th.yaml").read_text(encoding="utf-8")
    assert "custom_dataset: !function utils.load_docs" in text
    assert "process_results: !function utils.process_results" in text
    assert '"max_gen_toks": 4096' in text  # the task's own default


def test_every_exported_task_builds_its_documents(exported: Path) -> None:
    from thaibench.errors import DataNotFound
    from thaibench.lmeval.hooks import doc_of
    from thaibench.task import TASKS

    built = 0
    for path in exported.glob("thaibench_*_*.yaml"):
        text = path.read_text(encoding="utf-8")
        if "dataset_kwargs" not in text:
            continue  # a group
        kwargs = json.loads(text.split("dataset_kwargs: ", 1)[1].splitlines()[0])
        task = TASKS.get(kwargs["thaibench_task"])
        try:
            samples = task.samples(kwargs["thaibench_lang"]).samples
        except DataNotFound:
            continue  # e.g. LiveCodeBench's English release is not in the offline mirror
        doc = doc_of(task, samples[0])
        assert json.loads(doc["sample"])["id"] == samples[0].id
        assert doc["prompt"] if task.output_type == "generate" else doc["choices"]
        built += 1
    assert built >= 30


def test_task_manager_indexes_the_folder(exported: Path) -> None:
    from lm_eval.tasks import TaskManager

    tm = TaskManager(include_defaults=False, include_path=str(exported))
    yamls = {p.stem for p in exported.glob("thaibench_*.yaml")}
    assert yamls <= set(tm.all_tasks)
    assert {"thaibench_th", "thaibench_en", "thaibench_th_mc"} <= set(tm.all_groups)
    assert "thaibench" in tm.all_tags


@pytest.mark.slow
def test_lm_eval_cli_lists_the_exported_tasks(exported: Path) -> None:
    exe = shutil.which("lm-eval") or shutil.which("lm_eval")
    cmd = [exe] if exe else [sys.executable, "-m", "lm_eval"]
    out = subprocess.run([*cmd, "ls", "tasks", "--include_path", str(exported)], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    for name in ("thaibench_mgsm_th", "thaibench_ifeval_en", "thaibench_th", "thaibench_thai_exam_ic_mc_th"):
        assert name in out


def _lm_eval(model: Path, folder: Path, tasks: list[str], chat: bool) -> dict:
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    return simple_evaluate(
        model="hf", model_args={"pretrained": str(model), "dtype": "float32"}, tasks=tasks,
        task_manager=TaskManager(include_defaults=False, include_path=str(folder)), limit=LIMIT,
        apply_chat_template=chat, gen_kwargs={"max_gen_toks": MAX_TOKENS} if chat else None, batch_size=1,
        device="cpu", log_samples=True, bootstrap_iters=0)


def _thaibench(model: Path, out: Path, tasks: str) -> dict[str, Path]:
    assert main(["score", str(model), "--tasks", tasks, "--limit", str(LIMIT), "--max-tokens", str(MAX_TOKENS),
                 "--batch-size", "1", "--out", str(out), "--quiet"]) == 0
    return {json.loads((d / "run.json").read_text())["task"]["name"]: d for d in
            (p.parent for p in out.rglob("results.json"))}


def _same(a: float | None, b: float | None) -> bool:
    a = math.nan if a is None else a
    b = math.nan if b is None else b
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=0, abs_tol=1e-12)


def _compare(res: dict, runs: dict[str, Path], pairs: dict[str, str]) -> int:
    checked = 0
    for lm_name, tb_name in pairs.items():
        d = runs[tb_name]
        gens = {json.loads(line)["sample_id"]: json.loads(line) for line in (d / "generations.jsonl").open()}
        scores: dict[tuple[str, str], float | None] = {}
        for line in (d / "scores.jsonl").open():
            r = json.loads(line)
            scores[(r["sample_id"], r["scorer"])] = r["value"]
        samples = res["samples"][lm_name]
        assert len(samples) == LIMIT == len(gens)
        for s in samples:
            g = gens[s["doc"]["sample_id"]]
            if "loglikelihoods" in g["extra"]:
                assert [r[0][0] for r in s["resps"]] == g["extra"]["loglikelihoods"]
            else:
                assert s["resps"][0][0] == g["text"]
            for metric in s["metrics"]:
                row = s[metric]
                assert _same(row["value"], scores[(row["sample_id"], row["scorer"])]), (lm_name, metric)
                checked += 1
        metrics = json.loads((d / "results.json").read_text())["metrics"]
        lang = lm_name.rsplit("_", 1)[1]
        for m in metrics:
            if m["group"] == lang and m["slice"] is None:
                assert _same(res["results"][lm_name][f"{m['name']},none"], m["value"]), (lm_name, m["name"])
                checked += 1
    return checked


def test_generative_tasks_agree_with_thaibench_score(exported: Path, pico_llama: Path, tmp_path: Path) -> None:
    pairs = {"thaibench_mgsm_th": "mgsm", "thaibench_ifeval_en": "ifeval", "thaibench_humaneval_en": "humaneval"}
    res = _lm_eval(pico_llama, exported, list(pairs), chat=True)
    runs = _thaibench(pico_llama, tmp_path / "out", "mgsm:th,ifeval:en,humaneval")
    assert _compare(res, runs, pairs) > 40
    # the exported task reports what thaibench reports: e.g. IFEval's four accuracies
    assert "ifeval_inst_loose,none" in res["results"]["thaibench_ifeval_en"]


def test_multiple_choice_task_agrees_with_thaibench_score(exported: Path, pico_llama: Path, tmp_path: Path) -> None:
    pairs = {"thaibench_thai_exam_ic_mc_th": "thai_exam_ic_mc"}
    res = _lm_eval(pico_llama, exported, list(pairs), chat=False)
    runs = _thaibench(pico_llama, tmp_path / "out", "thai_exam_ic_mc")
    assert _compare(res, runs, pairs) >= LIMIT + 1
