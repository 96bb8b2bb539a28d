# cnngrade exercise: batchnorm2d
"""Buggy: the channel loop starts at 1: channel 0 is left unnormalised."""
# expect: -
# fails: per_channel
import numpy as np


def batchnorm2d_forward(x, gamma, beta, eps=1e-5):
    out = x.copy()
    for c in range(1, x.shape[1]):
        xc = x[:, c]
        x_hat = (xc - xc.mean()) / np.sqrt(xc.var() + eps)
        out[:, c] = gamma[c] * x_hat + beta[c]
    return out


def batchnorm2d_backward(dout, x, gamma, beta, eps=1e-5):
    axes = (0, 2, 3)
    mu = x.mean(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    x_hat = (x - mu) * inv_std
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    g = gamma.reshape(1, -1, 1, 1)
    dx = g * inv_std * (dout - dout.mean(axis=axes, keepdims=True)
                        - x_hat * (dout * x_hat).mean(axis=axes, keepdims=True))
    return dx, dgamma, dbeta
