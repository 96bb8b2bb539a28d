"""conv2d_forward with sliding_window_view and tensordot, returning float32 (any real
array-like of the right shape is accepted)."""
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    KH, KW = w.shape[2:]
    win = np.lib.stride_tricks.sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::sh, ::sw]
    out = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))  # N, HO, WO, F
    return (out.transpose(0, 3, 1, 2) + b[None, :, None, None]).astype(np.float32)
