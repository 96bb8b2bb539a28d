# cnngrade exercise: conv2d-forward
"""Buggy (written fresh, as a student would): the filter matrix times the column matrix gives
(F, N*HO*WO), reshaped to (N, F, HO, WO) without moving the filter axis.

Only wrong when N > 1 and F > 1 together.
"""
# expect: reshaped_filter_major
# loses: all_at_once
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_forward(x, w, b, stride=1, padding=0):
    if np.isscalar(stride):
        stride = (stride, stride)
    if np.isscalar(padding):
        padding = (padding, padding)
    N, C, H, W = x.shape
    F, C, KH, KW = w.shape
    xp = np.pad(x, [(0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])])
    win = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride[0], ::stride[1]]
    HO, WO = win.shape[2], win.shape[3]
    # columns: one per (image, output position), rows: (channel, u, v)
    cols = win.transpose(1, 4, 5, 0, 2, 3).reshape(C * KH * KW, N * HO * WO)
    res = w.reshape(F, C * KH * KW) @ cols + b[:, None]   # (F, N*HO*WO)
    return res.reshape(N, F, HO, WO)
