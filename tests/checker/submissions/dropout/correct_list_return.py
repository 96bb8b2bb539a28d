# cnngrade exercise: dropout
"""Correct: returns [out, mask] as a list (a tuple or a list of the named outputs is accepted)."""
import numpy as np


def dropout_forward(x, p, rng):
    keep = rng.random(size=x.shape) >= p
    out = np.zeros_like(x)
    out[keep] = x[keep] / (1 - p)
    return [out, keep]


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
