# cnngrade exercise: conv2d-forward
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    """Loops over images, filters and output positions."""
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO = (H + 2 * ph - KH) // sh + 1
    WO = (W + 2 * pw - KW) // sw + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((N, F, HO, WO))
    for n in range(N):
        for f in range(F):
            for i in range(HO):
                for j in range(WO):
                    window = xp[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
