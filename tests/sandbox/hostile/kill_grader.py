"""Sends SIGKILL to its parent (the grader) and to everything it can. Expected:
"forbidden"; the grader lives on."""
import os
import signal


def f(x):
    os.kill(os.getppid(), signal.SIGKILL)
    os.kill(-1, signal.SIGKILL)
    return x
