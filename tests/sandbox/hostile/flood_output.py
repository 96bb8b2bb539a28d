"""Floods stdout and stderr with 8 MiB each, then returns the right answer (x * 2).
Expected: "ok", with stdout/stderr capped and the dropped bytes counted."""
import sys


def f(x):
    line = "spam " * 200 + "\n"
    for _ in range(8 << 10):
        sys.stdout.write(line)
        sys.stderr.write(line)
    return x * 2
