# cnngrade exercise: dropout
"""Correct: the keep mask drawn as Bernoulli(1 - p) trials with rng.binomial."""
import numpy as np


def dropout_forward(x, p, rng):
    keep = rng.binomial(1, 1.0 - p, size=x.shape)  # integers 0/1
    return x * keep / (1.0 - p), keep


def dropout_backward(dout, mask, p):
    return np.multiply(dout, mask) / (1.0 - p)
