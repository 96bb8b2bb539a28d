# cnngrade exercise: residual-block
"""Buggy: the projection without b_proj."""
# expect: projection_bias_missing
# fails: projection
import numpy as np


def _conv(x, w, b, stride, padding):
    """Cross-correlation with symmetric zero padding (ph, pw) and an int stride."""
    ph, pw = padding
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO, WO = (H + 2 * ph - KH) // stride + 1, (W + 2 * pw - KW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((N, F, HO, WO))
    for u in range(KH):
        for v in range(KW):
            patch = xp[:, :, u:u + stride * (HO - 1) + 1:stride, v:v + stride * (WO - 1) + 1:stride]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, u, v])
    return out if b is None else out + b[None, :, None, None]


def _same(w):
    return (w.shape[2] // 2, w.shape[3] // 2)  # odd kernels: the size is kept at stride 1


def residual_block_forward(x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None):
    h = np.maximum(_conv(x, w1, b1, stride, _same(w1)), 0.0)  # strided, then relu
    y = _conv(h, w2, b2, 1, _same(w2))                       # stride 1, no relu yet
    s = x if w_proj is None else _conv(x, w_proj, None, stride, (0, 0))
    return np.maximum(y + s, 0.0)                             # relu after the addition
