# cnngrade exercise: residual-block
"""Correct: sliding_window_view and einsum."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv(x, w, b=None, stride=1, pad=(0, 0)):
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    windows = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwuv,fcuv->nfhw", windows, w)
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def residual_block_forward(x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None):
    same1 = (w1.shape[2] // 2, w1.shape[3] // 2)
    same2 = (w2.shape[2] // 2, w2.shape[3] // 2)
    branch = conv(np.maximum(conv(x, w1, b1, stride, same1), 0), w2, b2, 1, same2)
    shortcut = x if w_proj is None else conv(x, w_proj, b_proj, stride)
    return np.maximum(branch + shortcut, 0)
