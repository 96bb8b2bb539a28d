"""The error types cnngrade raises, one per kind of outcome.

The CLI turns a :class:`UserError` into one line on stderr and exit status 2, never a
traceback. Student mistakes are *not* exceptions: they become graded results (see
``grader.results``). A :class:`GraderError` is a bug or a broken installation of ours.
"""

__all__ = ["CnngradeError", "UserError", "GraderError"]


class CnngradeError(Exception):
    """Base class of every error cnngrade raises on purpose."""


class UserError(CnngradeError):
    """The person running cnngrade asked for something impossible (bad path, unknown
    model, malformed spec, invalid size...). The message is one sentence naming the problem."""


class GraderError(CnngradeError):
    """cnngrade itself failed (a bug, or a reference that cannot run here)."""
