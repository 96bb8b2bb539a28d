# cnngrade exercise: maxpool2d
"""Buggy (written fresh): loops over at most three channels (an RGB habit); the others stay zero."""
# expect: silent
# loses: forward_batch_channels forward_all_at_once backward_all_at_once
import numpy as np


def _hw(v):
    return (v, v) if np.isscalar(v) else (v[0], v[1])


def maxpool2d_forward(x, kernel_size, stride=None):
    kh, kw = _hw(kernel_size)
    sh, sw = _hw(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    HO, WO = (H - kh) // sh + 1, (W - kw) // sw + 1
    out = np.zeros((N, C, HO, WO))
    for c in range(min(C, 3)):
        for i in range(HO):
            for j in range(WO):
                out[:, c, i, j] = x[:, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max(axis=(1, 2))
    return out


def maxpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = _hw(kernel_size)
    sh, sw = _hw(kernel_size if stride is None else stride)
    N, C, HO, WO = dout.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(min(C, 3)):
            for i in range(HO):
                for j in range(WO):
                    win = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    u, v = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * sh + u, j * sw + v] += dout[n, c, i, j]
    return dx
