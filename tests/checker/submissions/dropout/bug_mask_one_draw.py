# cnngrade exercise: dropout
"""Buggy (written fresh): one random number from rng decides for the whole array."""
# expect: mask_one_draw
# fails: seeded
import numpy as np


def dropout_forward(x, p, rng):
    keep = rng.random() >= p
    mask = np.full(x.shape, 1.0 if keep else 0.0)
    return x * mask / (1.0 - p), mask


def dropout_backward(dout, mask, p):
    return dout * mask / (1.0 - p)
