# cnngrade exercise: batchnorm2d
"""Computes in float32 and backpropagates through the staged graph (cs231n style): right on
every group but the two large-offset ones, whose channel means near 1e7 float32 cannot hold
(1e7 + 0.25 rounds to 1e7), so it must lose exactly those (and nothing is diagnosed)."""
# expect: silent
# fails: large_offset
import numpy as np


def batchnorm2d_forward(x, gamma, beta, eps=1e-5):
    x = x.astype(np.float32)
    mu = np.mean(x, axis=(0, 2, 3), keepdims=True)
    xmu = x - mu
    var = np.mean(xmu ** 2, axis=(0, 2, 3), keepdims=True)
    ivar = 1 / np.sqrt(var + np.float32(eps))
    g = gamma.astype(np.float32)[None, :, None, None]
    b = beta.astype(np.float32)[None, :, None, None]
    return g * (xmu * ivar) + b


def batchnorm2d_backward(dout, x, gamma, beta, eps=1e-5):
    x, dout = x.astype(np.float32), dout.astype(np.float32)
    N, C, H, W = x.shape
    m = N * H * W
    # Forward, keeping every intermediate.
    mu = x.mean(axis=(0, 2, 3), keepdims=True)
    xmu = x - mu
    sq = xmu ** 2
    var = sq.mean(axis=(0, 2, 3), keepdims=True)
    sqrtvar = np.sqrt(var + np.float32(eps))
    ivar = 1 / sqrtvar
    xhat = xmu * ivar
    g = gamma.astype(np.float32)[None, :, None, None]
    # Backward, one node at a time.
    dbeta = dout.sum(axis=(0, 2, 3))
    dgamma = (dout * xhat).sum(axis=(0, 2, 3))
    dxhat = dout * g
    divar = (dxhat * xmu).sum(axis=(0, 2, 3), keepdims=True)
    dxmu1 = dxhat * ivar
    dsqrtvar = -divar / sqrtvar ** 2
    dvar = 0.5 * dsqrtvar / sqrtvar
    dsq = np.ones_like(sq) * dvar / m
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -dx1.sum(axis=(0, 2, 3), keepdims=True)
    dx2 = np.ones_like(x) * dmu / m
    return dx1 + dx2, dgamma, dbeta
