# cnngrade exercise: dropout
"""Buggy: p taken as the keep probability (keep where rand < p, scale 1/p)."""
# expect: p_as_keep_probability
# fails: drop_rate
import numpy as np


def dropout_forward(x, p, rng):
    mask = (rng.random(x.shape) < p).astype(np.float64)
    out = x * mask / p
    return out, mask


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
