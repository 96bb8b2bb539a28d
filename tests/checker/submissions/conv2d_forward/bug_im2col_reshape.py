# cnngrade exercise: conv2d-forward
"""Buggy: im2col, then the (N*HO*WO, F) product reshaped straight to (N, F, HO, WO).

Right whenever N == 1 and F == 1; the numbers land in the wrong places as soon as there are
several images and several filters (the rows are ordered n, i, j and the columns f).
"""
# expect: reshaped_filter_minor
# loses: all_at_once channels_filters kernel_1x1 bias
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO = (H + 2 * ph - KH) // sh + 1
    WO = (W + 2 * pw - KW) // sw + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    rows = []
    for n in range(N):
        for i in range(HO):
            for j in range(WO):
                rows.append(xp[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW].ravel())
    cols = np.array(rows)                      # (N*HO*WO, C*KH*KW)
    out = cols @ w.reshape(F, -1).T + b        # (N*HO*WO, F)
    return out.reshape(N, F, HO, WO)
