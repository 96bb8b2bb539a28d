# cnngrade exercise: avgpool2d
"""Buggy (written fresh): the backward pass spreads dout[i, j] over the window starting at
(i, j), forgetting to multiply by the stride (right only when the stride is 1)."""
# expect: backward_window_not_offset
import numpy as np


def _two(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def avgpool2d_forward(x, kernel_size, stride=None):
    kh, kw = _two(kernel_size)
    sh, sw = _two(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    HO, WO = (H - kh) // sh + 1, (W - kw) // sw + 1
    out = np.zeros((N, C, HO, WO))
    for i in range(HO):
        for j in range(WO):
            out[:, :, i, j] = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].mean(axis=(2, 3))
    return out


def avgpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = _two(kernel_size)
    N, C, HO, WO = dout.shape
    dx = np.zeros_like(x)
    for i in range(HO):
        for j in range(WO):
            dx[:, :, i:i + kh, j:j + kw] += dout[:, :, i:i + 1, j:j + 1] / (kh * kw)
    return dx
