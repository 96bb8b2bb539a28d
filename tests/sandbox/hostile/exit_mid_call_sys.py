"""Calls sys.exit() inside the graded function. Expected: call verdict "exception"."""
import sys


def f(x):
    sys.exit(0)
