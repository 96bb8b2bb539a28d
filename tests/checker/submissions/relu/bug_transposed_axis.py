# cnngrade exercise: relu
"""Buggy: returns dx transposed."""
# expect: -

import numpy as np


def relu_forward(x):
    return np.maximum(x, 0)


def relu_backward(dout, x):
    return (dout * (x > 0)).T
