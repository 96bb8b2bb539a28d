# cnngrade exercise: relu
"""Correct: np.where, in float32."""
import numpy as np


def relu_forward(x):
    x = x.astype(np.float32)
    return np.where(x > 0, x, np.float32(0))


def relu_backward(dout, x):
    return np.where(x > 0, dout, 0).astype(np.float32)
