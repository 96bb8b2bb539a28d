# cnngrade exercise: relu
"""Buggy: threshold at 1 instead of 0 in the forward pass."""
# expect: -

import numpy as np


def relu_forward(x):
    return np.where(x > 1, x, 0)


def relu_backward(dout, x):
    return dout * (x > 0)
