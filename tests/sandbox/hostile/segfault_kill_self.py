"""Sends itself SIGSEGV (allowed: it signals only itself). Expected: "crashed" with SIGSEGV."""
import os
import signal


def f(x):
    os.kill(os.getpid(), signal.SIGSEGV)
