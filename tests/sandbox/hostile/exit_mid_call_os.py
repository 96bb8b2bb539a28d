"""os._exit() inside the graded function. Expected: call verdict "crashed"."""
import os


def f(x):
    os._exit(7)
