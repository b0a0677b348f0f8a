"""Resource limits for one sandboxed program run, as one frozen settings object.

Every number applies to ONE test run (one process tree): a problem with ten tests gets ten fresh
budgets. CPU time is enforced by RLIMIT_CPU (the kernel kills at the hard limit), wall time by
the in-sandbox driver and again by the harness (which kills the whole sandbox), memory by
RLIMIT_AS, processes by RLIMIT_NPROC (counted per sandbox user namespace, which is why the
sandbox never runs as host root: the kernel ignores RLIMIT_NPROC for uid 0), file size by
RLIMIT_FSIZE, disk by the size of the tmpfs mounted on /tmp and /dev/shm, output by the driver
(the run is killed once stdout passes `max_output_bytes`).

Defaults follow LiveCodeBench (6 s per test) with headroom for a loaded 2-core machine, and
leave enough memory for the usual competitive-programming tables. Tasks pass their own.

Example:
    Limits(cpu_seconds=3, wall_seconds=6, memory_mb=512)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What one test run of an untrusted program may use."""

    cpu_seconds: float = 6.0
    wall_seconds: float = 12.0
    memory_mb: int = 2048
    # Processes (and threads) the program may have at once, itself included.
    max_processes: int = 16
    max_open_files: int = 256
    max_output_bytes: int = 32 * MiB
    max_file_bytes: int = 16 * MiB
    # Size of each writable tmpfs (/tmp and /dev/shm).
    disk_mb: int = 64

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not value > 0:
                raise ValueError(f"Limits.{name} must be positive, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def for_driver(self) -> dict[str, Any]:
        """The plain numbers the in-sandbox driver applies with setrlimit."""
        return {
            "cpu": self.cpu_seconds,
            "wall": self.wall_seconds,
            "mem": self.memory_mb * MiB,
            "nproc": self.max_processes,
            "nofile": self.max_open_files,
            "fsize": self.max_file_bytes,
            "output": self.max_output_bytes,
        }
