"""Checkpoint digests: computed once per file, remembered by size/inode/ctime/header, invalidated on change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from thaibench import identity


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("THAIBENCH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_large_file_digest_is_remembered_and_invalidated(tmp_path: Path, cache: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "model.safetensors"
    f.write_bytes(os.urandom(identity.SMALL + 10))
    assert identity.cached_file_digest(f) is None
    first = identity.file_digest(f)
    assert identity.cached_file_digest(f) == first
    calls = []
    real = identity._digest_file
    monkeypatch.setattr(identity, "_digest_file", lambda p: calls.append(p) or real(p))
    assert identity.file_digest(f) == first and calls == []  # remembered: not hashed again
    data = bytearray(f.read_bytes())
    data[-1] ^= 1
    f.write_bytes(bytes(data))
    assert identity.cached_file_digest(f) is None
    assert identity.file_digest(f) != first and len(calls) == 1


def test_remembered_digest_from_elsewhere(tmp_path: Path, cache: Path) -> None:
    f = tmp_path / "w.safetensors"
    f.write_bytes(b"x" * (identity.SMALL + 1))
    identity.remember_file_digest(f, "ab" * 32)
    assert identity.file_digest(f) == "ab" * 32


def test_checkpoint_digest_covers_template_and_generation_config(pico_llama: Path, tmp_path: Path,
                                                               cache: Path) -> None:
    import shutil

    base = identity.checkpoint_digest(pico_llama)
    for name, change in (("generation_config.json", '{"do_sample": true}'), ("chat_template.jinja", "{{ x }}")):
        copy = tmp_path / name
        shutil.copytree(pico_llama, copy)
        (copy / name).write_text(change)
        assert identity.checkpoint_digest(copy) != base
    notes = tmp_path / "notes"
    shutil.copytree(pico_llama, notes)
    (notes / "README.md").write_text("a model card does not change the model")
    assert identity.checkpoint_digest(notes) == base
