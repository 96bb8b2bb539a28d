"""conv2d_forward with stride tricks (as_strided) and einsum."""
import numpy as np
from numpy.lib.stride_tricks import as_strided


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    N, C, H, W = xp.shape
    F, _, KH, KW = w.shape
    HO, WO = (H - KH) // sh + 1, (W - KW) // sw + 1
    s = xp.strides
    windows = as_strided(xp, shape=(N, C, HO, WO, KH, KW),
                         strides=(s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]))
    return np.einsum("nchwij,fcij->nfhw", windows, w) + b[None, :, None, None]
