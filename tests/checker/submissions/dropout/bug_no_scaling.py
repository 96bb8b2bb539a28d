# cnngrade exercise: dropout
"""Buggy: survivors not scaled."""
# expect: no_scaling
# fails: scale
import numpy as np


def dropout_forward(x, p, rng):
    mask = (rng.random(x.shape) >= p).astype(np.float64)
    out = x * mask
    return out, mask


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
