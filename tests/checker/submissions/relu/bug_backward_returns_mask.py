# cnngrade exercise: relu
"""Buggy: returns the mask only."""
# expect: backward_returns_mask

import numpy as np


def relu_forward(x):
    return np.maximum(x, 0)


def relu_backward(dout, x):
    return (x > 0) * 1.0
