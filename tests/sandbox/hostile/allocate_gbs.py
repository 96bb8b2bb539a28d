"""Allocates 8 GiB. Expected: "memory_limit" (the address-space limit stops it)."""
import numpy as np


def f(x):
    big = np.ones((1 << 30,), dtype=np.float64)
    return big[:1]
