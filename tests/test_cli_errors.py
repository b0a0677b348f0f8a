"""Bad input gets one clear line and a non-zero exit, and nothing already written is lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pipeline_fixture
import pytest

from thaibench.cli import main


def err_line(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("thaibench: error:")]
    assert len(errors) == 1, err
    return errors[0]


@pytest.mark.parametrize("case", ["missing", "file", "empty_dir", "no_weights"])
def test_bad_model_paths(case: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "model"
    if case == "file":
        target.write_text("not a model")
    elif case == "empty_dir":
        target.mkdir()
    elif case == "no_weights":
        target.mkdir()
        (target / "config.json").write_text("{}")
    assert main(["score", str(target), "--tasks", "mgsm", "--quiet"]) == 2
    assert str(target) in err_line(capsys)


def test_corrupt_weights_keep_earlier_results(pico_llama: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture) -> None:
    data = pipeline_fixture.write_data(tmp_path / "data")
    out = tmp_path / "out"
    assert main(["score", str(pico_llama), "--tasks", "pipe_test", "--limit", "2", "--out", str(out),
                 "--data-dir", str(data), "--quiet"]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = tmp_path / "broken"
    shutil.copytree(pico_llama, broken)
    w = broken / "model.safetensors"
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 3])
    capsys.readouterr()
    rc = main(["score", str(broken), "--tasks", "pipe_test", "--limit", "2", "--out", str(out),
               "--data-dir", str(data), "--quiet"])
    assert rc == 2
    assert "cannot load model" in err_line(capsys)
    for p, content in before.items():
        assert p.read_bytes() == content


def test_unknown_task_and_language(pico_llama: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["score", str(pico_llama), "--tasks", "nosuchtask", "--quiet"]) == 2
    assert "unknown task 'nosuchtask'" in err_line(capsys)
    assert main(["score", str(pico_llama), "--tasks", "aime2025:th", "--quiet"]) == 2
    assert "no language 'th'" in err_line(capsys)
    assert main(["score", str(pico_llama), "--suite", "nosuchsuite", "--quiet"]) == 2
    assert "unknown suite" in err_line(capsys)


def test_data_not_found_says_where_it_looked(pico_llama: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.delenv("THAIBENCH_DATA_DIR")
    empty = tmp_path / "nodata"
    empty.mkdir()
    assert main(["score", str(pico_llama), "--tasks", "mgsm:th", "--data-dir", str(empty), "--quiet"]) == 2
    line = err_line(capsys)
    assert str(empty / "mgsm" / "mgsm_th.tsv") in line
    assert "juletxara/mgsm" in line and "--data-dir" in line


def test_malformed_rows_are_skipped_with_a_count(pico_llama: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    from thaibench.task import _SAMPLE_CACHE

    _SAMPLE_CACHE.clear()
    data = pipeline_fixture.write_data(tmp_path / "data", n=3, bad_rows=2)
    out = tmp_path / "out"
    assert main(["score", str(pico_llama), "--tasks", "pipe_test", "--out", str(out), "--data-dir", str(data),
                 "--quiet", "--max-tokens", "4"]) == 0
    err = capsys.readouterr().err
    assert "skipped 3 malformed rows" in err
    _SAMPLE_CACHE.clear()


def test_bad_flag_values(pico_llama: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["score", str(pico_llama), "--tasks", "mgsm", "--limit", "0", "--quiet"]) == 2
    assert "--limit" in err_line(capsys)
    assert main(["score", str(pico_llama), "--tasks", "mgsm", "--chat-template-args", "oops", "--quiet"]) == 2
    assert "key=value" in err_line(capsys)
