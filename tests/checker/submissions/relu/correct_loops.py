# cnngrade exercise: relu
"""Correct: loops over every element (flattened)."""
import numpy as np


def relu_forward(x):
    out = np.array(x, dtype=float).reshape(-1)
    for i in range(out.size):
        if out[i] < 0:
            out[i] = 0.0
    return out.reshape(np.shape(x))


def relu_backward(dout, x):
    flat_x = np.asarray(x).reshape(-1)
    dx = np.array(dout, dtype=float).reshape(-1)
    for i in range(dx.size):
        if not flat_x[i] > 0:
            dx[i] = 0.0
    return dx.reshape(np.shape(x))
