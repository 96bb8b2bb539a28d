# cnngrade exercise: batchnorm2d
"""Buggy (written fresh): the "textbook" one-pass variance E[x^2] - E[x]^2; right on small
values, but it cancels away when a channel's mean is large next to its spread."""
# expect: one_pass_variance
# fails: large_offset
import numpy as np


def batchnorm2d_forward(x, gamma, beta, eps=1e-5):
    axes = (0, 2, 3)
    mean = np.mean(x, axis=axes, keepdims=True)
    mean_sq = np.mean(x ** 2, axis=axes, keepdims=True)
    var = mean_sq - mean ** 2
    xn = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, -1, 1, 1) * xn + beta.reshape(1, -1, 1, 1)


def batchnorm2d_backward(dout, x, gamma, beta, eps=1e-5):
    axes = (0, 2, 3)
    m = x.shape[0] * x.shape[2] * x.shape[3]
    mean = np.mean(x, axis=axes, keepdims=True)
    var = np.mean(x ** 2, axis=axes, keepdims=True) - mean ** 2
    istd = 1.0 / np.sqrt(var + eps)
    xn = (x - mean) * istd
    g = gamma.reshape(1, -1, 1, 1)
    dxn = dout * g
    dx = istd / m * (m * dxn - dxn.sum(axis=axes, keepdims=True)
                     - xn * (dxn * xn).sum(axis=axes, keepdims=True))
    return dx, (dout * xn).sum(axis=axes), dout.sum(axis=axes)
