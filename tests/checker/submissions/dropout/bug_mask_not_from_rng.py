# cnngrade exercise: dropout
"""Buggy: mask drawn from np.random, not from rng."""
# expect: mask_not_from_rng
# fails: seeded
import numpy as np


def dropout_forward(x, p, rng):
    mask = (np.random.rand(*x.shape) >= p).astype(np.float64)
    out = x * mask / (1 - p)
    return out, mask


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
