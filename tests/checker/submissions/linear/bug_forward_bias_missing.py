# cnngrade exercise: linear
"""Buggy: leaves out the bias."""
# expect: forward_bias_missing
import numpy as np


def linear_forward(x, w, b):
    N, D = x.shape
    M = w.shape[0]
    out = np.zeros((N, M))
    for n in range(N):
        for m in range(M):
            s = 0.0
            for d in range(D):
                s += x[n, d] * w[m, d]
            out[n, m] = s
    return out


def linear_backward(dout, x, w, b):
    dx = dout @ w
    dw = dout.T @ x
    db = dout.sum(axis=0)
    return dx, dw, db
