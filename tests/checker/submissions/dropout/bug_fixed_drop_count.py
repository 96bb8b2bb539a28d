# cnngrade exercise: dropout
"""Buggy (written fresh): drops exactly round(p * n) elements, a random subset from a
permutation; the drop rate is right on large inputs, but the drops are not independent (a
1-element input at p = 0.3 is never dropped)."""
# expect: fixed_drop_count
# fails: independence
import numpy as np


def dropout_forward(x, p, rng):
    n = x.size
    k = int(round(p * n))
    mask = np.ones(n)
    mask[rng.permutation(n)[:k]] = 0.0
    mask = mask.reshape(x.shape)
    return x * mask / (1 - p), mask


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
