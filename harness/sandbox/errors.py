"""Errors of the sandbox. `SandboxUnavailable` is a refusal: the isolation this module promises
could not be set up here, so no untrusted code runs (never a silent fallback to running it
unprotected). The message says what is missing and how to fix it."""

from __future__ import annotations

from thaibench.errors import UserError


class SandboxUnavailable(UserError):
    """bubblewrap is missing, user namespaces are disabled, or the self-check failed."""


class SandboxProtocolError(RuntimeError):
    """The in-sandbox driver answered with something the harness cannot read."""
