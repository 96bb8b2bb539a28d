# cnngrade exercise: linear
"""Correct: einsum, returning a list instead of a tuple."""
import numpy as np


def linear_forward(x, w, b):
    return np.einsum("nd,md->nm", x, w) + b[None, :]


def linear_backward(dout, x, w, b):
    return [np.einsum("nm,md->nd", dout, w), np.einsum("nm,nd->md", dout, x), np.einsum("nm->m", dout)]
