# cnngrade exercise: avgpool2d
"""Correct: average pooling as a convolution with a constant kernel, via im2col and einsum."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def avgpool2d_forward(x, kernel_size, stride=None):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(kernel_size if stride is None else stride)
    win = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    return np.einsum("nchwij,ij->nchw", win, np.full((kh, kw), 1.0 / (kh * kw)))


def avgpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(kernel_size if stride is None else stride)
    N, C, HO, WO = dout.shape
    dx = np.zeros_like(x, dtype=np.float64)
    for i in range(HO):
        for j in range(WO):
            dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += (dout[:, :, i, j] / (kh * kw))[:, :, None, None]
    return dx
