"""Prints and returns everything it can find about the environment: os.environ, every
/proc/*/environ, the parent's command line. Expected: no grader environment value leaks."""
import os

import numpy as np


def f(x):
    print(dict(os.environ))
    for pid in ["self", "1", str(os.getppid())] + os.listdir("/proc"):
        for part in ("environ", "cmdline"):
            try:
                with open(f"/proc/{pid}/{part}", "rb") as fh:
                    print(pid, part, fh.read()[:4096])
            except Exception as exc:
                print(pid, part, "refused:", type(exc).__name__)
    blob = repr(dict(os.environ)).encode()
    return np.frombuffer(blob, dtype=np.uint8)
