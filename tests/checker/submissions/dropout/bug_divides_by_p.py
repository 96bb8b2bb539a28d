# cnngrade exercise: dropout
"""Buggy (written fresh): the mask drops with probability p as it should, but the survivors
are divided by p instead of by the keep probability 1 - p."""
# expect: divides_by_p
# fails: scale
import numpy as np


def dropout_forward(x, p, rng):
    mask = rng.random(x.shape) > p
    out = np.where(mask, x / p if p > 0 else x, 0.0)
    return out, mask.astype(float)


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
