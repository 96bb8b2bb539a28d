"""Ignores SIGTERM and SIGINT, then loops forever in the graded function.
Expected: "timeout" naming the function and the limit."""
import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)


def f(x):
    while True:
        pass
