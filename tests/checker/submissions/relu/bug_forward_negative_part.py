# cnngrade exercise: relu
"""Buggy: keeps the negative part."""
# expect: forward_negative_part

import numpy as np


def relu_forward(x):
    return np.minimum(x, 0)


def relu_backward(dout, x):
    return dout * (x > 0)
