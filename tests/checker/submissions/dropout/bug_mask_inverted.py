# cnngrade exercise: dropout
"""Buggy: the returned mask marks the dropped elements."""
# expect: mask_inverted
# fails: mask_matches_output
import numpy as np


def dropout_forward(x, p, rng):
    mask = rng.random(x.shape) < p
    out = x * ~mask / (1 - p)
    return out, mask


def dropout_backward(dout, mask, p):
    return dout * mask / (1 - p)
