# cnngrade exercise: relu
"""Buggy: backward returns the forward output (arguments mixed up)."""
# expect: -

import numpy as np


def relu_forward(x):
    return np.maximum(x, 0)


def relu_backward(dout, x):
    return np.maximum(x, 0)
