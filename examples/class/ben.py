# cnngrade exercise: conv2d-forward
# Vectorised: every window at once, then one einsum with the filters.
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
    windows = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::sh, ::sw]
    return np.einsum("nchwij,fcij->nfhw", windows, w) + b[None, :, None, None]
