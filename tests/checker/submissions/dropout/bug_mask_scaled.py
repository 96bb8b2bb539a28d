# cnngrade exercise: dropout
"""Buggy: the returned mask already holds 1/(1-p)."""
# expect: mask_scaled
# fails: shape
import numpy as np


def dropout_forward(x, p, rng):
    mask = (rng.random(x.shape) >= p) / (1 - p)
    out = x * mask
    return out, mask


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
