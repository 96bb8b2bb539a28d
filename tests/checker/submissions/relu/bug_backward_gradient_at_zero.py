# cnngrade exercise: relu
"""Buggy: passes the gradient at x == 0."""
# expect: backward_gradient_at_zero

import numpy as np


def relu_forward(x):
    return np.maximum(x, 0)


def relu_backward(dout, x):
    return dout * (x >= 0)
