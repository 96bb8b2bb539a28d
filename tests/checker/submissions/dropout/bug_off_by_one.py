# cnngrade exercise: dropout
"""Buggy: the loop filling out stops one element early."""
# expect: -
# fails: mask_matches_output
import numpy as np


def dropout_forward(x, p, rng):
    mask = (rng.random(x.shape) >= p).astype(np.float64)
    flat_x, flat_m = x.ravel(), mask.ravel()
    out = np.zeros(x.size)
    for i in range(x.size - 1):
        out[i] = flat_x[i] * flat_m[i] / (1 - p)
    out = out.reshape(x.shape)
    return out, mask


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
