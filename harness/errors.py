"""Errors a user can act on. The CLI prints them as one line and exits with status 2."""


class UserError(Exception):
    """Bad input from the user: a path, a name, a file or a setting. The message says how to fix it."""


class DataNotFound(UserError):
    """A task's data is neither on the hub (offline) nor in the local data directory."""
