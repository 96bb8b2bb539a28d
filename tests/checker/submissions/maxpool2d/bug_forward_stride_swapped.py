# cnngrade exercise: maxpool2d
"""Buggy: forward reads stride as (width, height)."""
# expect: forward_stride_swapped
import numpy as np


def maxpool2d_forward(x, kernel_size, stride=None):
    if stride is None:
        stride = kernel_size
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sw, sh = (stride, stride) if isinstance(stride, int) else stride
    N, C, H, W = x.shape
    HO = (H - kh) // sh + 1
    WO = (W - kw) // sw + 1
    out = np.zeros((N, C, HO, WO))
    for n in range(N):
        for c in range(C):
            for i in range(HO):
                for j in range(WO):
                    out[n, c, i, j] = np.max(x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw])
    return out


def maxpool2d_backward(dout, x, kernel_size, stride=None):
    if stride is None:
        stride = kernel_size
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    N, C, HO, WO = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(HO):
                for j in range(WO):
                    window = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    u, v = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * sh + u, j * sw + v] += dout[n, c, i, j]
    return dx
