# cnngrade exercise: dropout
"""Buggy: p = 0 replaced by a default of 0.5 (`if not p`)."""
# expect: -
# fails: p_zero
import numpy as np


def dropout_forward(x, p, rng):
    if not p:
        p = 0.5  # the usual default
    mask = (rng.random(x.shape) >= p).astype(np.float64)
    out = x * mask / (1 - p)
    return out, mask


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
