# cnngrade exercise: dropout
"""Buggy: dx = dout * mask."""
# expect: backward_no_scaling
# fails: backward_scale
import numpy as np


def dropout_forward(x, p, rng):
    mask = (rng.random(x.shape) >= p).astype(np.float64)
    out = x * mask / (1 - p)
    return out, mask


def dropout_backward(dout, mask, p):
    return dout * mask
