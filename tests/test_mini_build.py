"""Building the miniature world: labels, determinism, loadable checkpoints, one atomic build.

Everything here uses a scaled-down recipe (a few training steps) so it runs in seconds; the
full world is exercised by tests/test_mini_world.py (slow).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from thaibench.mini import cache
from thaibench.mini.recipe import DEFAULT, Recipe

TINY = DEFAULT.scaled(0.005)


@pytest.fixture(scope="module")
def tok():
    from thaibench.mini.build import build_tok

    return build_tok(TINY)


def test_sft_labels_mask_the_prompt_and_keep_the_trace(tok) -> None:
    from thaibench.mini.corpus import reasoner_chats
    from thaibench.mini.train import IGNORE, encode_chat

    chat = next(c for c in reasoner_chats(1, 50) if c.lang == "th")
    ids, labels = encode_chat(tok, chat, 512)
    prompt = tok.apply_chat_template([{"role": "user", "content": chat.user}], tokenize=False,
                                     add_generation_prompt=True)
    n_prompt = len(tok(prompt, add_special_tokens=False)["input_ids"])
    assert ids[:n_prompt] == tok(prompt, add_special_tokens=False)["input_ids"]
    assert labels[:n_prompt] == [IGNORE] * n_prompt
    target = [t for t in labels if t != IGNORE]
    assert tok.decode(target) == chat.assistant + "<|im_end|>"
    assert tok.convert_tokens_to_ids("<think>") in target and tok.convert_tokens_to_ids("</think>") in target


def test_tokenizer_keeps_think_tags_thai_and_digits(tok) -> None:
    text = "<think>\n12 + 7 = 19.\n</think>\n\nคำตอบ: 19"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert tok.decode(ids, skip_special_tokens=True) == text
    digits = [tok.decode([i]) for i in tok("12345", add_special_tokens=False)["input_ids"]]
    assert digits == ["1", "2", "3", "4", "5"]  # one token per digit, as the arithmetic needs
    assert len(ids) < len(text.encode("utf-8")) / 2  # the BPE learned the corpus' Thai words


def test_scaled_world_is_deterministic_loadable_and_cached(tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    world = cache.ensure_mini(TINY, root=tmp_path, progress=None)
    root = Path(world)
    assert root == tmp_path / TINY.version() and set(world) == {"base", "mini-th", "mini-reasoner"}
    first = cache.manifest(root)
    stamp = (root / "mini.json").stat().st_mtime_ns
    assert cache.ensure_mini(TINY, root=tmp_path, progress=None) == world  # cached: nothing rebuilt
    assert (root / "mini.json").stat().st_mtime_ns == stamp
    cache.ensure_mini(TINY, root=tmp_path, force=True, progress=None)
    second = cache.manifest(root)
    assert second["digests"] == first["digests"]  # same recipe, same machine: same bytes
    assert len(set(first["digests"].values())) == 3  # and the three models differ
    assert not list(tmp_path.glob(".*tmp-*")) and not list(tmp_path.glob(".*old-*"))

    tok = AutoTokenizer.from_pretrained(world["mini-th"])
    model = AutoModelForCausalLM.from_pretrained(world["mini-reasoner"])
    assert model.config.model_type == TINY.shape.arch and model.config.num_hidden_layers == TINY.shape.layers
    prompt = tok.apply_chat_template([{"role": "user", "content": "จงคำนวณ 7 + 5"}], tokenize=False,
                                     add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n")
    out = model.generate(**tok(prompt, return_tensors="pt"), max_new_tokens=4, do_sample=False)
    assert out.shape[1] > 0
    assert json.loads((Path(world["mini-th"]) / "thaibench_mini.json").read_text())["role"] == "mini-th"


def test_a_changed_recipe_builds_elsewhere() -> None:
    from dataclasses import replace

    assert replace(TINY, p_en=0.6).version() != TINY.version()
    assert TINY.version() == DEFAULT.scaled(0.005).version()


def _fake_build(calls: list[int], delay: float = 0.2, fail: bool = False):
    def build(recipe: Recipe, out: Path, progress=None) -> dict:
        calls.append(1)
        out.mkdir(parents=True)
        time.sleep(delay)
        if fail:
            raise RuntimeError("boom")
        for m in ("base", "mini-th", "mini-reasoner"):
            (out / m).mkdir()
            (out / m / "config.json").write_text("{}")
        (out / "mini.json").write_text(json.dumps({"digests": {}}))
        return {}

    return build


def test_concurrent_first_use_builds_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(cache, "run_build", _fake_build(calls))
    results: list[Path] = []
    def use() -> None:
        results.append(Path(cache.ensure_mini(TINY, root=tmp_path, progress=None)))

    threads = [threading.Thread(target=use) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(set(results)) == 1 and cache.is_built(results[0])


def test_failed_build_leaves_no_world_and_stale_temps_are_cleared(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    stale = tmp_path / f".{TINY.version()}.tmp-99999"
    stale.mkdir(parents=True)
    monkeypatch.setattr(cache, "run_build", _fake_build(calls, 0, fail=True))
    with pytest.raises(RuntimeError):
        cache.ensure_mini(TINY, root=tmp_path, progress=None)
    assert not stale.exists() and not cache.world_dir(TINY, tmp_path).exists()
    assert not list(tmp_path.glob(".*tmp-*"))
    monkeypatch.setattr(cache, "run_build", _fake_build(calls, 0))
    assert cache.is_built(Path(cache.ensure_mini(TINY, root=tmp_path, progress=None)))  # the lock was released


def test_cache_root_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THAIBENCH_CACHE", str(tmp_path))
    assert cache.world_dir() == tmp_path / "mini" / DEFAULT.version()
    monkeypatch.delenv("THAIBENCH_CACHE")
    assert cache.world_dir() == Path.home() / ".cache" / "thaibench" / "mini" / DEFAULT.version()


def test_cli_path_before_build_is_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from thaibench.cli import main

    monkeypatch.setenv("THAIBENCH_CACHE", str(tmp_path))
    assert main(["mini", "path"]) == 2
    assert "thaibench mini build" in capsys.readouterr().err


def test_cli_build_then_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    from thaibench.cli import main

    monkeypatch.setenv("THAIBENCH_CACHE", str(tmp_path))
    monkeypatch.setattr(cache, "DEFAULT", TINY)
    assert main(["mini", "build"]) == 0
    out = capsys.readouterr().out
    assert "mini-reasoner" in out and "sha256" in out
    assert main(["mini", "path"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split("\t")[0] for ln in lines] == ["base", "mini-th", "mini-reasoner"]
    assert all(Path(ln.split("\t")[1], "config.json").is_file() for ln in lines)


@pytest.mark.slow
def test_full_size_build_is_deterministic(tmp_path: Path) -> None:
    """One more full build (5-15 minutes on 2 cores) must reproduce the cached world's bytes."""
    world = Path(cache.ensure_mini())
    again = cache.run_build(DEFAULT, tmp_path / "again")
    assert again["digests"] == cache.manifest(world)["digests"]
    print(f"\nfull build: {again['timings_s']} s, digests identical to {world}")


def test_build_progress_prints_plain_lines_when_not_a_terminal():
    """In a log or a pipe the build reports each stage's start and every tenth, not a bar at the end."""
    import io
    import math

    from rich.console import Console

    from thaibench.mini.progress import rich_build_progress

    buf = io.StringIO()
    with rich_build_progress(Console(file=buf, force_terminal=False)) as cb:
        cb("data", 0, 1, math.nan)
        for step in range(0, 101):
            cb("base", step, 100, 2.0 - step / 100)
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("  tokenizer and data: 0/1")
    base = [ln for ln in lines if "pretrain base" in ln]
    assert len(base) == 11 and base[-1].startswith("  pretrain base: 100/100, loss 1.000")
