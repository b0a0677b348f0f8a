"""Shared fixtures: offline environment, the real data folder, one cached pico model.

Tests never download: HF_HUB_OFFLINE / HF_DATASETS_OFFLINE are set before anything imports
huggingface_hub, and HF_HOME points at a private directory.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
if "HF_HOME" not in os.environ:
    os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="thaibench-hfhome-")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("THAIBENCH_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow test; set THAIBENCH_SLOW=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: the real benchmark files (read in place, never copied)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real data folder missing: {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _data_dir_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THAIBENCH_DATA_DIR", str(SHARED_DATA))


@pytest.fixture()
def one_torch_thread() -> Iterator[None]:
    """Pico models on one torch thread: on a busy 2-core machine spin-waiting OpenMP threads
    make a pico batch many times slower than one thread."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def pico_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from thaibench.mini.pico import build_pico

    return build_pico(tmp_path_factory.mktemp("pico") / "llama", arch="llama", seed=0)


@pytest.fixture(scope="session")
def pico_qwen2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from thaibench.mini.pico import build_pico

    return build_pico(tmp_path_factory.mktemp("pico") / "qwen2", arch="qwen2", seed=1)
