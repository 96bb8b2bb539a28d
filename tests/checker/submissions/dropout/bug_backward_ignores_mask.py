# cnngrade exercise: dropout
"""Buggy: dx = dout / (1 - p)."""
# expect: backward_ignores_mask
# fails: backward_mask
import numpy as np


def dropout_forward(x, p, rng):
    mask = (rng.random(x.shape) >= p).astype(np.float64)
    out = x * mask / (1 - p)
    return out, mask


def dropout_backward(dout, mask, p):
    return dout / (1 - p)
