# cnngrade exercise: im2col
"""Model solution: im2col and col2im, vectorised over the windows (one slice per kernel offset)."""

import numpy as np


def _pair(v):
    return (v, v) if np.isscalar(v) else (int(v[0]), int(v[1]))


def _geometry(H, W, kh, kw, stride, padding):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    HO, WO = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    return sh, sw, ph, pw, HO, WO


def im2col(x, kh, kw, stride=1, padding=0):
    N, C, H, W = x.shape
    sh, sw, ph, pw, HO, WO = _geometry(H, W, kh, kw, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.empty((N, C, kh, kw, HO, WO))
    # Entry (u, v) of every window at once: a strided slice of the padded input.
    for u in range(kh):
        for v in range(kw):
            cols[:, :, u, v] = xp[:, :, u:u + sh * (HO - 1) + 1:sh, v:v + sw * (WO - 1) + 1:sw]
    return cols.reshape(N, C * kh * kw, HO * WO)


def col2im(cols, x_shape, kh, kw, stride=1, padding=0):
    N, C, H, W = x_shape
    sh, sw, ph, pw, HO, WO = _geometry(H, W, kh, kw, stride, padding)
    patches = np.asarray(cols).reshape(N, C, kh, kw, HO, WO)
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    # The same slices, added back: the windows of one offset never overlap each other, those of
    # different offsets do, and += sums them.
    for u in range(kh):
        for v in range(kw):
            xp[:, :, u:u + sh * (HO - 1) + 1:sh, v:v + sw * (WO - 1) + 1:sw] += patches[:, :, u, v]
    return xp[:, :, ph:ph + H, pw:pw + W]
