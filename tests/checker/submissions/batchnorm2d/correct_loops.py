# cnngrade exercise: batchnorm2d
"""Correct: explicit loops over channels and elements (the slow, obvious style)."""
import math

import numpy as np


def batchnorm2d_forward(x, gamma, beta, eps=1e-5):
    N, C, H, W = x.shape
    out = np.zeros_like(x)
    m = N * H * W
    for c in range(C):
        total = 0.0
        for n in range(N):
            for i in range(H):
                for j in range(W):
                    total += x[n, c, i, j]
        mean = total / m
        sq = 0.0
        for n in range(N):
            for i in range(H):
                for j in range(W):
                    sq += (x[n, c, i, j] - mean) ** 2
        std = math.sqrt(sq / m + eps)
        for n in range(N):
            for i in range(H):
                for j in range(W):
                    out[n, c, i, j] = gamma[c] * (x[n, c, i, j] - mean) / std + beta[c]
    return out


def batchnorm2d_backward(dout, x, gamma, beta, eps=1e-5):
    N, C, H, W = x.shape
    m = N * H * W
    dx = np.zeros_like(x)
    dgamma = np.zeros(C)
    dbeta = np.zeros(C)
    for c in range(C):
        xc, gc = x[:, c], dout[:, c]
        mean = xc.sum() / m
        var = ((xc - mean) ** 2).sum() / m
        std = math.sqrt(var + eps)
        x_hat = (xc - mean) / std
        dbeta[c] = gc.sum()
        dgamma[c] = (gc * x_hat).sum()
        # Chain rule step by step: x_hat, then var, then mean.
        dx_hat = gc * gamma[c]
        dvar = (dx_hat * (xc - mean)).sum() * -0.5 * (var + eps) ** -1.5
        dmean = -dx_hat.sum() / std + dvar * (-2.0 * (xc - mean)).sum() / m
        dx[:, c] = dx_hat / std + dvar * 2.0 * (xc - mean) / m + dmean / m
    return dx, dgamma, dbeta
