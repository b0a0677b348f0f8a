"""Run model-written code so that it cannot harm the machine, read secrets, reach the network,
take the harness down or fake a pass.

Mechanism: bubblewrap (Debian package `bubblewrap`) with every namespace new, a root built from an
allow-list (system /usr and the interpreter's standard library, nothing of the harness), uid 65534
without capabilities (never host root: the kernel does not apply the process limit to root),
rlimits for CPU, memory, processes, open files and file size, size-limited tmpfs for disk, a wall
deadline, and at the end of every test a kill of everything left in the PID namespace. Where
this cannot be set up, `Sandbox()` raises `SandboxUnavailable`; `unsafe_no_sandbox=True` runs
without isolation, loudly, for trusted code only. `Sandbox.info()` is what the run record stores.

Verdicts are never taken from the program: outputs and return values come out as plain data and
are compared outside (verdict.py); HumanEval's `check` runs unchanged in a separate judge sandbox
that calls the candidate over a pipe.

Example:
    from thaibench.sandbox import Limits, ProgramJob, Sandbox
    sb = Sandbox(Limits(wall_seconds=5), workers=2)
    [out] = sb.run_all([ProgramJob("print(input()[::-1])", ("abc\\n",))])
    out.runs[0].stdout  # 'cba\\n'
"""

from thaibench.sandbox.errors import SandboxProtocolError, SandboxUnavailable
from thaibench.sandbox.jobs import CallJob, CheckJob, CheckOutcome, Outcome, ProgramJob, Run
from thaibench.sandbox.limits import Limits
from thaibench.sandbox.runner import Sandbox, default_workers

__all__ = [
    "CallJob", "CheckJob", "CheckOutcome", "Limits", "Outcome", "ProgramJob", "Run", "Sandbox",
    "SandboxProtocolError", "SandboxUnavailable", "default_workers",
]
