# cnngrade exercise: batchnorm2d
"""Model solution: batch normalisation in training mode (vectorised over (N, H, W))."""

import numpy as np

AXES = (0, 2, 3)  # the statistics of channel c run over the batch and both spatial axes


def _per_channel(v):
    return v.reshape(1, -1, 1, 1)


def batchnorm2d_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=AXES, keepdims=True)
    var = x.var(axis=AXES, keepdims=True)  # biased: divided by m = N*H*W
    x_hat = (x - mu) / np.sqrt(var + eps)
    return _per_channel(gamma) * x_hat + _per_channel(beta)


def batchnorm2d_backward(dout, x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=AXES, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=AXES, keepdims=True) + eps)
    x_hat = (x - mu) * inv_std
    dbeta = dout.sum(axis=AXES)
    dgamma = (dout * x_hat).sum(axis=AXES)
    # d x_hat, then through the mean and the variance (both depend on x):
    # dx = gamma / std * (dout - mean(dout) - x_hat * mean(dout * x_hat))
    dx = _per_channel(gamma) * inv_std * (
        dout - dout.mean(axis=AXES, keepdims=True)
        - x_hat * (dout * x_hat).mean(axis=AXES, keepdims=True))
    return dx, dgamma, dbeta
