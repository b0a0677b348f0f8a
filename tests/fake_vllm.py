"""A stand-in `vllm` package for tests on machines where vLLM cannot be installed.

`COMMON` is the surface every stand-in shares (a call log, `SamplingParams`, the request-output
classes); a test module adds its own `LLM` and installs the package with `install`, which puts it
first on sys.path (spawned children inherit it) and removes it afterwards.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

COMMON = '''
import json, os

__version__ = "0.0.0"


def _log(**rec):
    rec.update(pid=os.getpid(), cuda=os.environ.get("CUDA_VISIBLE_DEVICES"))
    with open(os.environ["FAKE_VLLM_LOG"], "a") as f:
        f.write(json.dumps(rec) + "\\n")


class SamplingParams:
    def __init__(self, **kw):
        self.kw = kw


class _Completion:
    def __init__(self, text, token_ids, finish_reason):
        self.text, self.token_ids, self.finish_reason = text, token_ids, finish_reason


class _Output:
    def __init__(self, outputs):
        self.outputs = outputs
'''


def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, llm_source: str) -> Iterator[Path]:
    """Install COMMON + `llm_source` as `vllm`; yields the call log's path."""
    spec = importlib.util.find_spec("vllm")
    if spec is not None and "fake" not in str(spec.origin):
        pytest.skip("the real vllm is installed; the stand-in would shadow it")
    root = tmp_path / "fake"
    (root / "vllm").mkdir(parents=True)
    (root / "vllm" / "__init__.py").write_text(textwrap.dedent(COMMON) + textwrap.dedent(llm_source))
    dist = root / "vllm-0.0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: vllm\nVersion: 0.0.0\n")
    log = tmp_path / "vllm-calls.jsonl"
    monkeypatch.setenv("FAKE_VLLM_LOG", str(log))
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delitem(sys.modules, "vllm", raising=False)
    yield log
    sys.modules.pop("vllm", None)  # later tests must not find the stand-in
