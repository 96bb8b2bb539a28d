# cnngrade exercise: dropout
"""Correct: element-by-element loops with a boolean mask (the slow, obvious style)."""
import numpy as np


def dropout_forward(x, p, rng):
    u = rng.random(x.shape)
    mask = np.zeros(x.shape, dtype=bool)
    out = np.zeros(x.shape)
    scale = 1.0 / (1.0 - p)
    for idx in np.ndindex(*x.shape):
        if u[idx] >= p:
            mask[idx] = True
            out[idx] = x[idx] * scale
    return out, mask


def dropout_backward(dout, mask, p):
    dx = np.zeros(dout.shape)
    for idx in np.ndindex(*dout.shape):
        if mask[idx]:
            dx[idx] = dout[idx] / (1.0 - p)
    return dx
