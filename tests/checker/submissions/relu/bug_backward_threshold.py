# cnngrade exercise: relu
"""Buggy (written fresh): the backward mask compares with a small epsilon "for numerical
safety", so tiny positive inputs get no gradient."""
# expect: silent
# loses: backward
import numpy as np

EPS = 1e-6


def relu_forward(x):
    return np.where(x > 0, x, 0.0)


def relu_backward(dout, x):
    return dout * (x > EPS)
