import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    if isinstance(stride, int):
        stride = (stride, stride)
    if isinstance(padding, int):
        padding = (padding, padding)
    sh, sw = stride
    ph, pw = padding
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode='constant')
    H_out = 1 + (H - HH + 2 * ph) // sh
    W_out = 1 + (W - WW + 2 * pw) // sw
    out = np.empty((N, F, H_out, W_out), dtype=float)
    for f in range(F):
        for i in range(H_out):
            for j in range(W_out):
                for n in range(N):
                    window = xp[n, :, i * sh:i * sh + HH, j * sw:j * sw + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
