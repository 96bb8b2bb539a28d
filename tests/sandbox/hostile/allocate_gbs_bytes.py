"""Hoards 64 MiB blocks in a list until memory runs out. Expected: "memory_limit"."""
import numpy as np


def f(x):
    hoard = []
    while True:
        hoard.append(np.empty(64 << 20, dtype=np.uint8))
