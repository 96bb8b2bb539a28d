"""Starts a detached `sleep` through subprocess at import. Expected: load "forbidden"."""
import subprocess

subprocess.Popen(["sleep", "3600"], start_new_session=True)


def f(x):
    return x
