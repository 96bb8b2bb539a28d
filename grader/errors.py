"""The error types cnngrade raises, one per kind of outcome.

The CLI turns a :class:`UserError` into one line on stderr and exit status 2, never a
traceback. Student mistakes are *not* exceptions: they become graded results (see
``grader.results``); a failure of the grader itself becomes an ungraded "error" result
with verdict ``grader_error`` (see ``grader.batch``), graded again by the next run.
"""

__all__ = ["CnngradeError", "UserError", "SandboxError"]


class CnngradeError(Exception):
    """Base class of every error cnngrade raises on purpose."""


class UserError(CnngradeError):
    """The person running cnngrade asked for something impossible (bad path, unknown
    model, malformed spec, invalid size...). The message is one sentence naming the problem."""



class SandboxError(CnngradeError):
    """The sandbox could not start on this machine (a wall could not be built, the
    interpreter or numpy is missing from the child's view...). A failure of the grader's
    machine, never the student's: no grade is given or cached for it."""
