# cnngrade exercise: dropout
"""Correct: float32 arithmetic, rng.uniform, np.where (drop where u < p)."""
import numpy as np


def dropout_forward(x, p, rng):
    x = x.astype(np.float32)
    dropped = rng.uniform(0.0, 1.0, size=x.shape) < p
    keep = np.float32(1.0) / np.float32(1.0 - p)
    out = np.where(dropped, np.float32(0.0), x * keep)
    return out, (~dropped).astype(np.float32)


def dropout_backward(dout, mask, p):
    return np.where(mask.astype(bool), dout.astype(np.float32) / np.float32(1.0 - p), np.float32(0.0))
