"""A scripted backend that answers in Thai with an English switch (shared by show and MT-Bench tests)."""

from __future__ import annotations

from thaibench.backends import BACKENDS, Backend, backend
from thaibench.types import Generation

SWITCHING = "<think>Add the numbers.</think>คำตอบคือ 5 ครับ Let me explain why this is the correct answer here."


def ensure_switch_backend() -> None:
    if "scripted_switch" in BACKENDS:
        return

    @backend("scripted_switch")
    class Switching(Backend):
        def identity(self):
            return {"name": "scripted_switch"}

        def candidate(self):
            return {"id": "switching", "kind": "test", "name": "switching", "cacheable": True}

        def generate(self, requests, progress=None):
            return [Generation(text=SWITCHING if i % 2 else "<think>Add.</think>คำตอบคือ 5 ครับ", finish_reason="stop")
                    for i, _ in enumerate(requests)]
