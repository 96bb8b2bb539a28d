# cnngrade exercise: conv2d-forward
"""Buggy (written fresh): computes in float16 "to save memory": fine on small values,
overflows (inf) and rounds once the values grow."""
# expect: silent
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = stride if isinstance(stride, tuple) else (stride, stride)
    ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
    x, w, b = x.astype(np.float16), w.astype(np.float16), b.astype(np.float16)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO, WO = (H + 2 * ph - KH) // sh + 1, (W + 2 * pw - KW) // sw + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((N, F, HO, WO), dtype=np.float16)
    for u in range(KH):
        for v in range(KW):
            patch = xp[:, :, u:u + sh * (HO - 1) + 1:sh, v:v + sw * (WO - 1) + 1:sw]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, u, v])
    return out + b[None, :, None, None]
