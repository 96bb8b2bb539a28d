# cnngrade exercise: dropout
"""Buggy: returns the mask transposed."""
# expect: -
# fails: shape
import numpy as np


def dropout_forward(x, p, rng):
    mask = (rng.random(x.shape) >= p).astype(np.float64)
    out = x * mask / (1 - p)
    return out, mask.T


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
