# cnngrade exercise: linear
"""Buggy (written fresh): half precision "like on the GPU": right while the values stay small,
infinite once the products pass 65504."""
# expect: silent
# loses: forward_all_at_once backward_all_at_once
import numpy as np


def linear_forward(x, w, b):
    h = np.float16
    return (x.astype(h) @ w.astype(h).T + b.astype(h)).astype(np.float64)


def linear_backward(dout, x, w, b):
    h = np.float16
    dout, x, w = dout.astype(h), x.astype(h), w.astype(h)
    return dout @ w, dout.T @ x, dout.sum(axis=0)
