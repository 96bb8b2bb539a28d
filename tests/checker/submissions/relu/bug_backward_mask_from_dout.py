# cnngrade exercise: relu
"""Buggy: mask taken from dout."""
# expect: backward_mask_from_dout

import numpy as np


def relu_forward(x):
    return np.maximum(x, 0)


def relu_backward(dout, x):
    return dout * (dout > 0)
