# cnngrade exercise: dropout
"""Buggy: kept elements multiplied by (1 - p)."""
# expect: scaled_by_keep_probability
# fails: scale
import numpy as np


def dropout_forward(x, p, rng):
    mask = (rng.random(x.shape) >= p).astype(np.float64)
    out = x * mask * (1 - p)
    return out, mask


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
