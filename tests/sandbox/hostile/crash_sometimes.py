"""Crashes only when the input has 13 rows, works otherwise. Expected: that call "crashed",
the next call "ok" again (the child is restarted)."""
import os


def f(x):
    if x.shape[0] == 13:
        os._exit(1)
    return x * 2
